//! The app: routes, state, settings and middleware, built once into an immutable [`AppService`].

use std::any::{Any, TypeId};
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderValue, Method, StatusCode, header};
use http_body::Body as _;
use pulya_responses::negotiate::prefers_html;
use pulya_responses::{Body, ErrorPages, ErrorResponse, IntoResponse, JsonCodec, Response};
use pulya_routing::{InsertError, MatchError, Route, Router, TrailingSlash, join_paths};

use crate::context::{PathParams, Shared};
use crate::handler::{BoxFuture, BoxedHandler, Handler, boxed};
use crate::middleware::{Middleware, Next};
use crate::test_client::TestClient;
use crate::{Request, RequestContext};

/// The default limit of body extractors: 2 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

struct RouteDef {
    method: Method,
    path: String,
    handler: BoxedHandler,
}

/// The route-registering methods, shared by [`App`] and [`Group`].
macro_rules! route_methods {
    () => {
        /// Registers `handler` for `method` on `path` (matchit syntax: `{param}`, `{*rest}`).
        /// Conflicts are reported by [`App::build`].
        pub fn route<H: Handler<T>, T>(mut self, method: Method, path: &str, handler: H) -> Self {
            let path = join_paths(&self.prefix, path);
            self.routes.push(RouteDef {
                method,
                path,
                handler: boxed(handler),
            });
            self
        }

        /// Registers a `GET` route; it answers `HEAD` too.
        pub fn get<H: Handler<T>, T>(self, path: &str, handler: H) -> Self {
            self.route(Method::GET, path, handler)
        }

        /// Registers a `POST` route.
        pub fn post<H: Handler<T>, T>(self, path: &str, handler: H) -> Self {
            self.route(Method::POST, path, handler)
        }

        /// Registers a `PUT` route.
        pub fn put<H: Handler<T>, T>(self, path: &str, handler: H) -> Self {
            self.route(Method::PUT, path, handler)
        }

        /// Registers a `PATCH` route.
        pub fn patch<H: Handler<T>, T>(self, path: &str, handler: H) -> Self {
            self.route(Method::PATCH, path, handler)
        }

        /// Registers a `DELETE` route.
        pub fn delete<H: Handler<T>, T>(self, path: &str, handler: H) -> Self {
            self.route(Method::DELETE, path, handler)
        }

        /// Registers the routes that `build` adds to a group under `prefix` (appended to this
        /// one's), such as `.group("/api", |g| g.get("/users", list))` for `/api/users`.
        pub fn group(mut self, prefix: &str, build: impl FnOnce(Group) -> Group) -> Self {
            let group = build(Group {
                prefix: join_paths(&self.prefix, prefix),
                routes: Vec::new(),
            });
            self.routes.extend(group.routes);
            self
        }
    };
}

/// Routes under a common path prefix; made by [`App::group`].
pub struct Group {
    prefix: String,
    routes: Vec<RouteDef>,
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("prefix", &self.prefix)
            .field("routes", &self.routes.len())
            .finish()
    }
}

impl Group {
    route_methods!();
}

/// An application under construction: routes, fallback, state, middleware and settings.
///
/// Nothing here runs per request: [`App::build`] inserts the routes into the router, composes the
/// middleware chain and freezes everything into an [`AppService`].
///
/// ```
/// use pulya_app::{App, extract::Path};
///
/// # async fn run() {
/// let app = App::new()
///     .get("/plaintext", || async { "Hello, World!" })
///     .group("/users", |g| g.get("/{id}", |Path(id): Path<u64>| async move { format!("user {id}") }));
///
/// let res = app.test_client().get("/users/7").send().await;
/// assert_eq!(res.text(), "user 7");
/// # }
/// ```
pub struct App {
    prefix: String,
    routes: Vec<RouteDef>,
    fallback: Option<BoxedHandler>,
    states: Vec<(TypeId, Box<dyn Any + Send + Sync>)>,
    middleware: Vec<Arc<dyn Middleware>>,
    body_limit: usize,
    trailing_slash: TrailingSlash,
    route_cache: usize,
    pages: ErrorPages,
    json_decode: JsonCodec,
    json_encode: JsonCodec,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("routes", &self.routes.len())
            .field("middleware", &self.middleware.len())
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app with no routes, a body limit of [`DEFAULT_BODY_LIMIT`] and no middleware.
    pub fn new() -> Self {
        Self {
            prefix: String::new(),
            routes: Vec::new(),
            fallback: None,
            states: Vec::new(),
            middleware: Vec::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            trailing_slash: TrailingSlash::Strict,
            route_cache: 0,
            pages: ErrorPages::default(),
            json_decode: JsonCodec::DEFAULT_DECODE,
            json_encode: JsonCodec::DEFAULT_ENCODE,
        }
    }

    route_methods!();

    /// The handler for requests that match no route, instead of the default JSON 404.
    pub fn fallback<H: Handler<T>, T>(mut self, handler: H) -> Self {
        self.fallback = Some(boxed(handler));
        self
    }

