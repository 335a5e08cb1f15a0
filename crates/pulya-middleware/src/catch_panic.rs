//! Recovery: a panic in the rest of the chain becomes a 500, a panic in a streaming body ends
//! that body with an error; both are logged with the request id and the panic's message.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body::{Frame, SizeHint};
use pulya_core::{Body, BoxError, BoxFuture, ErrorResponse, Middleware, Next, Request, Response};

/// Middleware that catches panics, so that one faulty handler costs one response, not a
/// connection:
///
/// - a panic while the handler runs is answered with a `500` in Pulya's error shape, encoded
///   once when the middleware is made;
/// - a panic while a streaming response body is produced ends that body with an error: HTTP/2
///   resets that stream alone, HTTP/1.1 closes the connection, so that a truncated body is
///   never taken for a whole one;
/// - each is logged at ERROR (target `pulya::panic`) with the request id, when
///   [`RequestId`](crate::request_id::RequestId) ran before, and the panic's message.
///
/// The app catches a handler's panic without it too; this middleware adds the request id to
/// the log line and covers streaming bodies.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_app::App;
/// use pulya_middleware::catch_panic::CatchPanic;
///
/// let client = App::new()
///     .middleware(CatchPanic::new())
///     .get("/boom", || async {
///         panic!("boom");
///         #[allow(unreachable_code)]
///         ""
///     })
///     .get("/", || async { "still serving" })
///     .test_client();
/// let res = client.get("/boom").send().await;
/// assert_eq!(res.status(), 500);
/// assert_eq!(res.text(), r#"{"error":"internal server error","status":500}"#);
/// assert_eq!(client.get("/").send().await.text(), "still serving");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CatchPanic {
    body: Bytes,
}

impl Default for CatchPanic {
    fn default() -> Self {
        Self::new()
    }
}

impl CatchPanic {
    /// The middleware.
    pub fn new() -> Self {
        let error = ErrorResponse::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error");
        Self {
            body: Bytes::from(error.to_json()),
        }
    }

    /// The 500 for a caught panic.
    fn answer(&self) -> Response {
        let mut res = Response::new(Body::full(self.body.clone()));
        *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    }

    /// Starts the rest of the chain on `req`; a panic in its synchronous part, before its
    /// future exists, is answered too.
    pub(crate) fn start(
        &self,
        req: Request,
        next: Next,
        id: Option<&HeaderValue>,
    ) -> BoxFuture<'static, Response> {
        match catch_unwind(AssertUnwindSafe(|| next.run(req))) {
            Ok(fut) => fut,
            Err(payload) => {
                log(&*payload, id, "a handler panicked; answering 500");
                Box::pin(std::future::ready(self.answer()))
            }
        }
    }

    /// Polls `fut`, the rest of the chain of a request of id `id`: a panic is answered 500,
    /// a streaming body is guarded.
    pub(crate) fn poll(
        &self,
        fut: &mut BoxFuture<'static, Response>,
        id: Option<&HeaderValue>,
        cx: &mut Context<'_>,
    ) -> Poll<Response> {
        match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(res)) => Poll::Ready(guard_body(res, id.cloned())),
            Err(payload) => {
                log(&*payload, id, "a handler panicked; answering 500");
                Poll::Ready(self.answer())
            }
        }
    }
}

fn log(payload: &(dyn Any + Send), id: Option<&HeaderValue>, what: &str) {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-string payload");
    let id = id.and_then(|id| id.to_str().ok()).unwrap_or("-");
    tracing::error!(target: "pulya::panic", request_id = id, panic = message, "{what}");
}

impl Middleware for CatchPanic {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        let id = next.context().request_id().cloned();
        let fut = self.start(req, next, id.as_ref());
        Box::pin(Caught {
            fut,
            id,
            catch_panic: self.clone(),
        })
    }
}

/// The rest of the chain, its panics caught.
struct Caught {
    fut: BoxFuture<'static, Response>,
    id: Option<HeaderValue>,
    catch_panic: CatchPanic,
}

impl Future for Caught {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.get_mut();
        this.catch_panic.poll(&mut this.fut, this.id.as_ref(), cx)
    }
}

/// A streaming body gets a guard; a buffered one cannot panic and is left as it is.
fn guard_body(res: Response, id: Option<HeaderValue>) -> Response {
    if res.body().as_bytes().is_some() {
        return res;
    }
    res.map(|inner| {
        Body::new(GuardedBody {
            inner,
            id,
            done: false,
        })
    })
}

/// A body whose panics end it with an error.
struct GuardedBody {
    inner: Body,
    id: Option<HeaderValue>,
    done: bool,
}

impl http_body::Body for GuardedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let inner = &mut self.inner;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll_frame(cx))) {
            Ok(poll) => poll,
            Err(payload) => {
                self.done = true;
                log(
                    &*payload,
                    self.id.as_ref(),
                    "a response body panicked; ending it",
                );
                Poll::Ready(Some(Err("the response body panicked".into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
