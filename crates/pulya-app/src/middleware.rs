//! Middleware at three levels, and the adapters that make it.
//!
//! - [`App::middleware`](crate::App::middleware) wraps the whole app: it sees every request
//!   before routing and every response after, 404 and 405 included.
//! - [`Group::middleware`](crate::Group::middleware) wraps the routes of one group, and
//!   [`route_middleware`](crate::App::route_middleware) one route: they run after routing and
//!   see the matched route in [`Next::context`].
//!
//! Each chain is composed once, when the app is built, sorted by priority (lower first, equal
//! ones in the order added). The traits are `pulya-core`'s: [`Middleware`], [`Next`].

use std::future::Future;

use pulya_core::{BoxFuture, IntoResponse, Request, Response};

pub use pulya_core::middleware::{Endpoint, Middleware, Next};

#[cfg(feature = "tower")]
pub use crate::tower::{
    LayerMiddleware, NextService, ServiceEndpoint, ServiceFuture, from_layer, from_service,
};

/// Middleware from an async function or closure taking the request and the rest of the chain.
///
/// ```
/// use pulya_app::{App, Next, Request, middleware::from_fn};
///
/// let app = App::new()
///     .get("/", || async { "hi" })
///     .middleware(from_fn(|req: Request, next: Next| async move {
///         let mut res = next.run(req).await;
///         res.headers_mut().insert("x-powered-by", "pulya".parse().unwrap());
///         res
///     }));
/// ```
pub fn from_fn<F, Fut, R>(f: F) -> FromFn<F>
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    FromFn(f)
}

/// Middleware made by [`from_fn`].
#[derive(Debug, Clone, Copy)]
pub struct FromFn<F>(F);

impl<F, Fut, R> Middleware for FromFn<F>
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        let fut = (self.0)(req, next);
        Box::pin(async move { fut.await.into_response() })
    }
}
