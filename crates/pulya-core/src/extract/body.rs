//! The body extractors that need no format: bytes, text and the raw stream, and the helpers
//! that body extractors of any format share (the limit, the content type).

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, header};
use http_body::Body as _;
use http_body_util::BodyExt;

use super::{BodyRejection, FromRequest, StringRejection};
use crate::{Body, Request, RequestContext};

/// Reads the whole body, refusing it with 413 as soon as it is known to exceed `limit`: at once
/// when `Content-Length` says so, else when the bytes received pass it. A body that fails
/// mid-way (the client went away) is a 400.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_core::{Body, extract::to_bytes};
///
/// assert_eq!(to_bytes(Body::from("hello"), 16).await.unwrap(), "hello");
/// assert_eq!(to_bytes(Body::from("hello"), 4).await.unwrap_err().status(), 413);
/// # }
/// ```
pub async fn to_bytes(mut body: Body, limit: usize) -> Result<Bytes, BodyRejection> {
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyRejection::TooLarge { limit });
    }
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| BodyRejection::Read(err.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let received = first.as_ref().map_or(0, Bytes::len) + rest.len() + data.len();
        if received > limit {
            return Err(BodyRejection::TooLarge { limit });
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
/// ignoring parameters such as `charset` and the case of letters.
///
/// ```
/// use http::{HeaderMap, header};
/// use pulya_core::extract::has_content_type;
///
/// let mut headers = HeaderMap::new();
/// headers.insert(header::CONTENT_TYPE, "Application/JSON; charset=utf-8".parse().unwrap());
/// assert!(has_content_type(&headers, "application/json"));
/// assert!(!has_content_type(&headers, "text/plain"));
/// ```
pub fn has_content_type(headers: &HeaderMap, expected: &str) -> bool {
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
    type Rejection = BodyRejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, BodyRejection> {
        to_bytes(req.into_body(), cx.body_limit()).await
    }
}

/// The whole body as UTF-8 text, within the body limit.
impl FromRequest for String {
    type Rejection = StringRejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, StringRejection> {
        let bytes = to_bytes(req.into_body(), cx.body_limit()).await?;
        String::from_utf8(bytes.into()).map_err(|_| StringRejection::InvalidUtf8)
    }
}

/// The body as a stream of frames, with no limit applied: the handler decides how much to read.
impl FromRequest for Body {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, _: &RequestContext) -> Result<Self, Self::Rejection> {
        Ok(req.into_body())
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
