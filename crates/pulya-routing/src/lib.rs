//! The Pulya router.
//!
//! [`Router`] maps an HTTP method and a path to a value (in Pulya, a handler). Paths without
//! parameters are answered from a hash map without walking a tree; paths with parameters go
//! through a [matchit](https://docs.rs/matchit) radix trie.
//!
//! Route syntax is matchit's: `{name}` matches one segment (or part of one, as in
//! `/img/{name}.png`), `{*rest}` matches the rest of the path, `{{` and `}}` are literal braces.
//! Static segments take precedence over parameters.
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
//! The crate depends only on `http` and `matchit`: it is usable without the rest of Pulya.

mod error;
mod params;
mod router;

pub use error::{InsertError, MatchError};
pub use params::{Params, ParamsIter};
pub use router::{AllowedMethods, Match, Route, Router};
