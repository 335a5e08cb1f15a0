//! Redirects.

use http::{HeaderValue, StatusCode, header};
use pulya_core::{ErrorResponse, IntoResponse, Response};

/// A redirect: a status of the 3xx family and a `Location`.
///
/// ```
/// use pulya_responses::{IntoResponse, Redirect};
///
/// let res = Redirect::permanent("/new-home").into_response();
/// assert_eq!(res.status(), 308);
/// assert_eq!(res.headers()["location"], "/new-home");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    status: StatusCode,
    location: String,
}

impl Redirect {
    fn with(status: StatusCode, location: impl Into<String>) -> Self {
        Self {
            status,
            location: location.into(),
        }
    }

    /// `303 See Other`: fetch `location` with `GET` (after a form post, say).
    pub fn to(location: impl Into<String>) -> Self {
        Self::with(StatusCode::SEE_OTHER, location)
    }

    /// `307 Temporary Redirect`: repeat the same request at `location`.
    pub fn temporary(location: impl Into<String>) -> Self {
        Self::with(StatusCode::TEMPORARY_REDIRECT, location)
    }

    /// `308 Permanent Redirect`: repeat the same request at `location`, from now on.
    pub fn permanent(location: impl Into<String>) -> Self {
        Self::with(StatusCode::PERMANENT_REDIRECT, location)
    }

    /// `301 Moved Permanently` (clients may turn a `POST` into a `GET`).
    pub fn moved_permanently(location: impl Into<String>) -> Self {
        Self::with(StatusCode::MOVED_PERMANENTLY, location)
    }

    /// `302 Found` (clients may turn a `POST` into a `GET`).
    pub fn found(location: impl Into<String>) -> Self {
        Self::with(StatusCode::FOUND, location)
    }
}

/// An invalid `Location` (a control character, say) is a 500 that names the problem, not a
/// panic.
impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        match HeaderValue::try_from(self.location) {
            Ok(location) => {
                let mut res = self.status.into_response();
                res.headers_mut().insert(header::LOCATION, location);
                res
            }
            Err(_) => ErrorResponse::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the redirect location is not a valid header value",
            )
            .into_response(),
        }
    }
}
