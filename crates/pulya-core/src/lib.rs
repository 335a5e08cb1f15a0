//! The core of Pulya: what a library author implements, apart from the app's machinery.
//!
//! A middleware or extractor crate depends on this crate alone: it holds no router, no server,
//! no JSON and no runtime.
//!
//! - [`Body`]: the body of requests and responses (empty, one buffer, hyper's incoming stream,
//!   or boxed), and [`Request`] / [`Response`] over it.
//! - [`IntoResponse`]: what a handler may return; [`ErrorResponse`]: Pulya's one error shape,
//!   `{"error":"…","status":N}`.
//! - [`extract`]: [`FromRequestParts`](extract::FromRequestParts) and
//!   [`FromRequest`](extract::FromRequest), and the rejection of the built-in extractors.
//! - [`middleware`]: [`Middleware`], [`Next`] and the [`Endpoint`] a chain ends in.
//! - [`RequestContext`]: the facts about a request beyond the request itself (matched route,
//!   parameters, peer address, request id, body limit) and the app's [`AppData`];
//!   [`RequestScope`]: per-request state that sees the response through (a DI request scope).
//!
//! ```
//! use pulya_core::{BoxFuture, Middleware, Next, Request, Response};
//!
//! /// Answers 403 to requests without a `x-api-key` header; passes the others on.
//! struct RequireKey;
//!
//! impl Middleware for RequireKey {
//!     fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
//!         use pulya_core::IntoResponse;
//!         if req.headers().contains_key("x-api-key") {
//!             next.run(req)
//!         } else {
//!             let res = pulya_core::ErrorResponse::new(http::StatusCode::FORBIDDEN, "no api key");
//!             Box::pin(std::future::ready(res.into_response()))
//!         }
//!     }
//! }
//! ```

mod body;
mod context;
mod error;
pub mod extract;
pub mod middleware;
mod response;
mod scope;
mod status;

pub use body::{Body, BoxError, DeferredBody};
pub use context::{AppData, RequestContext, RouteId, RouteObserver, RouteParams, TypeIdHasher};
pub use error::ErrorResponse;
pub use middleware::{BoxFuture, Endpoint, Middleware, Next};
pub use response::{IntoResponse, Response};
pub use scope::RequestScope;
pub use status::ServeStatus;

/// The request type of Pulya: an [`http::Request`] with a [`Body`].
pub type Request = http::Request<Body>;
