//! Responses for Pulya: what a handler returns and how it becomes bytes on the wire.
//!
//! - [`Body`]: a response body that is empty, one buffer, or a boxed stream. The first two need
//!   no allocation beyond the bytes themselves and tell hyper their exact length.
//! - [`Response`] and [`IntoResponse`]: anything a handler returns converts into a response:
//!   strings, bytes, [`Json`], [`Html`], status codes, tuples of status, headers and body,
//!   `Result` and `Option`.
//! - [`ErrorResponse`]: the JSON error body every Pulya error uses,
//!   `{"error":"…","status":N}`; [`ErrorPages`]: the common error statuses pre-encoded, which
//!   an app may replace (HTML pages, say), with HTML alternatives for browsers.
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

mod body;
pub mod date;
mod error;
mod into_response;
pub mod json;
pub mod negotiate;
mod pages;
pub mod sse;

pub use body::{Body, BoxError};
pub use error::ErrorResponse;
pub use into_response::{Html, IntoResponse, Redirect, Response};
#[cfg(feature = "sonic-rs")]
pub use json::SonicRs;
pub use json::{Encoder, Json, JsonCodec, JsonError, JsonErrorKind, SerdeJson};
pub use pages::{ErrorPages, PRE_ENCODED};
