//! The rejections of the extractors in this crate, and [`Rejection`], a plain status and
//! message for extractors of the user's.

use crate::{ErrorResponse, IntoResponse, Response};
use http::StatusCode;

/// A rejection of a status and a message for the client, for extractors that need no typed
/// reasons.
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

/// Why a body could not be read whole (`Bytes`, and the body of every format extractor).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyRejection {
    /// The body is larger than the limit (`413 Payload Too Large`): known at once from
    /// `Content-Length`, else when the bytes received pass it.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body failed mid-way, such as a client that went away (`400 Bad Request`).
    Read(String),
}

impl BodyRejection {
    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            BodyRejection::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyRejection::Read(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl std::fmt::Display for BodyRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyRejection::TooLarge { limit } => {
                write!(
                    f,
                    "the request body is larger than the limit of {limit} bytes"
                )
            }
            BodyRejection::Read(err) => write!(f, "failed to read the request body: {err}"),
        }
    }
}

/// Why a body could not be read as text (`String`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StringRejection {
    /// The body could not be read whole.
    Body(BodyRejection),
    /// The body is not UTF-8 (`400 Bad Request`).
    InvalidUtf8,
}

impl StringRejection {
    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            StringRejection::Body(body) => body.status(),
            StringRejection::InvalidUtf8 => StatusCode::BAD_REQUEST,
        }
    }
}

impl std::fmt::Display for StringRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StringRejection::Body(body) => body.fmt(f),
            StringRejection::InvalidUtf8 => f.write_str("the request body is not valid UTF-8"),
        }
    }
}

impl From<BodyRejection> for StringRejection {
    fn from(body: BodyRejection) -> Self {
        StringRejection::Body(body)
    }
}

/// `MatchedPath` where no route matched (in a fallback): `500`, since the app asked for what
/// it cannot have. Ask for `Option<MatchedPath>` there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchedPathRejection;

impl MatchedPathRejection {
    /// The status it answers with: 500.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl std::fmt::Display for MatchedPathRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no route matched this request, so it has no `MatchedPath`")
    }
}

/// `ConnectInfo` for a request that came over no socket and carries no `ConnectInfo`
/// extension: `500`. Ask for `Option<ConnectInfo<_>>` where that can happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectInfoRejection;

impl ConnectInfoRejection {
    /// The status it answers with: 500.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl std::fmt::Display for ConnectInfoRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request came over no socket, so it has no `ConnectInfo`")
    }
}

/// Implements `IntoResponse` (Pulya's error shape, with the type's `status()` and its
/// `Display` as the message) and `std::error::Error` for rejection types: the one way every
/// Pulya rejection answers. Used by the Pulya crates; not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __answered_in_the_error_shape {
    ($($rejection:ty),* $(,)?) => {$(
        impl ::std::error::Error for $rejection {}

        impl $crate::IntoResponse for $rejection {
            fn into_response(self) -> $crate::Response {
                $crate::IntoResponse::into_response($crate::ErrorResponse::new(
                    self.status(),
                    ::std::string::ToString::to_string(&self),
                ))
            }
        }
    )*};
}

crate::__answered_in_the_error_shape!(
    BodyRejection,
    StringRejection,
    MatchedPathRejection,
    ConnectInfoRejection
);
