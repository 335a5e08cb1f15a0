//! Middleware and the chain it runs in: [`Middleware`], [`Next`], and the [`Endpoint`] a chain
//! ends in.
//!
//! A chain is composed once, when the app is built: its middleware in order, then an endpoint.
//! [`Next`] is the rest of one chain; it knows nothing of the app, so the same middleware runs
//! around the whole app (ending in its routing) or around one group or route (ending in the
//! handler).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{Request, RequestContext, Response};

/// A boxed future that is `Send`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a chain ends in: routing for the app's chain, the handler for a route's; also any
/// service of the user's that answers requests (mounted with `App::route_endpoint`).
///
/// ```
/// use pulya_core::{Body, BoxFuture, Endpoint, Request, RequestContext, Response};
///
/// /// Answers with the route that matched.
/// struct WhichRoute;
///
/// impl Endpoint for WhichRoute {
///     fn call(&self, _: Request, cx: RequestContext) -> BoxFuture<'static, Response> {
///         let route = cx.matched_path().map_or("none", |p| p.as_str()).to_owned();
///         Box::pin(async move { Response::new(Body::from(route)) })
///     }
/// }
/// ```
pub trait Endpoint: Send + Sync + 'static {
    /// Answers `req`.
    fn call(&self, req: Request, cx: RequestContext) -> BoxFuture<'static, Response>;
}

/// A step of a middleware chain: it may change the request, answer it itself, or pass it on
/// with [`Next::run`] and change the response.
///
/// ```
/// use pulya_core::{BoxFuture, Middleware, Next, Request, Response};
///
/// /// Adds `x-powered-by: pulya` to every response.
/// #[derive(Clone)]
/// struct PoweredBy;
///
/// impl Middleware for PoweredBy {
///     fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
///         Box::pin(async move {
///             let mut res = next.run(req).await;
///             res.headers_mut().insert("x-powered-by", http::HeaderValue::from_static("pulya"));
///             res
///         })
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Pulya middleware",
    note = "implement `Middleware` (see `pulya_core::middleware`), or wrap an async closure \
            taking `(Request, Next)` in `from_fn`; a tower `Layer` goes to `.layer(...)`"
)]
pub trait Middleware: Send + Sync + 'static {
    /// Handles `req`, calling `next` to run the rest of the chain.
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response>;
}

impl<M: Middleware + ?Sized> Middleware for Arc<M> {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        (**self).call(req, next)
    }
}

/// A composed chain: middleware, outermost first, and the endpoint they wrap. An app builds one
/// per route with middleware, and one for its own; it is public for frameworks of one's own.
///
/// ```
/// use std::sync::Arc;
/// use pulya_core::middleware::Chain;
/// use pulya_core::{AppData, Body, BoxFuture, Endpoint, Request, RequestContext, Response};
///
/// struct Hello;
/// impl Endpoint for Hello {
///     fn call(&self, _: Request, _: RequestContext) -> BoxFuture<'static, Response> {
///         Box::pin(async { Response::new(Body::from("hello")) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let chain = Arc::new(Chain::new(Vec::new(), Box::new(Hello)));
/// let cx = RequestContext::new(Arc::new(AppData::new(1024)));
/// let res = chain.run(Request::new(Body::empty()), cx).await;
/// assert_eq!(res.body().as_bytes(), Some(&b"hello"[..]));
/// # }
/// ```
pub struct Chain {
    middleware: Box<[Arc<dyn Middleware>]>,
    endpoint: Box<dyn Endpoint>,
}

impl Chain {
    /// The chain of `middleware` (outermost first) around `endpoint`.
    pub fn new(
        middleware: impl IntoIterator<Item = Arc<dyn Middleware>>,
        endpoint: Box<dyn Endpoint>,
    ) -> Self {
        Self {
            middleware: middleware.into_iter().collect(),
            endpoint,
        }
    }

    /// How many middleware the chain has.
    pub fn len(&self) -> usize {
        self.middleware.len()
    }

    /// Whether the chain is its endpoint alone.
    pub fn is_empty(&self) -> bool {
        self.middleware.is_empty()
    }

    /// Runs the whole chain on `req`. With no middleware this is the endpoint's call alone.
    pub fn run(self: &Arc<Self>, req: Request, cx: RequestContext) -> BoxFuture<'static, Response> {
        if self.middleware.is_empty() {
            return self.endpoint.call(req, cx);
        }
        Next {
            chain: Arc::clone(self),
            index: 0,
            cx,
        }
        .run(req)
    }
}

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chain")
            .field("middleware", &self.middleware.len())
            .finish_non_exhaustive()
    }
}

/// The rest of the chain after the current middleware: further middleware, then the endpoint.
/// It carries the request's [`RequestContext`], which the middleware may read or change.
///
/// A clone runs the same rest of the chain (a retry, say); each run is a full pass through it.
#[derive(Clone)]
pub struct Next {
    chain: Arc<Chain>,
    index: usize,
    cx: RequestContext,
}

impl fmt::Debug for Next {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next")
            .field("remaining", &(self.chain.middleware.len() - self.index))
            .field("cx", &self.cx)
            .finish()
    }
}

impl Next {
    /// What the app knows of the request so far: the matched route (for middleware of a group
    /// or a route), the peer's address, the app's data.
    pub fn context(&self) -> &RequestContext {
        &self.cx
    }

    /// The context, to change for the steps after this one.
    pub fn context_mut(&mut self) -> &mut RequestContext {
        &mut self.cx
    }

    /// Runs the rest of the chain on `req`.
    pub fn run(mut self, req: Request) -> BoxFuture<'static, Response> {
        match self.chain.middleware.get(self.index) {
            Some(middleware) => {
                let middleware = Arc::clone(middleware);
                // `self` goes on as the rest after this step, moved whole rather than rebuilt.
                self.index += 1;
                middleware.call(req, self)
            }
            None => {
                let Next { chain, cx, .. } = self;
                chain.endpoint.call(req, cx)
            }
        }
    }
}
