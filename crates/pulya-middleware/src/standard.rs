//! The preset of what a production app wants on every request, as one step.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http::header::{HeaderName, HeaderValue};
use pulya_core::{BoxFuture, Middleware, Next, Request, Response};

use crate::access_log::Entry;
use crate::catch_panic::CatchPanic;
use crate::request_id::{self, RequestId};
use crate::security_headers::{self, SecurityHeaders};
use crate::timeout::{Deadline, Timeout};

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
    config: Arc<Config>,
}

/// What every request's future shares.
#[derive(Debug, Clone)]
struct Config {
    request_id: RequestId,
    access_log: bool,
    catch_panic: CatchPanic,
    timeout: Option<Timeout>,
    security_headers: Arc<[(HeaderName, HeaderValue)]>,
}

impl Default for Standard {
    fn default() -> Self {
        Self {
            config: Arc::new(Config {
                request_id: RequestId::new(),
                access_log: true,
                catch_panic: CatchPanic::new(),
                timeout: Some(Timeout::new(Duration::from_secs(30))),
                security_headers: SecurityHeaders::new().encoded(),
            }),
        }
    }
}

impl Standard {
    /// The request id's settings. Default: [`RequestId::new`].
    pub fn request_id(mut self, request_id: RequestId) -> Self {
        Arc::make_mut(&mut self.config).request_id = request_id;
        self
    }

    /// Whether to log requests (target `pulya::access`). Default: on.
    pub fn access_log(mut self, on: bool) -> Self {
        Arc::make_mut(&mut self.config).access_log = on;
        self
    }

    /// The deadline, or `None` for none. Default: 30 seconds, answered 503.
    pub fn timeout(mut self, timeout: Option<Timeout>) -> Self {
        Arc::make_mut(&mut self.config).timeout = timeout;
        self
    }

    /// The security headers. Default: [`SecurityHeaders::new`].
    pub fn security_headers(mut self, headers: SecurityHeaders) -> Self {
        Arc::make_mut(&mut self.config).security_headers = headers.encoded();
        self
    }
}

impl Middleware for Standard {
    fn call(&self, mut req: Request, mut next: Next) -> BoxFuture<'static, Response> {
        let config = &self.config;
        let id = config.request_id.assign(&mut req, &mut next);
        let entry = if config.access_log {
            Entry::begin(&req, &mut next).map(Box::new)
        } else {
            None
        };
        let span = request_id::span(&id);
        let entered = span.enter();
        let fut = config.catch_panic.start(req, next, Some(&id));
        drop(entered);
        Box::pin(StandardFuture {
            fut,
            deadline: Deadline::default(),
            id,
            entry,
            span,
            config: Arc::clone(config),
        })
    }
}

/// One request under the standard middleware: one future for what five would do.
struct StandardFuture {
    fut: BoxFuture<'static, Response>,
    deadline: Deadline,
    id: HeaderValue,
    entry: Option<Box<Entry>>,
    span: tracing::Span,
    config: Arc<Config>,
}

impl Future for StandardFuture {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.get_mut();
        let config = &*this.config;
        let _entered = this.span.enter();
        let mut res = match config.catch_panic.poll(&mut this.fut, Some(&this.id), cx) {
            Poll::Ready(res) => res,
            Poll::Pending => {
                let Some(timeout) = &config.timeout else {
                    return Poll::Pending;
                };
                ready!(timeout.poll_expired(&mut this.deadline, cx))
            }
        };
        security_headers::apply(&config.security_headers, &mut res);
        res.headers_mut()
            .insert(config.request_id.header_name().clone(), this.id.clone());
        Poll::Ready(match this.entry.take() {
            Some(entry) => entry.finish(res),
            None => res,
        })
    }
}
