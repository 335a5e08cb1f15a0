//! A deadline for the handler: cut at the deadline with `503 Service Unavailable` (or `408`).

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

    /// The answer at the deadline.
    pub(crate) fn expired(&self) -> Response {
        expired(self.status, self.duration)
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
        let this = self.clone();
        let fut = next.run(req);
        // The timer is made at the first poll, inside the runtime, whoever calls the app.
        Box::pin(async move {
            tokio::time::timeout(this.duration, fut)
                .await
                .unwrap_or_else(|_| this.expired())
        })
    }
}
