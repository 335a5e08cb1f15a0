//! Extractors: typed pieces of a request that a handler asks for by its arguments.
//!
//! A handler's arguments are extracted in order. All but the last implement
//! [`FromRequestParts`] (they read the head of the request); the last may implement
//! [`FromRequest`] and consume the body. A failed extraction answers the request with the
//! extractor's rejection (a 4xx, or a 500 for a misconfigured app) and the handler is not called.
//! The traits live in `pulya-core`, so that an extractor crate needs nothing else.

mod body;
mod path;
mod query;
mod state;

pub use body::{Form, Json};
pub use path::Path;
pub use pulya_core::extract::{ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Rejection};
pub use query::Query;
pub use state::{Extension, State};