    /// Shared state for the [`State`](crate::extract::State) extractor. One value per type; a
    /// second value of the same type replaces the first.
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        let id = TypeId::of::<T>();
        self.states.retain(|(t, _)| *t != id);
        self.states.push((id, Box::new(value)));
        self
    }

    /// Adds a middleware. The first one added is the outermost: it sees the request first and
    /// the response last.
    pub fn middleware<M: Middleware>(mut self, middleware: M) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// The most bytes the body extractors (`Bytes`, `String`, `Json`, `Form`) read; a larger
    /// body is answered with 413. Default: [`DEFAULT_BODY_LIMIT`] (2 MiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// What a path that differs from a route only by a trailing slash gets: 404 (`Strict`, the
    /// default), a `308 Permanent Redirect` to the route's form (`Redirect`, query string kept),
    /// or the route itself (`Ignore`).
    pub fn trailing_slash(mut self, policy: TrailingSlash) -> Self {
        self.trailing_slash = policy;
        self
    }

    /// Keeps the matches of recent dynamic paths in a per-thread cache of `capacity` slots
    /// (`0`, the default, for none). It pays when traffic repeats paths; see
    /// `pulya_routing::Router::set_cache_capacity` and docs/performance.md.
    pub fn route_cache(mut self, capacity: usize) -> Self {
        self.route_cache = capacity;
        self
    }

    /// The pages of the app's own errors (404 without a route, 405, the 500 of a panic),
    /// pre-encoded; replace them for HTML error pages, say. Default: Pulya's JSON error bodies.
    pub fn error_pages(mut self, pages: ErrorPages) -> Self {
        self.pages = pages;
        self
    }

    /// The JSON implementation that parses request bodies (the [`Json`](crate::extract::Json)
    /// extractor). Default: [`JsonCodec::DEFAULT_DECODE`], the faster one as measured.
    pub fn json_decoder(mut self, codec: JsonCodec) -> Self {
        self.json_decode = codec;
        self
    }

    /// The JSON implementation that writes [`Json`](crate::extract::Json) responses of this
    /// app's handlers and middleware. Default: [`JsonCodec::DEFAULT_ENCODE`].
    pub fn json_encoder(mut self, codec: JsonCodec) -> Self {
        self.json_encode = codec;
        self
    }

    /// Inserts the routes and freezes the app. Fails with every route that could not be
    /// inserted (a conflict, a duplicate, a malformed path), each named.
    pub fn build(self) -> Result<AppService, BuildError> {
        let mut router = Router::new();
        router.set_trailing_slash(self.trailing_slash);
        router.set_cache_capacity(self.route_cache);
        let mut errors = Vec::new();
        for def in self.routes {
            if let Err(err) = router.insert(def.method, &def.path, def.handler) {
                errors.push(err);
            }
        }
        if !errors.is_empty() {
            return Err(BuildError { errors });
        }
        let inner = Inner {
            router,
            fallback: self.fallback,
            middleware: self.middleware.into(),
            pages_have_html: self.pages.has_html(),
            pages: self.pages,
            json_encode: self.json_encode,
            shared: Arc::new(Shared {
                body_limit: self.body_limit,
                json_decode: self.json_decode,
                states: self.states,
            }),
        };
        Ok(AppService {
            inner: Arc::new(inner),
        })
    }

    /// Builds the app and returns an in-process client for it (no sockets).
    ///
    /// # Panics
    /// When [`App::build`] fails, with its message: a test of a misconfigured app should fail.
    pub fn test_client(self) -> TestClient {
        match self.build() {
            Ok(service) => service.test_client(),
            Err(err) => panic!("{err}"),
        }
    }
}

/// The routes that [`App::build`] could not insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    errors: Vec<InsertError>,
}

