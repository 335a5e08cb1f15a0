//! JSON bodies.

use bytes::{BufMut, BytesMut};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::body::Body;
use crate::error::ErrorResponse;
use crate::into_response::{IntoResponse, Response};

/// A JSON body. As a return value it serialises `T` with `Content-Type: application/json`; in
/// `pulya-app` it is also the extractor that parses a JSON request body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// The starting capacity of a JSON response buffer: small bodies fit without growing.
const INITIAL_CAPACITY: usize = 128;

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut buf = BytesMut::with_capacity(INITIAL_CAPACITY).writer();
        match serde_json::to_writer(&mut buf, &self.0) {
            Ok(()) => {
                let mut res = Response::new(Body::full(buf.into_inner().freeze()));
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                res
            }
            Err(err) => ErrorResponse::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("failed to serialise the response as JSON: {err}"),
            )
            .into_response(),
        }
    }
}
