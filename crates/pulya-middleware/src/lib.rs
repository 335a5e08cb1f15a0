//! Standard middleware for Pulya apps, one module and one cargo feature per middleware.
//!
//! | module | feature | what it does |
//! |---|---|---|
//! | [`cors`] | `cors` | CORS: preflights, `Access-Control-*` headers |
//! | [`request_id`] | `request-id` | an id for every request, a UUID v7 by default |
//! | [`access_log`] | `access-log` | one `tracing` event per request, when its body ends |
//! | [`catch_panic`] | `catch-panic` | a panic becomes a 500; a panicking stream ends cleanly |
//! | [`timeout`] | `timeout` | a deadline for the handler, answered 503 (or 408) |
//! | [`body_limit`] | `body-limit` | a body limit per app, group or route |
//! | [`rate_limit`] | `rate-limit` | GCRA per client IP (or key), 429 with `Retry-After` and `RateLimit-*` headers |
//! | [`cache`] | `cache` | a response cache for `GET`/`HEAD`, bounded by bytes, one fill per key |
//! | [`metrics`] | `metrics` | Prometheus metrics by matched route at `GET /metrics` |
//! | [`health`] | `health` | `/health/live`, and `/health/ready` that turns 503 on shutdown |
//! | `redis` | `redis` (off by default) | Redis as the shared store of `rate_limit` and `cache` |
//! | `compression` | `compression` (or `compression-gzip`, `-br`, `-zstd`) | gzip, brotli, zstd |
//! | [`security_headers`] | `security-headers` | `nosniff`, frame options, referrer policy, CSP, HSTS |
//! | [`serve_dir`] | `serve-dir` | static files from a directory |
//!
//! [`standard()`] (feature `standard`) is the preset a production app wants: request id,
//! access log, recovery, timeout and security headers, as one step. Every feature is on by
//! default but `compression`, whose codecs take long to build.
//!
//! This crate depends on `pulya-core` alone; [`serve_dir::ServeDir`] is an `Endpoint`,
//! mounted with `App::route_endpoint`. `docs/middleware.md` says how to write one's own.

#[cfg(feature = "access-log")]
pub mod access_log;
#[cfg(feature = "body-limit")]
pub mod body_limit;
#[cfg(feature = "cache")]
pub mod cache;
#[cfg(feature = "catch-panic")]
pub mod catch_panic;
#[cfg(feature = "compression-base")]
pub mod compression;
#[cfg(feature = "cors")]
pub mod cors;
#[cfg(feature = "health")]
pub mod health;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(feature = "rate-limit")]
pub mod rate_limit;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "request-id")]
pub mod request_id;
#[cfg(feature = "security-headers")]
pub mod security_headers;
#[cfg(feature = "serve-dir")]
pub mod serve_dir;
#[cfg(feature = "standard")]
mod standard;
#[cfg(feature = "timeout")]
pub mod timeout;

#[cfg(any(feature = "rate-limit", feature = "cache"))]
mod store;

#[cfg(feature = "standard")]
pub use standard::{Standard, standard};
#[cfg(any(feature = "rate-limit", feature = "cache"))]
pub use store::StoreError;

// The middleware authors' guide, with its worked example, is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/middleware.md")]
struct MiddlewareGuide;
