//! Body extractors: bytes, text, JSON, forms and the raw stream. All but the raw stream enforce
//! the app's body limit.

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body::Body as _;
use http_body_util::BodyExt;
use pulya_responses::{Body, Encoder, IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use pulya_responses::Json;

use super::{FromRequest, Rejection};
use crate::{Request, RequestBody, RequestContext};

fn too_large(limit: usize) -> Rejection {
    Rejection::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than the limit of {limit} bytes"),
    )
}

/// Reads the whole body, refusing it with 413 as soon as it is known to exceed `limit`: at once
/// when `Content-Length` says so, else when the bytes received pass it.
async fn collect(req: Request, limit: usize) -> Result<Bytes, Rejection> {
    let mut body = req.into_body();
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large(limit));
    }
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| {
            Rejection::bad_request(format!("failed to read the request body: {err}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let received = first.as_ref().map_or(0, Bytes::len) + rest.len() + data.len();
        if received > limit {
            return Err(too_large(limit));
        }
        // The common single-frame body is passed on without a copy.
        match &first {
            None if rest.is_empty() => first = Some(data),
            _ => {
                if let Some(first) = first.take() {
                    rest.extend_from_slice(&first);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| rest.freeze()))
}

/// Whether the request's `Content-Type` is `expected` (or, for JSON, any `+json` type),
/// ignoring parameters such as `charset`.
fn has_content_type(headers: &HeaderMap, expected: &str) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case(expected)
        || (expected == "application/json"
            && essence.len() > 5
            && essence[essence.len() - 5..].eq_ignore_ascii_case("+json"))
}

/// The whole body as bytes, within the body limit.
impl FromRequest for Bytes {
    type Rejection = Rejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, Rejection> {
        collect(req, cx.body_limit()).await
    }
}

/// The whole body as UTF-8 text, within the body limit.
impl FromRequest for String {
    type Rejection = Rejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, Rejection> {
        let bytes = collect(req, cx.body_limit()).await?;
        String::from_utf8(bytes.into())
            .map_err(|_| Rejection::bad_request("the request body is not valid UTF-8"))
    }
}

/// The body as a stream of frames, with no limit applied: the handler decides how much to read.
impl FromRequest for RequestBody {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, _: &RequestContext) -> Result<Self, Self::Rejection> {
        Ok(req.into_body())
    }
}

/// A JSON body parsed into `T`.
///
/// Answers 415 unless `Content-Type` is `application/json` (or `…+json`), 413 over the body
/// limit, 400 for malformed JSON and 422 for JSON that does not fit `T`; the message gives the
/// reason with its line and column. The app's [`json_decoder`](crate::App::json_decoder) parses.
impl<T: DeserializeOwned> FromRequest for Json<T> {
    type Rejection = Rejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, Rejection> {
        if !has_content_type(req.headers(), "application/json") {
            return Err(Rejection::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected a request with `Content-Type: application/json`",
            ));
        }
        let bytes = collect(req, cx.body_limit()).await?;
        cx.shared
            .json_decode
            .decode(&bytes)
            .map(Json)
            .map_err(|err| Rejection::new(err.status(), format!("invalid JSON body: {err}")))
    }
}

/// A URL-encoded form. As an extractor it parses an `application/x-www-form-urlencoded` body
/// (415 for another type, 413 over the limit, 422 when it does not fit `T`); as a return value
/// it sends `T` URL-encoded.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Form<T> {
    type Rejection = Rejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, Rejection> {
        if !has_content_type(req.headers(), "application/x-www-form-urlencoded") {
            return Err(Rejection::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected a request with `Content-Type: application/x-www-form-urlencoded`",
            ));
        }
        let bytes = collect(req, cx.body_limit()).await?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|err| {
                Rejection::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("invalid form body: {err}"),
                )
            })
    }
}

impl<T: Serialize> IntoResponse for Form<T> {
    fn into_response(self) -> Response {
        match serde_urlencoded::to_string(&self.0) {
            Ok(body) => {
                let mut res = Response::new(Body::from(body));
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                res
            }
            Err(err) => {
                Rejection::internal(format!("failed to encode the form: {err}")).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::has_content_type;
    use http::{HeaderMap, HeaderValue, header};

    fn headers(ct: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        h
    }

    #[test]
    fn content_type_essence() {
        assert!(has_content_type(
            &headers("application/json"),
            "application/json"
        ));
        assert!(has_content_type(
            &headers("Application/JSON; charset=utf-8"),
            "application/json"
        ));
        assert!(has_content_type(
            &headers("application/vnd.api+json"),
            "application/json"
        ));
        assert!(!has_content_type(
            &headers("text/plain"),
            "application/json"
        ));
        assert!(!has_content_type(&HeaderMap::new(), "application/json"));
        assert!(!has_content_type(&headers("+json"), "application/json"));
    }
}
