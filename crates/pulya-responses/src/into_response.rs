//! Conversion of handler return values into responses.

use std::borrow::Cow;
use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

use crate::body::Body;
use crate::error::ErrorResponse;

/// The response type of Pulya: an [`http::Response`] with a [`Body`].
pub type Response = http::Response<Body>;

/// Turns a value into a [`Response`]. Handlers may return any type that implements it.
pub trait IntoResponse {
    /// Builds the response.
    fn into_response(self) -> Response;
}

const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const OCTET_STREAM: HeaderValue = HeaderValue::from_static("application/octet-stream");
const TEXT_HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");

fn with_type(body: Body, content_type: HeaderValue) -> Response {
    let mut res = Response::new(body);
    res.headers_mut().insert(header::CONTENT_TYPE, content_type);
    res
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for Body {
    fn into_response(self) -> Response {
        Response::new(self)
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new(Body::empty())
    }
}

impl IntoResponse for Infallible {
    fn into_response(self) -> Response {
        match self {}
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut res = Response::new(Body::empty());
        *res.status_mut() = self;
        res
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        with_type(Body::from(self), TEXT_PLAIN)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_type(Body::from(self), TEXT_PLAIN)
    }
}

impl IntoResponse for Cow<'static, str> {
    fn into_response(self) -> Response {
        match self {
            Cow::Borrowed(s) => s.into_response(),
            Cow::Owned(s) => s.into_response(),
        }
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        with_type(Body::from(self), OCTET_STREAM)
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        with_type(Body::from(self), OCTET_STREAM)
    }
}

impl IntoResponse for &'static [u8] {
    fn into_response(self) -> Response {
        with_type(Body::full(Bytes::from_static(self)), OCTET_STREAM)
    }
}

/// An HTML body, sent with `Content-Type: text/html; charset=utf-8`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Html<T>(pub T);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        with_type(self.0.into(), TEXT_HTML)
    }
}

impl<R: IntoResponse> IntoResponse for (StatusCode, R) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        *res.status_mut() = self.0;
        res
    }
}

impl<R: IntoResponse> IntoResponse for (HeaderMap, R) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        res.headers_mut().extend(self.0);
        res
    }
}

impl<R: IntoResponse> IntoResponse for (StatusCode, HeaderMap, R) {
    fn into_response(self) -> Response {
        (self.0, (self.1, self.2)).into_response()
    }
}

impl<R: IntoResponse, const N: usize> IntoResponse for ([(HeaderName, HeaderValue); N], R) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        for (name, value) in self.0 {
            res.headers_mut().insert(name, value);
        }
        res
    }
}

impl<R: IntoResponse, const N: usize> IntoResponse
    for (StatusCode, [(HeaderName, HeaderValue); N], R)
{
    fn into_response(self) -> Response {
        (self.0, (self.1, self.2)).into_response()
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(err) => err.into_response(),
        }
    }
}

/// `None` is a `404 Not Found`.
impl<T: IntoResponse> IntoResponse for Option<T> {
    fn into_response(self) -> Response {
        match self {
            Some(value) => value.into_response(),
            None => ErrorResponse::new(StatusCode::NOT_FOUND, "not found").into_response(),
        }
    }
}

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