impl BuildError {
    /// One error per route that failed.
    pub fn errors(&self) -> &[InsertError] {
        &self.errors
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the app has invalid routes:")?;
        for err in &self.errors {
            write!(f, "\n  - {err}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

/// The built app, shared by every connection and request.
pub(crate) struct Inner {
    router: Router<BoxedHandler>,
    fallback: Option<BoxedHandler>,
    pub(crate) middleware: Arc<[Arc<dyn Middleware>]>,
    pages: ErrorPages,
    /// Whether `pages` has HTML alternatives, so requests need their `Accept` read.
    pages_have_html: bool,
    json_encode: JsonCodec,
    shared: Arc<Shared>,
}

/// What routing produced: a response at once (404, 405) or the handler's future.
pub(crate) enum Routed {
    Ready(Response),
    Pending(BoxFuture<'static, Response>),
}

impl Routed {
    pub(crate) fn boxed(self) -> BoxFuture<'static, Response> {
        match self {
            Routed::Ready(res) => Box::pin(std::future::ready(res)),
            Routed::Pending(fut) => fut,
        }
    }
}

impl Inner {
    /// The innermost step of the chain: find the route and start its handler.
    pub(crate) fn route(&self, req: Request) -> Routed {
        let found = self.router.at(req.method(), req.uri().path());
        match found {
            Ok(m) => {
                let params = PathParams::from_match(m.param_names, req.uri().path(), &m.params);
                let handler = m.value;
                let cx = RequestContext {
                    params,
                    shared: Arc::clone(&self.shared),
                };
                Routed::Pending(handler(req, cx))
            }
            Err(MatchError::NotFound) => match &self.fallback {
                Some(handler) => {
                    let cx = RequestContext {
                        params: PathParams::default(),
                        shared: Arc::clone(&self.shared),
                    };
                    Routed::Pending(handler(req, cx))
                }
                None => Routed::Ready(
                    self.pages
                        .negotiated(StatusCode::NOT_FOUND, req.headers().get(header::ACCEPT)),
                ),
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
            Err(_) => Routed::Ready(
                self.pages
                    .negotiated(StatusCode::NOT_FOUND, req.headers().get(header::ACCEPT)),
            ),
        }
    }
}

/// A built app: cheap to clone, shared by every connection. [`AppService::call`] answers one
/// request.
#[derive(Clone)]
pub struct AppService {
    inner: Arc<Inner>,
}

impl fmt::Debug for AppService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppService")
            .field("routes", &self.inner.router)
            .finish_non_exhaustive()
    }
}

impl AppService {
    /// Answers `req`: middleware, routing, extraction, the handler. A panic anywhere in it
    /// becomes a `500 Internal Server Error`; the service stays usable.
    ///
    /// Middleware and routing run here, at once; the future then runs the handler. Taking the
    /// request straight to its handler spares the future from holding it (a smaller future,
    /// two fewer moves of the request).
    pub fn call(&self, req: Request) -> ResponseFuture {
        let inner = &self.inner;
        let head = req.method() == Method::HEAD;
        // Read now, while the request is here, for the 500 page of a panic.
        let wants_html = inner.pages_have_html && prefers_html(req.headers().get(header::ACCEPT));
        // Inside the guard, so that a panic in middleware or routing is a 500 too.
        let started = inner.json_encode.scope(|| {
            catch_unwind(AssertUnwindSafe(|| {
                if inner.middleware.is_empty() {
                    inner.route(req)
                } else {
                    Routed::Pending(
                        Next {
                            inner: Arc::clone(inner),
                            index: 0,
                        }
                        .run(req),
                    )
                }
            }))
        });
        let state = match started {
            Ok(Routed::Ready(res)) => State::Ready(finish(res, head)),
            Ok(Routed::Pending(fut)) => State::Running(fut),
            Err(payload) => State::Ready(panicked(inner, wants_html, payload)),
        };
        ResponseFuture {
            inner: Arc::clone(inner),
            state,
            head,
            wants_html,
        }
    }

    /// Every route with its methods, for documentation and debugging.
    pub fn routes(&self) -> impl Iterator<Item = Route<'_>> {
        self.inner.router.routes()
    }

    /// An in-process client for this app (no sockets).
    pub fn test_client(&self) -> TestClient {
        TestClient::new(self.clone())
    }
}

/// The future of [`AppService::call`].
pub struct ResponseFuture {
    inner: Arc<Inner>,
    state: State,
    head: bool,
    wants_html: bool,
}

enum State {
    /// Answered without a handler (404, 405, a redirect, a panic in routing).
    Ready(Response),
    Running(BoxFuture<'static, Response>),
    Done,
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl Future for ResponseFuture {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = &mut *self;
        this.inner.json_encode.scope(|| this.poll_once(cx))
    }
}

impl ResponseFuture {
    fn poll_once(&mut self, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self;
        let fut = match &mut this.state {
            State::Running(fut) => fut,
            State::Ready(_) => {
                let State::Ready(res) = std::mem::replace(&mut this.state, State::Done) else {
                    unreachable!("matched above")
                };
                return Poll::Ready(res);
            }
            State::Done => {
                let payload = Box::new("ResponseFuture polled after completion");
                return Poll::Ready(panicked(&this.inner, this.wants_html, payload));
            }
        };
        match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(res)) => {
                this.state = State::Done;
                Poll::Ready(finish(res, this.head))
            }
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                this.state = State::Done;
                Poll::Ready(panicked(&this.inner, this.wants_html, payload))
            }
        }
    }
}

/// A `HEAD` response keeps its headers, with the `Content-Length` the body would have had, and
/// drops the body.
fn finish(mut res: Response, head: bool) -> Response {
    if head {
        if let Some(len) = res.body().size_hint().exact() {
            res.headers_mut()
                .entry(header::CONTENT_LENGTH)
                .or_insert_with(|| len.into());
        }
        *res.body_mut() = Body::empty();
    }
    res
}

fn panicked(inner: &Inner, wants_html: bool, payload: Box<dyn Any + Send>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-string payload");
    tracing::error!(panic = message, "a handler panicked; answering 500");
    let accept = wants_html.then(|| HeaderValue::from_static("text/html"));
    inner
        .pages
        .negotiated(StatusCode::INTERNAL_SERVER_ERROR, accept.as_ref())
}
