//! A small header map for the few headers real requests carry.
//!
//! [`HeaderMap`] keeps `(name, value)` pairs in insertion order, inline up to
//! [`INLINE_HEADERS`] entries, and finds names by a linear scan. Requests carry 5 to 15 headers;
//! at those sizes a scan of a short vector beats hashing every name, which is what
//! `http::HeaderMap` does (figures in docs/performance.md).
//!
//! - Names are stored lowercase; standard names are `http::HeaderName` constants, so a lookup
//!   by a constant compares a tag before any bytes. Lookups by `&str` ignore case.
//! - [`HeaderMap::parse`] keeps the raw head and points into it: no value is copied. Values
//!   added later are `http::HeaderValue`s. Lookups return a [`ValueRef`] either way.
//! - Invalid names and values are refused with a [`HeaderError`], never stored.
//! - Conversion with `http::HeaderMap` is lossless both ways, repeated names and order included.
//!
//! ```
//! use pulya_headers::HeaderMap;
//! use http::header::{ACCEPT, CONTENT_TYPE};
//!
//! let mut map = HeaderMap::new();
//! map.insert(CONTENT_TYPE, "application/json".parse()?);
//! map.append(ACCEPT, "text/html".parse()?);
//! map.append(ACCEPT, "application/json".parse()?);
//! assert_eq!(map.content_type(), Some("application/json"));
//! assert_eq!(map.get_all("Accept").count(), 2);
//! let standard: http::HeaderMap = map.into();
//! assert_eq!(standard.len(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod entry;
mod error;
mod map;
mod name;
mod scan;
mod value;

pub use error::{HeaderError, ToStrError};
pub use map::{HeaderMap, INLINE_HEADERS};
pub use name::Key;
pub use value::ValueRef;
