//! Standard middleware for Pulya apps, one module per middleware.
//!
//! - [`request_id`]: an `X-Request-Id` on every request and response.
//! - [`serve_dir`] (feature `serve-dir`, on by default): static files from a directory, with
//!   path-traversal protection.
//!
//! CORS, rate limiting, access logging, timeouts and compression follow, each behind a feature
//! of its own.

pub mod request_id;
#[cfg(feature = "serve-dir")]
pub mod serve_dir;
