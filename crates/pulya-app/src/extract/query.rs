//! The query string.

use http::request::Parts;
use serde::de::DeserializeOwned;

use super::{FromRequestParts, Rejection};
use crate::RequestContext;

/// The query string deserialised into `T` (with `serde_urlencoded`). A missing query string is
/// read as empty; one that does not fit `T` answers 400 and says why.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts for Query<T> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _: &RequestContext) -> Result<Self, Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Query)
            .map_err(|err| Rejection::bad_request(format!("invalid query string: {err}")))
    }
}
