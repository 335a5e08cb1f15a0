//! HTML bodies.

use http::{HeaderValue, header};
use pulya_core::{Body, IntoResponse, Response};

const TEXT_HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");

/// An HTML body, sent with `Content-Type: text/html; charset=utf-8`.
///
/// ```
/// use pulya_responses::{Html, IntoResponse};
///
/// let res = Html("<h1>Hi</h1>").into_response();
/// assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Html<T>(pub T);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        let mut res = Response::new(self.0.into());
        res.headers_mut().insert(header::CONTENT_TYPE, TEXT_HTML);
        res
    }
}
