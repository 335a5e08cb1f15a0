//! The map: entries in insertion order, inline up to [`INLINE_HEADERS`], found by a linear scan.

use std::fmt;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use smallvec::SmallVec;

use crate::error::HeaderError;
use crate::name::{Key, Name};

/// How many entries a map holds without a heap allocation. Chosen by the `headers` benchmark
/// (docs/performance.md): requests carry 5 to 15 headers.
pub const INLINE_HEADERS: usize = 8;

/// An ordered multimap from header names to values, searched linearly.
///
/// Names are stored lowercase (standard names as `http::HeaderName` constants, compared by tag);
/// a name may have several values, kept in insertion order. Values are `http::HeaderValue`s, so
/// they can share the request's read buffer.
#[derive(Clone, Default)]
pub struct HeaderMap {
    entries: SmallVec<[Entry; INLINE_HEADERS]>,
    /// Beside each entry, its name's tag (`Name::tag`): a lookup by one of the standard names
    /// scans these bytes instead of the entries.
    tags: SmallVec<[u8; INLINE_HEADERS]>,
}

impl fmt::Debug for HeaderMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A stored header.
#[derive(Clone)]
struct Entry {
    name: Name,
    value: HeaderValue,
}

impl Entry {
    fn new(name: Name, value: HeaderValue) -> Self {
        Self { name, value }
    }

    #[inline]
    fn is<K: Key>(&self, key: &K) -> bool {
        key.matches_name(&self.name)
    }
}

/// Two maps are equal when every name has the same values in the same order; the order of
/// different names does not matter (as for `http::HeaderMap`).
impl PartialEq for HeaderMap {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self.entries.iter().all(|e| {
                let ours = self
                    .entries
                    .iter()
                    .filter(|o| o.name == e.name)
                    .map(|o| &o.value);
                let theirs = other
                    .entries
                    .iter()
                    .filter(|o| o.name == e.name)
                    .map(|o| &o.value);
                ours.eq(theirs)
            })
    }
}

impl Eq for HeaderMap {}

