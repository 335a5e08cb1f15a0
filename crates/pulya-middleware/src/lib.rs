//! Standard middleware for Pulya apps, one module per middleware.
//!
//! The first is [`request_id`]; CORS, rate limiting, access logging, timeouts and compression
//! follow, each behind a feature of its own.

pub mod request_id;
