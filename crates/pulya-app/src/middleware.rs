//! The middleware chain.
//!
//! Middleware wraps the whole app: it sees every request before routing and every response
//! after, 404 and 405 included. The chain is composed once when the app is built; running it
//! costs one call per middleware.

use std::future::Future;
use std::sync::Arc;

use pulya_responses::{IntoResponse, Response};

use crate::Request;
use crate::app::Inner;
use crate::handler::BoxFuture;

/// A step of the middleware chain: it may change the request, answer it itself, or pass it on
/// with [`Next::run`] and change the response.
pub trait Middleware: Send + Sync + 'static {
    /// Handles `req`, calling `next` to run the rest of the chain.
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response>;
}

/// The rest of the chain after the current middleware: further middleware, then routing and the
/// handler.
pub struct Next {
    pub(crate) inner: Arc<Inner>,
    pub(crate) index: usize,
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next").field("index", &self.index).finish()
    }
}

impl Next {
    /// Runs the rest of the chain on `req`.
    pub fn run(self, req: Request) -> BoxFuture<'static, Response> {
        match self.inner.middleware.get(self.index) {
            Some(middleware) => {
                let middleware = Arc::clone(middleware);
                middleware.call(
                    req,
                    Next {
                        inner: self.inner,
                        index: self.index + 1,
                    },
                )
            }
            None => self.inner.route(req).boxed(),
        }
    }
}

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
