//! Routing: the endpoint of the app's chain. It finds the route and runs the route's chain, or
//! answers itself: this is where the app's 404, 405 (with `Allow`), trailing-slash redirect and
//! 422 of a broken parameter rule are made.

use std::sync::Arc;

use http::{HeaderValue, StatusCode, header};
use pulya_core::extract::MatchedPath;
use pulya_core::middleware::Chain;
use pulya_core::{
    AppData, BoxFuture, Endpoint, ErrorResponse, IntoResponse, Middleware, Request, RequestContext,
    Response, RouteId, RouteParams,
};
use pulya_responses::ErrorPages;
use pulya_routing::{MatchError, Route, Router, param_names};

/// A route as the router holds it: its facts (the request's `MatchedPath`) and what answers
/// it.
pub(crate) struct RouteEntry {
    id: RouteId,
    target: Target,
}

/// The handler alone when the route has no middleware (one call), else the chain around it.
enum Target {
    Endpoint(Box<dyn Endpoint>),
    Chain(Arc<Chain>),
}

impl RouteEntry {
    /// The route `pattern`, whose facts go into `data`.
    pub(crate) fn new(
        data: &mut AppData,
        pattern: &str,
        middleware: Vec<Arc<dyn Middleware>>,
        endpoint: Box<dyn Endpoint>,
    ) -> Self {
        let target = if middleware.is_empty() {
            Target::Endpoint(endpoint)
        } else {
            Target::Chain(Arc::new(Chain::new(middleware, endpoint)))
        };
        Self {
            id: data.add_route(MatchedPath::new(pattern, param_names(pattern))),
            target,
        }
    }
}

/// What routing produced: a response at once (404, 405, a redirect) or the route's future.
pub(crate) enum Routed {
    Ready(Response),
    Pending(BoxFuture<'static, Response>),
}

/// The router with the app's answers for requests no route takes.
pub(crate) struct Routing {
    router: Router<RouteEntry>,
    fallback: Option<Box<dyn Endpoint>>,
    pub(crate) pages: ErrorPages,
}

impl Routing {
    pub(crate) fn new(
        router: Router<RouteEntry>,
        fallback: Option<Box<dyn Endpoint>>,
        pages: ErrorPages,
    ) -> Self {
        Self {
            router,
            fallback,
            pages,
        }
    }

    pub(crate) fn routes(&self) -> impl Iterator<Item = Route<'_>> {
        self.router.routes()
    }

    pub(crate) fn router(&self) -> &Router<RouteEntry> {
        &self.router
    }

    /// Finds the route of `req` and starts its chain, or answers.
    pub(crate) fn route(&self, req: Request, mut cx: RequestContext) -> Routed {
        let found = self.router.at(req.method(), req.uri().path());
        match found {
            Ok(m) => {
                let path = req.uri().path();
                let params = RouteParams::new(path, m.params.iter().map(|(_, v)| v));
                let entry = m.value;
                cx.set_route(entry.id, params);
                Routed::Pending(match &entry.target {
                    Target::Endpoint(endpoint) => endpoint.call(req, cx),
                    Target::Chain(chain) => chain.run(req, cx),
                })
            }
            Err(MatchError::NotFound) => match &self.fallback {
                Some(fallback) => Routed::Pending(fallback.call(req, cx)),
                None => Routed::Ready(self.not_found(&req)),
            },
            Err(MatchError::MethodNotAllowed(allowed)) => Routed::Ready(
                self.pages
                    .method_not_allowed(allowed.header_value(), req.headers().get(header::ACCEPT)),
            ),
            Err(MatchError::Redirect { location }) => {
                let location = match req.uri().query() {
                    Some(query) => format!("{location}?{query}"),
                    None => location,
                };
                let mut res = StatusCode::PERMANENT_REDIRECT.into_response();
                if let Ok(value) = HeaderValue::try_from(location) {
                    res.headers_mut().insert(header::LOCATION, value);
                }
                Routed::Ready(res)
            }
            Err(MatchError::InvalidParam { name, reason }) => Routed::Ready(
                ErrorResponse::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("path parameter `{name}` {reason}"),
                )
                .into_response(),
            ),
            Err(_) => Routed::Ready(self.not_found(&req)),
        }
    }

    fn not_found(&self, req: &Request) -> Response {
        self.pages
            .negotiated(StatusCode::NOT_FOUND, req.headers().get(header::ACCEPT))
    }
}

/// Routing as the endpoint of the app's middleware chain.
pub(crate) struct RoutingEndpoint(pub(crate) Arc<Routing>);

impl Endpoint for RoutingEndpoint {
    fn call(&self, req: Request, cx: RequestContext) -> BoxFuture<'static, Response> {
        match self.0.route(req, cx) {
            Routed::Ready(res) => Box::pin(std::future::ready(res)),
            Routed::Pending(fut) => fut,
        }
    }
}
