//! Standard middleware for Pulya apps, one module per middleware.
//!
//! - [`request_id`]: an `X-Request-Id` on every request and response.
//! - [`serve_dir`] (feature `serve-dir`, on by default): static files from a directory, with
//!   path-traversal protection.
//!
//! CORS, rate limiting, access logging, timeouts and compression follow, each behind a feature
//! of its own, on the pattern of `docs/middleware.md`. This crate depends on `pulya-core`
//! alone: [`serve_dir::ServeDir`] is an `Endpoint`, mounted with `App::route_endpoint`.

pub mod request_id;
#[cfg(feature = "serve-dir")]
pub mod serve_dir;

// The middleware authors' guide, with its worked example, is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/middleware.md")]
struct MiddlewareGuide;
