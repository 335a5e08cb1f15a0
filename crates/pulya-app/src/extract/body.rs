//! The form body. `Bytes`, `String` and the raw `Body` are extracted by `pulya-core`, `Json`
//! by `pulya-responses`.

use http::{HeaderValue, StatusCode, header};
use pulya_core::extract::{has_content_type, to_bytes};
use pulya_core::{Body, ErrorResponse, IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use pulya_responses::Json;

use super::FromRequest;
use super::rejection::FormRejection;
use crate::{Request, RequestContext};

/// A URL-encoded form. As an extractor it parses an `application/x-www-form-urlencoded` body
/// (415 for another type, 413 over the limit, 422 when it does not fit `T`); as a return value
/// it sends `T` URL-encoded.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Form<T> {
    type Rejection = FormRejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, FormRejection> {
        if !has_content_type(req.headers(), "application/x-www-form-urlencoded") {
            return Err(FormRejection::ContentType);
        }
        let bytes = to_bytes(req.into_body(), cx.body_limit()).await?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|err| FormRejection::Deserialize(err.to_string()))
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
            Err(err) => ErrorResponse::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("failed to encode the form: {err}"),
            )
            .into_response(),
        }
    }
}
