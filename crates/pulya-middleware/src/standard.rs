//! The preset of what a production app wants on every request, as one step.

use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue};
use pulya_core::{BoxFuture, Middleware, Next, Request, Response};
use tracing::Instrument as _;

use crate::access_log::Entry;
use crate::catch_panic::CatchPanic;
use crate::request_id::{self, RequestId};
use crate::security_headers::{self, SecurityHeaders};
use crate::timeout::Timeout;

/// The standard middleware, outermost first: [`RequestId`], [`AccessLog`](crate::access_log::AccessLog),
/// [`CatchPanic`], [`Timeout`] (30 s) and [`SecurityHeaders`], each with its defaults.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_app::App;
///
/// let client = App::new()
///     .middleware(pulya_middleware::standard())
///     .get("/", || async { "hi" })
///     .test_client();
/// let res = client.get("/").send().await;
/// assert!(res.header("x-request-id").is_some());
/// assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
/// # }
/// ```
pub fn standard() -> Standard {
    Standard::default()
}

/// The standard middleware as one step: one future per request for all five, where five
/// separate steps would make five. Each part is configured with its own type.
///
/// Its parts behave exactly as the separate middleware do, in this order: the request id is
/// set first (so the access log, the panic log and the tracing span carry it), the access log
/// sees the final response (the 500 of a panic, the 503 of the timeout), and the security
/// headers are added to every answer.
#[derive(Debug, Clone)]
pub struct Standard {
    request_id: RequestId,
    access_log: bool,
    catch_panic: CatchPanic,
    timeout: Option<Timeout>,
    security_headers: Arc<[(HeaderName, HeaderValue)]>,
}

impl Default for Standard {
    fn default() -> Self {
        Self {
            request_id: RequestId::new(),
            access_log: true,
            catch_panic: CatchPanic::new(),
            timeout: Some(Timeout::new(Duration::from_secs(30))),
            security_headers: SecurityHeaders::new().encoded(),
        }
    }
}

impl Standard {
    /// The request id's settings. Default: [`RequestId::new`].
    pub fn request_id(mut self, request_id: RequestId) -> Self {
        self.request_id = request_id;
        self
    }

    /// Whether to log requests (target `pulya::access`). Default: on.
    pub fn access_log(mut self, on: bool) -> Self {
        self.access_log = on;
        self
    }

    /// The deadline, or `None` for none. Default: 30 seconds, answered 503.
    pub fn timeout(mut self, timeout: Option<Timeout>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The security headers. Default: [`SecurityHeaders::new`].
    pub fn security_headers(mut self, headers: SecurityHeaders) -> Self {
        self.security_headers = headers.encoded();
        self
    }
}

impl Middleware for Standard {
    fn call(&self, mut req: Request, mut next: Next) -> BoxFuture<'static, Response> {
        let id = self.request_id.assign(&mut req);
        let entry = if self.access_log {
            Entry::begin(&req, &mut next)
        } else {
            None
        };
        let span = request_id::span(&id);
        let guarded = self.catch_panic.guard(next.run(req), Some(id.clone()));
        let timeout = self.timeout.clone();
        let header = self.request_id.header_name().clone();
        let security_headers = Arc::clone(&self.security_headers);
        Box::pin(
            async move {
                let mut res = match timeout {
                    Some(timeout) => tokio::time::timeout(timeout.duration(), guarded)
                        .await
                        .unwrap_or_else(|_| timeout.expired()),
                    None => guarded.await,
                };
                security_headers::apply(&security_headers, &mut res);
                res.headers_mut().insert(header, id);
                match entry {
                    Some(entry) => entry.finish(res),
                    None => res,
                }
            }
            .instrument(span),
        )
    }
}
