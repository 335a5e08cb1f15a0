//! The built app: [`AppService`] answers requests, and [`ResponseFuture`] guards them: a panic
//! anywhere becomes a 500, and a `HEAD` response loses its body but keeps its length.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderValue, Method, StatusCode, header};
use http_body::Body as _;
use pulya_core::middleware::Chain;
use pulya_core::{
    AppData, Body, BoxFuture, IntoResponse, Middleware, Request, RequestContext, Response,
};
use pulya_responses::negotiate::prefers_html;
use pulya_routing::Route;

use crate::routing::{Routed, Routing, RoutingEndpoint};
use crate::test_client::TestClient;

/// The built app, shared by every connection and request.
struct Inner {
    routing: Arc<Routing>,
    /// The app's middleware around routing; `None` when there is none, so that a request goes
    /// to routing directly.
    chain: Option<Arc<Chain>>,
    data: Arc<AppData>,
    /// Whether the error pages have HTML alternatives, so requests need their `Accept` read.
    pages_have_html: bool,
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
            .field("routes", self.inner.routing.router())
            .finish_non_exhaustive()
    }
}

impl AppService {
    pub(crate) fn new(
        routing: Routing,
        middleware: Vec<Arc<dyn Middleware>>,
        data: AppData,
    ) -> Self {
        let routing = Arc::new(routing);
        let chain = (!middleware.is_empty()).then(|| {
            Arc::new(Chain::new(
                middleware,
                Box::new(RoutingEndpoint(Arc::clone(&routing))),
            ))
        });
        Self {
            inner: Arc::new(Inner {
                pages_have_html: routing.pages.has_html(),
                routing,
                chain,
                data: Arc::new(data),
            }),
        }
    }

    /// Answers `req`: middleware, routing, extraction, the handler. A panic anywhere in it
    /// becomes a `500 Internal Server Error`; the service stays usable.
    ///
    /// Middleware and routing run here, at once; the future then runs the handler. Taking the
    /// request straight to its handler spares the future from holding it (a smaller future,
    /// two fewer moves of the request).
    pub fn call(&self, req: Request) -> ResponseFuture {
        self.call_with(req, None)
    }

    /// [`call`](Self::call) for a request that came over a socket from `peer`, which the
    /// [`ConnectInfo`](crate::extract::ConnectInfo) extractor and
    /// [`RequestContext::peer_addr`] then report.
    pub fn call_from(&self, req: Request, peer: SocketAddr) -> ResponseFuture {
        self.call_with(req, Some(peer))
    }

    fn call_with(&self, req: Request, peer: Option<SocketAddr>) -> ResponseFuture {
        let inner = &self.inner;
        let head = req.method() == Method::HEAD;
        // Read now, while the request is here, for the 500 page of a panic.
        let wants_html = inner.pages_have_html && prefers_html(req.headers().get(header::ACCEPT));
        let mut cx = RequestContext::new(Arc::clone(&inner.data));
        cx.set_peer_addr(peer);
        // Inside the guard, so that a panic in middleware or routing is a 500 too.
        let started = catch_unwind(AssertUnwindSafe(|| match &inner.chain {
            None => inner.routing.route(req, cx),
            Some(chain) => Routed::Pending(chain.run(req, cx)),
        }));
        let state = match started {
            Ok(Routed::Ready(res)) => State::Ready(finish(res, head, &inner.data)),
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

    /// Starts what the app owns, before it serves: with the `di` feature, the
    /// [eager](pulya_di::Service::eager) singletons of its container are built
    /// ([`Container::start`](pulya_di::Container::start)), so that a database that cannot be
    /// reached stops the start rather than a request. `pulya-server` calls it before it accepts
    /// connections; call it when serving an app another way. Built services stay built, so a
    /// second call does nothing more.
    ///
    /// # Errors
    /// The first factory that failed, naming its service.
    pub async fn start(&self) -> Result<(), pulya_core::BoxError> {
        #[cfg(feature = "di")]
        if let Some(container) = self.inner.data.get::<Arc<pulya_di::Container>>() {
            container.start().await?;
        }
        Ok(())
    }

    /// Ends what the app owns, once serving has stopped: with the `di` feature, the singletons
    /// of its container (`App::container`) are disposed, the latest built first
    /// ([`Container::shutdown`](pulya_di::Container::shutdown)). `pulya-server` calls it after
    /// its graceful drain; call it when serving an app another way. Later calls do nothing.
    pub async fn shutdown(&self) {
        #[cfg(feature = "di")]
        if let Some(container) = self.inner.data.get::<Arc<pulya_di::Container>>() {
            container.shutdown().await;
        }
    }

    /// The serving state that a server reports to the app and its middleware read (open
    /// connections, graceful shutdown begun): `pulya-server` writes it; a server of one's own
    /// should too.
    pub fn serve_status(&self) -> &pulya_core::ServeStatus {
        self.inner.data.serve_status()
    }

    /// Every route with its methods, for documentation and debugging.
    pub fn routes(&self) -> impl Iterator<Item = Route<'_>> {
        self.inner.routing.routes()
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
                Poll::Ready(finish(res, this.head, &this.inner.data))
            }
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                this.state = State::Done;
                Poll::Ready(panicked(&this.inner, this.wants_html, payload))
            }
        }
    }
}

/// A deferred body (a `Json` converted with no app at hand) is rendered with the app's
/// settings. A `HEAD` response keeps its headers, with the `Content-Length` the body would have
/// had, and drops the body.
fn finish(mut res: Response, head: bool, data: &AppData) -> Response {
    if let Err(err) = res.body_mut().render(data) {
        tracing::error!(%err, "a response body could not be written; answering 500");
        res = err.into_response();
    }
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
        .routing
        .pages
        .negotiated(StatusCode::INTERNAL_SERVER_ERROR, accept.as_ref())
}
