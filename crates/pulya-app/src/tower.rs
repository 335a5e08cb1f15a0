//! tower both ways (feature `tower`): an [`AppService`] is a `tower::Service`, a `tower::Layer`
//! is middleware ([`from_layer`], `App::layer`), and a `tower::Service` is an endpoint
//! ([`from_service`], `App::route_service`).
//!
//! A layer wraps "the rest of the chain": at build it is applied once to [`NextService`], and
//! per request the chain's [`Next`] rides in the request's extensions to the inner end. The
//! request's `RequestContext` rides with it, so extractors after a layer still see the route,
//! its parameters and the peer.

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::StatusCode;
use pulya_core::extract::ConnectInfo;
use pulya_core::{
    Body, BoxError, BoxFuture, Endpoint, ErrorResponse, IntoResponse, Middleware, Next, Request,
    RequestContext, Response,
};
use tower_layer::Layer;
use tower_service::Service;

use crate::service::{AppService, ResponseFuture};

/// An app serves `http::Request<B>` for any body `B` with `Bytes` data, so that
/// `tower::ServiceExt::oneshot`, hyper-util's `TowerToHyperService` and tower's own layers
/// work on it. It is always ready and never fails: every error is a response.
///
/// A `ConnectInfo<SocketAddr>` in the request's extensions becomes the request's peer address.
impl<B> Service<http::Request<B>> for AppService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ServiceFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> ServiceFuture {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0);
        let req = req.map(Body::new);
        ServiceFuture(match peer {
            Some(peer) => self.call_from(req, peer),
            None => AppService::call(self, req),
        })
    }
}

/// The future of an [`AppService`] called as a `tower::Service`.
#[derive(Debug)]
pub struct ServiceFuture(ResponseFuture);

impl Future for ServiceFuture {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(Ok)
    }
}

/// The service that a layer of [`from_layer`] wraps: the rest of the chain, which it finds in
/// the request's extensions.
///
/// A layer that builds a new request without the old one's extensions loses the chain; that
/// request is answered with 500 in Pulya's error shape, and the message says why.
#[derive(Debug, Clone, Copy, Default)]
pub struct NextService;

impl<B> Service<http::Request<B>> for NextService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        match req.extensions_mut().remove::<Next>() {
            Some(next) => {
                let fut = next.run(req.map(Body::new));
                Box::pin(async move { Ok(fut.await) })
            }
            None => {
                let res = ErrorResponse::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "a tower layer dropped the request's extensions, and with them the rest of \
                     the middleware chain",
                )
                .into_response();
                Box::pin(std::future::ready(Ok(res)))
            }
        }
    }
}

/// A `tower::Layer` as Pulya middleware: `layer` is applied once, to [`NextService`]; each
/// request is then served by a clone of the layered service. `App::layer`, `Group::layer` and
/// `route_layer` call it.
///
/// The layered service's response body becomes a [`Body`] (boxed unless it is one); an error
/// of the service is a 500 in Pulya's error shape, logged.
///
/// ```
/// use pulya_app::{App, middleware::from_layer};
/// use tower_layer::layer_fn;
///
/// // Any `tower::Layer` works the same way, such as tower-http's `CorsLayer`.
/// let app = App::new()
///     .get("/", || async { "hi" })
///     .middleware(from_layer(layer_fn(|inner| inner)));
/// ```
pub fn from_layer<L>(layer: L) -> LayerMiddleware<L::Service>
where
    L: Layer<NextService>,
{
    LayerMiddleware {
        service: layer.layer(NextService),
    }
}

/// Middleware made by [`from_layer`]: a layered service around the rest of the chain.
#[derive(Debug, Clone)]
pub struct LayerMiddleware<S> {
    service: S,
}

impl<S, ResBody> Middleware for LayerMiddleware<S>
where
    S: Service<Request, Response = http::Response<ResBody>> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    fn call(&self, mut req: Request, next: Next) -> BoxFuture<'static, Response> {
        req.extensions_mut().insert(next);
        call_service(self.service.clone(), req)
    }
}

/// A `tower::Service` as the endpoint of a route: a clone of it answers each request.
/// `App::route_service` and `App::fallback_service` call it. The request carries its peer's
/// address, when it has one, as a `ConnectInfo<SocketAddr>` extension.
///
/// ```
/// use http::Method;
/// use pulya_app::{App, Body, Request, Response, middleware::from_service};
///
/// let echo_path = tower::service_fn(|req: Request| async move {
///     Ok::<_, std::convert::Infallible>(Response::new(Body::from(req.uri().path().to_owned())))
/// });
/// let app = App::new().route_endpoint(Method::GET, "/files/{*path}", from_service(echo_path));
/// ```
pub fn from_service<S>(service: S) -> ServiceEndpoint<S> {
    ServiceEndpoint { service }
}

/// An endpoint made by [`from_service`].
#[derive(Debug, Clone)]
pub struct ServiceEndpoint<S> {
    service: S,
}

impl<S, ResBody> Endpoint for ServiceEndpoint<S>
where
    S: Service<Request, Response = http::Response<ResBody>> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    fn call(&self, mut req: Request, cx: RequestContext) -> BoxFuture<'static, Response> {
        if let Some(peer) = cx.peer_addr() {
            req.extensions_mut().insert(ConnectInfo(peer));
        }
        call_service(self.service.clone(), req)
    }
}

/// Waits for `service` to be ready, calls it, and turns its answer into a Pulya response.
fn call_service<S, ResBody>(mut service: S, req: Request) -> BoxFuture<'static, Response>
where
    S: Service<Request, Response = http::Response<ResBody>> + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    Box::pin(async move {
        // Errors become `BoxError` at once: the service's own error type need not be `Send`.
        let ready: Result<(), BoxError> =
            poll_fn(|cx| service.poll_ready(cx).map_err(Into::into)).await;
        let answer = match ready {
            Ok(()) => service.call(req).await.map_err(Into::into),
            Err(err) => Err(err),
        };
        match answer {
            Ok(res) => res.map(Body::new),
            Err(err) => {
                tracing::error!(%err, "a tower service failed; answering 500");
                ErrorResponse::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
                    .into_response()
            }
        }
    })
}
