//! A deadline for the handler: cut at the deadline with `503 Service Unavailable` (or `408`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http::StatusCode;
use pulya_core::{BoxFuture, ErrorResponse, IntoResponse, Middleware, Next, Request, Response};

/// Middleware that answers `503` when the rest of the chain has not answered within its
/// duration. The handler's future, with the body it was reading, is dropped then, so what it
/// held (a connection from a pool, a lock, a file) is released at the deadline.
///
/// The deadline covers the handler and its reading of the request body, not the sending of a
/// streaming response body once the handler has returned it. At several levels (app, group,
/// route) every deadline applies, so the shortest wins.
///
/// The clock starts when the rest of the chain first waits: what it does before, synchronously,
/// could not be cut anyway, and a request answered at once never touches the timer.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
/// use pulya_app::App;
/// use pulya_middleware::timeout::Timeout;
///
/// let client = App::new()
///     .get("/slow", || async {
///         tokio::time::sleep(Duration::from_secs(5)).await;
///         "late"
///     })
///     .route_middleware(Timeout::new(Duration::from_millis(20)))
///     .test_client();
/// assert_eq!(client.get("/slow").send().await.status(), 503);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Timeout {
    duration: Duration,
    status: StatusCode,
}

impl Timeout {
    /// A deadline of `duration`, answered `503 Service Unavailable`.
    pub fn new(duration: Duration) -> Self {
        Self {
            duration,
            status: StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The status of the answer at the deadline. Default: `503 Service Unavailable`, which
    /// says the server was too slow; `408 Request Timeout` says the client was (slow to send
    /// its body, say). Any other status is refused here and leaves the setting as it was:
    /// only these two say what happened.
    #[must_use]
    pub fn status(mut self, status: StatusCode) -> Self {
        if status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::SERVICE_UNAVAILABLE {
            self.status = status;
        }
        self
    }

    /// The duration.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// For a chain that is waiting: its answer once `deadline` has passed, `Pending` until
    /// then (the timer made at the first call).
    pub(crate) fn poll_expired(
        &self,
        deadline: &mut Deadline,
        cx: &mut Context<'_>,
    ) -> Poll<Response> {
        ready!(deadline.poll(self.duration, cx));
        Poll::Ready(expired(self.status, self.duration))
    }
}

fn expired(status: StatusCode, duration: Duration) -> Response {
    tracing::warn!(
        timeout_ms = duration.as_millis() as u64,
        "the request took longer than its timeout; answering {status}"
    );
    ErrorResponse::new(status, format!("the request took longer than {duration:?}")).into_response()
}

impl Middleware for Timeout {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        Box::pin(WithDeadline {
            fut: next.run(req),
            deadline: Deadline::default(),
            timeout: self.clone(),
        })
    }
}

/// The deadline of one request: a timer made at the first wait of what it guards.
#[derive(Default)]
pub(crate) struct Deadline(Option<Pin<Box<tokio::time::Sleep>>>);

impl Deadline {
    /// Whether `duration` has passed since the first call; until then, wakes `cx` when it has.
    fn poll(&mut self, duration: Duration, cx: &mut Context<'_>) -> Poll<()> {
        self.0
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(duration)))
            .as_mut()
            .poll(cx)
    }
}

/// The rest of the chain, cut at its deadline.
struct WithDeadline {
    fut: BoxFuture<'static, Response>,
    deadline: Deadline,
    timeout: Timeout,
}

impl Future for WithDeadline {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.get_mut();
        if let Poll::Ready(res) = this.fut.as_mut().poll(cx) {
            return Poll::Ready(res);
        }
        this.timeout.poll_expired(&mut this.deadline, cx)
    }
}
