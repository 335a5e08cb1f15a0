//! Per-request state that must see the response through: [`RequestScope`].

use std::any::Any;

use crate::Response;

/// State of one request that lives until its response has been sent, such as a dependency
/// injection container's request scope (pulya-di's): created on first use during the request,
/// kept in the [`RequestContext`](crate::RequestContext), and handed the response when the
/// handler has made it ([`RequestContext::finish`](crate::RequestContext::finish)), so that it
/// can hold on until the body has gone out or been dropped.
///
/// ```
/// use std::any::Any;
/// use std::sync::Arc;
/// use pulya_core::{AppData, Body, RequestContext, RequestScope, Response};
///
/// /// Marks every response it sees.
/// struct Marker;
///
/// impl RequestScope for Marker {
///     fn attach(self: Arc<Self>, mut res: Response) -> Response {
///         res.headers_mut().insert("x-scoped", http::HeaderValue::from_static("1"));
///         res
///     }
///     fn as_any(&self) -> &dyn Any {
///         self
///     }
/// }
///
/// let cx = RequestContext::new(Arc::new(AppData::new(0)));
/// cx.request_scope_or_init(|| Arc::new(Marker));
/// let res = cx.finish(Response::new(Body::empty()));
/// assert_eq!(res.headers()["x-scoped"], "1");
/// ```
pub trait RequestScope: Send + Sync + 'static {
    /// Takes charge of the handler's response: typically wraps its body so that the scope ends
    /// when the body has been sent or dropped.
    fn attach(self: std::sync::Arc<Self>, res: Response) -> Response;

    /// `self`, to downcast to the scope's own type.
    fn as_any(&self) -> &dyn Any;
}
