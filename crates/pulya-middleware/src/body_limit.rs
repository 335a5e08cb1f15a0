//! A body limit for an app, a group or a route, over the app's default.

use http::header;
use pulya_core::extract::BodyRejection;
use pulya_core::{BoxFuture, IntoResponse, Middleware, Next, Request, Response};

/// Middleware that sets the body limit of the requests it sees, in bytes, over the app's
/// (`App::body_limit`), higher or lower.
///
/// A request whose `Content-Length` is over the limit is answered `413 Payload Too Large` at
/// once, before the handler runs and before its body is read. Any other body is cut while the
/// body extractors (`Bytes`, `String`, `Json`, `Form`) read it, also with 413. A handler that
/// takes the raw `Body` stream reads it unbounded: bounding it is then its own task.
///
/// It costs no allocation: the limit is a field of the request's context.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_app::App;
/// use pulya_middleware::body_limit::BodyLimit;
///
/// let client = App::new()
///     .body_limit(1024 * 1024)
///     .post("/avatar", |body: bytes::Bytes| async move { body.len().to_string() })
///     .route_middleware(BodyLimit::new(4))
///     .test_client();
/// assert_eq!(client.post("/avatar").body("tiny").send().await.text(), "4");
/// assert_eq!(client.post("/avatar").body("too big").send().await.status(), 413);
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit {
    bytes: usize,
}

impl BodyLimit {
    /// A limit of `bytes`.
    pub fn new(bytes: usize) -> Self {
        Self { bytes }
    }

    /// The limit in bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Middleware for BodyLimit {
    fn call(&self, req: Request, mut next: Next) -> BoxFuture<'static, Response> {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|len| len.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.bytes as u64) {
            // The body extractors' own rejection, so that both ways of being too large read alike.
            let res = BodyRejection::TooLarge { limit: self.bytes }.into_response();
            return Box::pin(std::future::ready(res));
        }
        next.context_mut().set_body_limit(self.bytes);
        next.run(req)
    }
}
