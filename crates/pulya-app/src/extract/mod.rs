//! Extractors: typed pieces of a request that a handler asks for by its arguments.
//!
//! A handler's arguments are extracted in order. All but the last implement
//! [`FromRequestParts`] (they read the head of the request); the last may implement
//! [`FromRequest`] and consume the body. A failed extraction answers the request with the
//! extractor's rejection (a 4xx, or a 500 for a misconfigured app) and the handler is not called.
//! The traits live in `pulya-core`, so that an extractor crate needs nothing else.
//!
//! Each extractor has its own rejection type (`PathRejection`, `JsonRejection`, …), all
//! answering in Pulya's one error shape. `Option<T>` is `None` only where the value is absent
//! (no query string, no such state, no `Content-Type`), and still rejects a malformed one;
//! `Result<T, T::Rejection>` hands the rejection to the handler.

mod body;
mod path;
mod query;
mod rejection;
mod state;

pub use body::{Form, Json};
pub use path::Path;
pub use pulya_core::extract::{
    BodyRejection, ConnectInfo, ConnectInfoRejection, FromRequest, FromRequestParts, MatchedPath,
    MatchedPathRejection, OptionalFromRequest, OptionalFromRequestParts, Rejection,
    StringRejection,
};
/// A service of the app's container (feature `di`): see [`App::container`](crate::App::container).
#[cfg(feature = "di")]
pub use pulya_di::{Inject, InjectRejection};
pub use pulya_responses::JsonRejection;
pub use query::Query;
pub use rejection::{
    ExtensionRejection, FormRejection, PathRejection, QueryRejection, StateRejection,
};
pub use state::{Extension, State};
