//! Conversion of handler return values into responses.

use std::borrow::Cow;
use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

use crate::AppData;
use crate::body::Body;
use crate::error::ErrorResponse;

/// The response type of Pulya: an [`http::Response`] with a [`Body`].
pub type Response = http::Response<Body>;

/// Turns a value into a [`Response`]. Handlers may return any type that implements it.
///
/// ```
/// use http::StatusCode;
/// use pulya_core::{IntoResponse, Response};
///
/// struct Created(u64);
///
/// impl IntoResponse for Created {
///     fn into_response(self) -> Response {
///         (StatusCode::CREATED, format!("item {}", self.0)).into_response()
///     }
/// }
///
/// let res = Created(7).into_response();
/// assert_eq!(res.status(), StatusCode::CREATED);
/// assert_eq!(res.body().as_bytes(), Some(&b"item 7"[..]));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a response",
    note = "a handler returns a type that implements `IntoResponse`: a string, bytes, `Json`, \
            `Html`, a `StatusCode`, a tuple of status, headers and body, or a `Result` of them"
)]
pub trait IntoResponse {
    /// Builds the response.
    fn into_response(self) -> Response;

    /// Builds the response as the app of `app` would: with its settings, such as its JSON
    /// encoder. Handlers' results are converted this way; the default ignores `app`. Wrappers
    /// (tuples, `Result`, `Option`) pass `app` on to what they wrap.
    fn into_response_in(self, app: &AppData) -> Response
    where
        Self: Sized,
    {
        let _ = app;
        self.into_response()
    }
}

const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const OCTET_STREAM: HeaderValue = HeaderValue::from_static("application/octet-stream");

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

// The wrappers convert what they wrap in `into_response_in`, which `into_response` calls with
// the data of no app, so that both ways pass the app on.

impl<R: IntoResponse> IntoResponse for (StatusCode, R) {
    fn into_response(self) -> Response {
        self.into_response_in(AppData::empty())
    }

    fn into_response_in(self, app: &AppData) -> Response {
        let mut res = self.1.into_response_in(app);
        *res.status_mut() = self.0;
        res
    }
}

impl<R: IntoResponse> IntoResponse for (HeaderMap, R) {
    fn into_response(self) -> Response {
        self.into_response_in(AppData::empty())
    }

    fn into_response_in(self, app: &AppData) -> Response {
        let mut res = self.1.into_response_in(app);
        res.headers_mut().extend(self.0);
        res
    }
}

impl<R: IntoResponse> IntoResponse for (StatusCode, HeaderMap, R) {
    fn into_response(self) -> Response {
        self.into_response_in(AppData::empty())
    }

    fn into_response_in(self, app: &AppData) -> Response {
        (self.0, (self.1, self.2)).into_response_in(app)
    }
}

impl<R: IntoResponse, const N: usize> IntoResponse for ([(HeaderName, HeaderValue); N], R) {
    fn into_response(self) -> Response {
        self.into_response_in(AppData::empty())
    }

    fn into_response_in(self, app: &AppData) -> Response {
        let mut res = self.1.into_response_in(app);
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
        self.into_response_in(AppData::empty())
    }

    fn into_response_in(self, app: &AppData) -> Response {
        (self.0, (self.1, self.2)).into_response_in(app)
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        self.into_response_in(AppData::empty())
    }

    fn into_response_in(self, app: &AppData) -> Response {
        match self {
            Ok(value) => value.into_response_in(app),
            Err(err) => err.into_response_in(app),
        }
    }
}

/// The error shape: `{"error":"<message>","status":<code>}` as `application/json`.
impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let mut res = Response::new(Body::from(self.to_json()));
        *res.status_mut() = self.status();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    }
}

/// `None` is a `404 Not Found`.
impl<T: IntoResponse> IntoResponse for Option<T> {
    fn into_response(self) -> Response {
        self.into_response_in(AppData::empty())
    }

    fn into_response_in(self, app: &AppData) -> Response {
        match self {
            Some(value) => value.into_response_in(app),
            None => ErrorResponse::new(StatusCode::NOT_FOUND, "not found").into_response(),
        }
    }
}
