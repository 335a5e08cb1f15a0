//! The error body every Pulya error response uses.

use bytes::{BufMut, BytesMut};
use http::{HeaderValue, StatusCode, header};

use crate::body::Body;
use crate::into_response::{IntoResponse, Response};

/// An error response: a status and a short message, sent as
/// `{"error":"<message>","status":<code>}` with `Content-Type: application/json`.
///
/// Extractor rejections, 404 and 405 from the router and a panicking handler's 500 all use it,
/// so clients see one error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    status: StatusCode,
    message: String,
}

impl ErrorResponse {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for ErrorResponse {}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let mut buf = BytesMut::with_capacity(self.message.len() + 32).writer();
        // Writing a `&str` and an integer as JSON into memory cannot fail.
        let _ = serde_json::to_writer(
            &mut buf,
            &ErrorBody {
                error: &self.message,
                status: self.status.as_u16(),
            },
        );
        let mut res = Response::new(Body::full(buf.into_inner().freeze()));
        *res.status_mut() = self.status;
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    }
}

#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    status: u16,
}
