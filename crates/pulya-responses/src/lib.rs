//! Responses for Pulya: what a handler returns and how it becomes bytes on the wire.
//!
//! - [`Json`], [`Html`] and [`Redirect`]: responses beyond the basic ones of `pulya-core`,
//!   whose [`Body`], [`Response`], [`IntoResponse`] and [`ErrorResponse`] are re-exported here.
//! - [`ErrorPages`]: the common error statuses pre-encoded in Pulya's error shape, which an app
//!   may replace (HTML pages, say), with HTML alternatives for browsers.
//! - [`json`]: the [`Encoder`] trait, serde_json and sonic-rs, chosen per app by [`JsonCodec`].
//! - [`sse`]: server-sent events with keep-alive and backpressure.
//! - [`negotiate`]: the client's preferred media type by `Accept`.
//! - [`date`]: the `Date` header value, cached per second.
//!
//! ```
//! use http::StatusCode;
//! use pulya_responses::{IntoResponse, Json};
//!
//! let res = (StatusCode::CREATED, Json(serde_json::json!({"id": 7}))).into_response();
//! assert_eq!(res.status(), StatusCode::CREATED);
//! assert_eq!(res.headers()["content-type"], "application/json");
//! ```

pub mod date;
mod html;
pub mod json;
pub mod negotiate;
mod pages;
mod redirect;
pub mod sse;

pub use html::Html;
#[cfg(feature = "sonic-rs")]
pub use json::SonicRs;
pub use json::{
    Encoder, Json, JsonCodec, JsonConfig, JsonError, JsonErrorKind, JsonRejection, SerdeJson,
};
pub use pages::{ErrorPages, PRE_ENCODED};
pub use pulya_core::{Body, BoxError, ErrorResponse, IntoResponse, Response};
pub use redirect::Redirect;
