//! The Pulya router.
//!
//! [`Router`] maps an HTTP method and a path to a value (in Pulya, a handler). Paths without
//! parameters are answered from a hash map without walking a tree; paths with parameters go
//! through a [matchit](https://docs.rs/matchit) radix trie.
//!
//! Route syntax is matchit's: `{name}` matches one segment (or part of one, as in
//! `/img/{name}.png`), `{*rest}` matches the rest of the path, `{{` and `}}` are literal braces.
//! Static segments take precedence over parameters, parameters over catch-alls.
//!
//! ```
//! use http::Method;
//! use pulya_routing::{MatchError, Router};
//!
//! let mut router = Router::new();
//! router.insert(Method::GET, "/users/{id}", "show user")?;
//! router.insert(Method::DELETE, "/users/{id}", "delete user")?;
//!
//! let m = router.at(&Method::GET, "/users/7")?;
//! assert_eq!(*m.value, "show user");
//! assert_eq!(m.params.get("id"), Some("7"));
//!
//! match router.at(&Method::POST, "/users/7") {
//!     Err(MatchError::MethodNotAllowed(allowed)) => {
//!         assert_eq!(allowed.header_value(), "GET, HEAD, DELETE")
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Beyond matching: typed parameters ([`ParamRule`], [`Constraints`]), groups with shared rules
//! ([`Router::group`]), [`Router::merge`], [`Router::remove`], a [`TrailingSlash`] policy,
//! introspection ([`Router::routes`]) and an optional match cache.
//!
//! The crate depends on `http`, `matchit`, `percent-encoding` and (feature `regex`, on by
//! default) `regex-lite`: it is usable without the rest of Pulya.

mod cache;
mod error;
mod hash;
mod params;
mod router;
mod rules;

pub use cache::DEFAULT_CACHE_CAPACITY;
pub use error::{InsertError, MatchError};
pub use params::{Params, ParamsIter};
pub use router::{
    AllowedMethods, Match, Route, RouteGroup, Router, TrailingSlash, join_paths, param_names,
};
pub use rules::{Constraints, OnInvalid, ParamRule};