impl HeaderMap {
    /// An empty map. It allocates nothing until it holds more than [`INLINE_HEADERS`] entries.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty map with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: SmallVec::with_capacity(capacity),
            tags: SmallVec::with_capacity(capacity),
        }
    }

    /// Parses a raw header block: `name: value` lines ended by `\r\n` (or `\n`), up to an empty
    /// line or the end. Values are slices of `raw`, not copies; so are lowercase custom names.
    ///
    /// ```
    /// use pulya_headers::HeaderMap;
    ///
    /// let raw = bytes::Bytes::from_static(b"Host: example.com\r\nX-Trace: abc\r\n\r\n");
    /// let map = HeaderMap::parse(raw)?;
    /// assert_eq!(map.host(), Some("example.com"));
    /// assert_eq!(map.get("x-trace").unwrap(), "abc");
    /// # Ok::<(), pulya_headers::HeaderError>(())
    /// ```
    pub fn parse(raw: Bytes) -> Result<Self, HeaderError> {
        let mut map = HeaderMap::new();
        let bytes: &[u8] = &raw;
        let mut start = 0;
        let mut line = 0;
        while start < bytes.len() {
            line += 1;
            // One pass over the name: validated, lowercased and ended by the colon.
            let (name, colon) = Name::parse_until_colon(&raw, start)
                .map_err(|()| Self::name_error(bytes, start, line))?;
            let Some((name, colon)) = name.zip(colon) else {
                break; // the empty line that ends the head
            };
            // The value: from after the colon and its spaces to the line end, without trailing
            // spaces. The line end is found a word at a time.
            let mut v_start = colon + 1;
            while v_start < bytes.len() && matches!(bytes[v_start], b' ' | b'\t') {
                v_start += 1;
            }
            let end = find_byte(&bytes[v_start..], b'\n').map_or(bytes.len(), |i| v_start + i);
            let mut v_end = end;
            if v_end > v_start && bytes[v_end - 1] == b'\r' {
                v_end -= 1;
            }
            while v_end > v_start && matches!(bytes[v_end - 1], b' ' | b'\t') {
                v_end -= 1;
            }
            let value =
                HeaderValue::from_maybe_shared(raw.slice(v_start..v_end)).map_err(|_| {
                    HeaderError::InvalidValue {
                        name: name.as_str().to_owned(),
                    }
                })?;
            map.push(Entry::new(name, value));
            start = end + 1;
        }
        Ok(map)
    }

    /// The error for the malformed name of the line at `start`: no colon before the line end,
    /// or a byte that is not a token character.
    fn name_error(bytes: &[u8], start: usize, line: usize) -> HeaderError {
        let end = find_byte(&bytes[start..], b'\n').map_or(bytes.len(), |i| start + i);
        let content = &bytes[start..end];
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        match find_byte(content, b':') {
            Some(colon) => {
                HeaderError::InvalidName(String::from_utf8_lossy(&content[..colon]).into_owned())
            }
            None => HeaderError::MissingColon { line },
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
    #[inline]
    pub fn get<K: Key>(&self, name: K) -> Option<&HeaderValue> {
        self.position(&name).map(|i| &self.entries[i].value)
    }

    /// The index of the first entry of `name`.
    #[inline]
    fn position<K: Key>(&self, name: &K) -> Option<usize> {
        match name.listed_tag() {
            // Every entry of a listed standard name carries its tag, and no other entry does.
            Some(tag) => self.tags.iter().position(|&t| t == tag),
            None => self.entries.iter().position(|e| e.is(name)),
        }
    }

    fn push(&mut self, entry: Entry) {
        self.tags.push(entry.name.tag());
        self.entries.push(entry);
    }

    /// Every value of `name`, in insertion order.
    pub fn get_all<K: Key>(&self, name: K) -> impl Iterator<Item = &HeaderValue> {
        self.entries
            .iter()
            .filter(move |e| e.is(&name))
            .map(|e| &e.value)
    }

    /// Whether `name` has at least one value.
    pub fn contains_key<K: Key>(&self, name: K) -> bool {
        self.get(name).is_some()
    }

    /// Replaces every value of `name` with `value`, returning the first value it had.
    pub fn insert(&mut self, name: HeaderName, value: HeaderValue) -> Option<HeaderValue> {
        let old = self.remove(&name);
        self.append(name, value);
        old
    }

    /// Adds `value` after the existing values of `name`.
    pub fn append(&mut self, name: HeaderName, value: HeaderValue) {
        self.push(Entry::new(Name::from_header_name(name), value));
    }

    /// Adds a header from text, checking the name and the value: an invalid one is an error and
    /// is not stored.
    pub fn try_append(&mut self, name: &str, value: &str) -> Result<(), HeaderError> {
        // The name as a header line would have it, up to its colon.
        let mut line = Vec::with_capacity(name.len() + 1);
        line.extend_from_slice(name.as_bytes());
        line.push(b':');
        let name = match Name::parse_until_colon(&Bytes::from(line), 0) {
            Ok((Some(parsed), Some(colon))) if colon == name.len() => parsed,
            _ => return Err(HeaderError::InvalidName(name.to_owned())),
        };
        let value = HeaderValue::from_str(value).map_err(|_| HeaderError::InvalidValue {
            name: name.as_str().to_owned(),
        })?;
        self.push(Entry::new(name, value));
        Ok(())
    }

    /// Removes every value of `name`, returning the first.
    pub fn remove<K: Key>(&mut self, name: K) -> Option<HeaderValue> {
        let first = self.position(&name)?;
        self.tags.remove(first);
        let value = self.entries.remove(first).value;
        let mut i = first;
        while i < self.entries.len() {
            if self.entries[i].is(&name) {
                self.tags.remove(i);
                self.entries.remove(i);
            } else {
                i += 1;
            }
        }
        Some(value)
    }

    /// The entries in insertion order, names lowercase.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &HeaderValue)> {
        self.entries.iter().map(|e| (e.name.as_str(), &e.value))
    }

    /// Removes and yields every entry in insertion order.
    pub fn drain(&mut self) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
        self.tags.clear();
        self.entries
            .drain(..)
            .map(|e| (e.name.to_header_name(), e.value))
    }

    fn text<K: Key>(&self, name: K) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Content-Type`, if present and visible ASCII.
    pub fn content_type(&self) -> Option<&str> {
        self.text(&http::header::CONTENT_TYPE)
    }

    /// `Content-Length` as a number; `None` when absent or not a plain decimal number.
    pub fn content_length(&self) -> Option<u64> {
        let value = self.get(&http::header::CONTENT_LENGTH)?.as_bytes();
        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(value).ok()?.parse().ok()
    }

    /// `Accept`, if present and visible ASCII.
    pub fn accept(&self) -> Option<&str> {
        self.text(&http::header::ACCEPT)
    }

    /// `Host`, if present and visible ASCII.
    pub fn host(&self) -> Option<&str> {
        self.text(&http::header::HOST)
    }

    /// `Authorization`, if present and visible ASCII.
    pub fn authorization(&self) -> Option<&str> {
        self.text(&http::header::AUTHORIZATION)
    }

    /// Every `Cookie` header, in order (HTTP/2 clients may split cookies over several).
    pub fn cookies(&self) -> impl Iterator<Item = &str> {
        self.get_all(&http::header::COOKIE)
            .filter_map(|v| v.to_str().ok())
    }

    /// `Connection`, if present and visible ASCII.
    pub fn connection(&self) -> Option<&str> {
        self.text(&http::header::CONNECTION)
    }

    /// `User-Agent`, if present and visible ASCII.
    pub fn user_agent(&self) -> Option<&str> {
        self.text(&http::header::USER_AGENT)
    }
}

/// The first `needle` in `haystack`, eight bytes at a time.
pub(crate) fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let pattern = LOW * u64::from(needle);
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let x = word ^ pattern;
        // A zero byte of `x` is a match. The lowest flagged byte is always a real match: a
        // false flag can only appear above a real one.
        let found = x.wrapping_sub(LOW) & !x & HIGH;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|i| offset + i)
}

impl Extend<(HeaderName, HeaderValue)> for HeaderMap {
    fn extend<I: IntoIterator<Item = (HeaderName, HeaderValue)>>(&mut self, iter: I) {
        for (name, value) in iter {
            self.append(name, value);
        }
    }
}

impl FromIterator<(HeaderName, HeaderValue)> for HeaderMap {
    fn from_iter<I: IntoIterator<Item = (HeaderName, HeaderValue)>>(iter: I) -> Self {
        let mut map = HeaderMap::new();
        map.extend(iter);
        map
    }
}

impl From<http::HeaderMap> for HeaderMap {
    fn from(map: http::HeaderMap) -> Self {
        let mut out = HeaderMap::with_capacity(map.len());
        let mut last: Option<HeaderName> = None;
        for (name, value) in map {
            // `http::HeaderMap`'s owning iterator names each key once, before its first value.
            if let Some(name) = name {
                last = Some(name);
            }
            if let Some(name) = &last {
                out.append(name.clone(), value);
            }
        }
        out
    }
}

impl From<HeaderMap> for http::HeaderMap {
    fn from(mut map: HeaderMap) -> Self {
        let mut out = http::HeaderMap::with_capacity(map.len());
        for (name, value) in map.drain() {
            out.append(name, value);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::find_byte;

    #[test]
    fn find_byte_agrees_with_a_plain_scan() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..70 {
            for _ in 0..50 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        // Few distinct bytes, so that matches and near-matches (0x0a ± 1, 0x8a)
                        // are common.
                        [b'\n', b'\x0b', b'\x09', b'\x8a', b'a', 0, 0xff][(seed % 7) as usize]
                    })
                    .collect();
                for needle in [b'\n', b':', 0, 0xff] {
                    let plain = bytes.iter().position(|&b| b == needle);
                    assert_eq!(find_byte(&bytes, needle), plain, "{bytes:?} {needle}");
                }
            }
        }
    }
}
