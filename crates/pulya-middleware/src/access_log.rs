//! The access log: one `tracing` event per request, emitted when its response body ends.

use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, Uri};
use http_body::{Body as _, Frame, SizeHint};
use pulya_core::extract::MatchedPath;
use pulya_core::{Body, BoxError, BoxFuture, Middleware, Next, Request, Response, RouteObserver};

/// The target of the access log's events.
pub const TARGET: &str = "pulya::access";

/// Middleware that logs every request: one event at INFO, target `pulya::access`, with the
/// fields `method`, `route` (the matched route's pattern, `-` when none matched), `path`,
/// `status`, `latency_us`, `bytes` (the response body's length as sent), `request_id` (when
/// [`RequestId`](crate::request_id::RequestId) ran before), `peer` and `complete` (false when
/// the body ended early: an error, or a client that went away).
///
/// The event is emitted when the response body ends, so a streamed body is logged with its
/// real length and its latency includes the sending. When nobody listens to `pulya::access`
/// at INFO (no subscriber, or a filter that turns it off), the middleware hands the request on
/// and does nothing else: no clock, no copy, no formatting.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_app::App;
/// use pulya_middleware::access_log::AccessLog;
///
/// // Print the lines on stderr, as the examples do.
/// let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).try_init();
///
/// let client = App::new()
///     .middleware(AccessLog::new())
///     .get("/items/{id}", || async { "item" })
///     .test_client();
/// // Logs `method=GET route=/items/{id} path=/items/7 status=200 … bytes=4 …`.
/// assert_eq!(client.get("/items/7").send().await.status(), 200);
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct AccessLog {
    _private: (),
}

impl AccessLog {
    /// The middleware.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Whether anyone listens to the access log.
pub(crate) fn enabled() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::INFO)
}

/// What is known of a request when it arrives, kept until its response body ends.
pub(crate) struct Entry {
    start: Instant,
    method: Method,
    uri: Uri,
    route: Route,
    peer: Option<SocketAddr>,
    request_id: Option<HeaderValue>,
}

enum Route {
    /// The middleware runs after routing (on a group or a route).
    Known(MatchedPath),
    /// The middleware runs before routing: routing tells the observer.
    Observed(RouteObserver),
}

impl Entry {
    /// Starts the entry of `req`; `next` is the rest of its chain. `None` when nobody listens.
    pub(crate) fn begin(req: &Request, next: &mut Next) -> Option<Entry> {
        if !enabled() {
            return None;
        }
        let route = match next.context().matched_path() {
            Some(path) => Route::Known(path.clone()),
            None => Route::Observed(next.context_mut().observe_route()),
        };
        Some(Entry {
            start: Instant::now(),
            method: req.method().clone(),
            uri: req.uri().clone(),
            route,
            peer: next.context().peer_addr(),
            request_id: next.context().request_id().cloned(),
        })
    }

    /// Hands the entry to `res`'s body, which logs it when it ends.
    pub(crate) fn finish(self, res: Response) -> Response {
        let status = res.status();
        res.map(|inner| {
            Body::new(LoggedBody {
                inner,
                entry: Some(self),
                status,
                bytes: 0,
                ended: false,
            })
        })
    }

    fn log(self, status: StatusCode, bytes: u64, complete: bool) {
        let route = match &self.route {
            Route::Known(path) => Some(path),
            Route::Observed(observer) => observer.matched_path(),
        };
        let latency_us = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        tracing::info!(
            target: TARGET,
            method = self.method.as_str(),
            route = route.map_or("-", |r| r.as_str()),
            path = self.uri.path(),
            status = status.as_u16(),
            latency_us,
            bytes,
            request_id = self.request_id.as_ref().and_then(|id| id.to_str().ok()).unwrap_or("-"),
            peer = self.peer.map(tracing::field::display),
            complete,
        );
    }
}

impl Middleware for AccessLog {
    fn call(&self, req: Request, mut next: Next) -> BoxFuture<'static, Response> {
        let Some(entry) = Entry::begin(&req, &mut next) else {
            return next.run(req);
        };
        let fut = next.run(req);
        Box::pin(async move { entry.finish(fut.await) })
    }
}

/// A response body that counts its bytes and logs its entry when it ends or is dropped.
struct LoggedBody {
    inner: Body,
    entry: Option<Entry>,
    status: StatusCode,
    bytes: u64,
    ended: bool,
}

impl LoggedBody {
    fn log(&mut self) {
        if let Some(entry) = self.entry.take() {
            entry.log(self.status, self.bytes, self.ended);
        }
    }
}

impl http_body::Body for LoggedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let poll = Pin::new(&mut self.inner).poll_frame(cx);
        match &poll {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.bytes += data.len() as u64;
                }
                if self.inner.is_end_stream() {
                    self.ended = true;
                    self.log();
                }
            }
            Poll::Ready(None) => {
                self.ended = true;
                self.log();
            }
            Poll::Ready(Some(Err(_))) => self.log(),
            Poll::Pending => {}
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for LoggedBody {
    fn drop(&mut self) {
        // An empty body is never polled; one dropped mid-way ended early.
        if self.inner.is_end_stream() {
            self.ended = true;
        }
        self.log();
    }
}
