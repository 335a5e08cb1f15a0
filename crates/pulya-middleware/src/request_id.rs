//! Request ids: every request gets an `x-request-id`, kept from the client when it sent one,
//! else generated; the response carries the same header.

use std::sync::atomic::{AtomicU64, Ordering};

use http::{HeaderName, HeaderValue};
use pulya_core::{BoxFuture, Middleware, Next, Request, Response};

/// The header name used: `x-request-id`.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Middleware that sets `x-request-id` on the request (when missing) and on the response.
///
/// Generated ids are a per-process prefix (from the start time and process id) and a counter:
/// unique within a process and unlikely to collide across processes, with no random source.
#[derive(Debug)]
pub struct RequestId {
    prefix: String,
    next: AtomicU64,
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestId {
    /// The middleware with a fresh process prefix.
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Self {
            prefix: format!("{:x}{:05x}", std::process::id(), nanos & 0xfffff),
            next: AtomicU64::new(1),
        }
    }
}

impl Middleware for RequestId {
    fn call(&self, mut req: Request, next: Next) -> BoxFuture<'static, Response> {
        let id = match req.headers().get(&X_REQUEST_ID) {
            Some(id) => id.clone(),
            None => {
                let n = self.next.fetch_add(1, Ordering::Relaxed);
                let id = HeaderValue::try_from(format!("{}-{n}", self.prefix))
                    .expect("hex digits and a dash form a valid header value");
                req.headers_mut().insert(X_REQUEST_ID, id.clone());
                id
            }
        };
        let fut = next.run(req);
        Box::pin(async move {
            let mut res = fut.await;
            res.headers_mut().insert(X_REQUEST_ID, id);
            res
        })
    }
}
