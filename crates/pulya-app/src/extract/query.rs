//! The query string.

use http::request::Parts;
use pulya_core::extract::OptionalFromRequestParts;
use serde::de::DeserializeOwned;

use super::FromRequestParts;
use super::rejection::QueryRejection;
use crate::RequestContext;

/// The query string deserialised into `T` (with `serde_urlencoded`). A missing query string is
/// read as empty; one that does not fit `T` answers 400 and says why ([`QueryRejection`]).
/// `Option<Query<T>>` is `None` for a request without a query string.
///
/// ```
/// use pulya_app::{App, extract::Query};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Page { page: u32 }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let client = App::new()
///     .get("/items", |Query(p): Query<Page>| async move { format!("page {}", p.page) })
///     .test_client();
/// assert_eq!(client.get("/items?page=2").send().await.text(), "page 2");
/// assert_eq!(client.get("/items?page=x").send().await.status(), 400);
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

fn parse<T: DeserializeOwned>(query: &str) -> Result<Query<T>, QueryRejection> {
    serde_urlencoded::from_str(query)
        .map(Query)
        .map_err(|err| QueryRejection(err.to_string()))
}

impl<T: DeserializeOwned> FromRequestParts for Query<T> {
    type Rejection = QueryRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &RequestContext,
    ) -> Result<Self, QueryRejection> {
        parse(parts.uri.query().unwrap_or_default())
    }
}

impl<T: DeserializeOwned> OptionalFromRequestParts for Query<T> {
    type Rejection = QueryRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &RequestContext,
    ) -> Result<Option<Self>, QueryRejection> {
        parts.uri.query().map(parse).transpose()
    }
}
