//! The rejection of the built-in extractors.

use crate::{ErrorResponse, IntoResponse, Response};
use http::StatusCode;

/// Why a built-in extractor refused the request: a status and a message for the client.
///
/// It is sent as Pulya's JSON error body, `{"error":"<message>","status":<code>}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(ErrorResponse);

impl Rejection {
    /// A rejection with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self(ErrorResponse::new(status, message))
    }

    /// The status code it answers with.
    pub fn status(&self) -> StatusCode {
        self.0.status()
    }

    /// The message it answers with.
    pub fn message(&self) -> &str {
        self.0.message()
    }

    /// A `400 Bad Request` with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A `500 Internal Server Error` with `message`: the app is misconfigured.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Rejection {}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}
