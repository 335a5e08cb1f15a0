//! The map itself.

use http::header::{AsHeaderName, HeaderName, HeaderValue};

/// Whether the stored (lowercase) `name` is `key`, which may be in any case.
#[inline]
fn same(name: &HeaderName, key: &str) -> bool {
    name.as_str().eq_ignore_ascii_case(key)
}

/// An ordered multimap from header names to values, searched linearly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    entries: Vec<(HeaderName, HeaderValue)>,
}

impl HeaderMap {
    /// An empty map; it allocates on the first insert.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// An empty map with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// The number of entries (a name with two values counts twice).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first value of `name`.
    pub fn get<K: AsHeaderName>(&self, name: K) -> Option<&HeaderValue> {
        let name = name.as_str();
        self.entries
            .iter()
            .find(|(n, _)| same(n, name))
            .map(|(_, v)| v)
    }

    /// Every value of `name`, in insertion order.
    pub fn get_all<K: AsHeaderName>(&self, name: K) -> GetAll<'_> {
        GetAll {
            entries: self.entries.iter(),
            name: name.as_str().to_owned(),
        }
    }

    /// Whether `name` has at least one value.
    pub fn contains_key<K: AsHeaderName>(&self, name: K) -> bool {
        self.get(name).is_some()
    }

    /// Replaces every value of `name` with `value`, returning the first value it had.
    pub fn insert(&mut self, name: HeaderName, value: HeaderValue) -> Option<HeaderValue> {
        let old = self.remove(&name);
        self.entries.push((name, value));
        old
    }

    /// Adds `value` after the existing values of `name`.
    pub fn append(&mut self, name: HeaderName, value: HeaderValue) {
        self.entries.push((name, value));
    }

    /// Removes every value of `name`, returning the first.
    pub fn remove<K: AsHeaderName>(&mut self, name: K) -> Option<HeaderValue> {
        let name = name.as_str().to_owned();
        let mut first = None;
        self.entries.retain_mut(|(n, v)| {
            if !same(n, &name) {
                return true;
            }
            if first.is_none() {
                first = Some(std::mem::replace(v, HeaderValue::from_static("")));
            }
            false
        });
        first
    }

    /// The entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.entries.iter().map(|(n, v)| (n, v))
    }

    /// Removes and yields every entry in insertion order.
    pub fn drain(&mut self) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
        self.entries.drain(..)
    }
}

/// The values of one name, from [`HeaderMap::get_all`].
#[derive(Debug)]
pub struct GetAll<'a> {
    entries: std::slice::Iter<'a, (HeaderName, HeaderValue)>,
    name: String,
}

impl<'a> Iterator for GetAll<'a> {
    type Item = &'a HeaderValue;

    fn next(&mut self) -> Option<&'a HeaderValue> {
        let name = self.name.as_str();
        self.entries
            .by_ref()
            .find(|(n, _)| same(n, name))
            .map(|(_, v)| v)
    }
}

impl Extend<(HeaderName, HeaderValue)> for HeaderMap {
    fn extend<I: IntoIterator<Item = (HeaderName, HeaderValue)>>(&mut self, iter: I) {
        self.entries.extend(iter);
    }
}

impl FromIterator<(HeaderName, HeaderValue)> for HeaderMap {
    fn from_iter<I: IntoIterator<Item = (HeaderName, HeaderValue)>>(iter: I) -> Self {
        Self {
            entries: iter.into_iter().collect(),
        }
    }
}

impl From<http::HeaderMap> for HeaderMap {
    fn from(map: http::HeaderMap) -> Self {
        let mut entries = Vec::with_capacity(map.len());
        let mut last: Option<HeaderName> = None;
        for (name, value) in map {
            // `http::HeaderMap`'s owning iterator names each key once, before its first value.
            if let Some(name) = name {
                last = Some(name);
            }
            if let Some(name) = &last {
                entries.push((name.clone(), value));
            }
        }
        Self { entries }
    }
}

impl From<HeaderMap> for http::HeaderMap {
    fn from(map: HeaderMap) -> Self {
        let mut out = http::HeaderMap::with_capacity(map.entries.len());
        for (name, value) in map.entries {
            out.append(name, value);
        }
        out
    }
}
