//! A small header map for the few headers real requests carry.
//!
//! [`HeaderMap`] keeps `(name, value)` pairs in insertion order in one vector and finds names by a
//! linear scan. Requests carry 5 to 15 headers; at those sizes a scan of a short vector is cheaper
//! than hashing every name, which is what `http::HeaderMap` does.
//!
//! Names are [`http::HeaderName`]s (lowercase; standard names are constants compared by tag) and
//! values [`http::HeaderValue`]s, so a value can share the request's read buffer. The map converts
//! both ways with `http::HeaderMap` without losing repeated names or their order.
//!
//! ```
//! use pulya_headers::HeaderMap;
//! use http::header::{ACCEPT, CONTENT_TYPE};
//!
//! let mut map = HeaderMap::new();
//! map.insert(CONTENT_TYPE, "application/json".parse()?);
//! map.append(ACCEPT, "text/html".parse()?);
//! map.append(ACCEPT, "application/json".parse()?);
//! assert_eq!(map.get(CONTENT_TYPE).unwrap(), "application/json");
//! assert_eq!(map.get_all(ACCEPT).count(), 2);
//! let standard: http::HeaderMap = map.into();
//! assert_eq!(standard.len(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod map;

pub use map::{GetAll, HeaderMap};
