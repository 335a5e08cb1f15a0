//! The map: entries in insertion order, inline up to [`INLINE_HEADERS`], found by a linear scan.

use std::fmt;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use smallvec::SmallVec;

use crate::entry::{Entry, MAX_HEAD, NameLoc, Span, Store, ValueLoc};
use crate::error::HeaderError;
use crate::name::{self, Key, Read};
use crate::scan::{self, find_byte, find_control};
use crate::value::ValueRef;

/// How many entries a map keeps inline: a parsed map of up to this many headers needs no heap.
/// Chosen by the `headers` benchmark (docs/performance.md): requests carry 5 to 15 headers.
pub const INLINE_HEADERS: usize = 8;

/// An ordered multimap from header names to values, searched linearly.
///
/// Names are stored lowercase (standard names as `http::HeaderName` constants, compared by tag);
/// a name may have several values, kept in insertion order. A parsed map keeps its names and
/// values as ranges of the head it was parsed from; values added later are `http::HeaderValue`s.
/// Lookups return a [`ValueRef`] either way.
// `repr(C)`, the tags first, then the store with the head: a lookup's first reads are then near
// the start of the map, in the first blocks that a copy of the map (its return from `parse`)
// writes; measured faster for build and lookups than the compiler's order, which put the tags
// last (docs/performance.md).
#[derive(Clone, Default)]
#[repr(C)]
pub struct HeaderMap {
    /// The tags of the inline entries: a lookup by one of the standard names looks for its tag
    /// here, eight entries at once.
    tags: Tags,
    /// The bytes the entries point to.
    store: Store,
    entries: SmallVec<[Entry; INLINE_HEADERS]>,
}

/// One tag byte per inline entry (`NameLoc::tag`), [`name::CUSTOM_TAG`] past the last: read as
/// one word, finding a tag is one zero-byte test.
#[derive(Clone, Copy)]
struct Tags([u8; INLINE_HEADERS]);

impl Default for Tags {
    fn default() -> Self {
        Tags([name::CUSTOM_TAG; INLINE_HEADERS])
    }
}

const _: () = assert!(INLINE_HEADERS == 8 && name::CUSTOM_TAG == 0xff);

impl Tags {
    /// The tags of the first entries of `entries`.
    fn of(entries: &[Entry]) -> Self {
        let mut tags = Tags::default();
        for (i, entry) in entries.iter().enumerate().take(INLINE_HEADERS) {
            tags.set(i, entry.name().tag());
        }
        tags
    }

    /// Sets entry `i`'s tag, if it is an inline entry.
    #[inline]
    fn set(&mut self, i: usize, tag: u8) {
        if let Some(slot) = self.0.get_mut(i) {
            *slot = tag;
        }
    }

    /// The first inline entry with `tag` (never `CUSTOM_TAG`).
    #[inline]
    fn find(self, tag: u8) -> Option<usize> {
        crate::scan::find_in_word(u64::from_le_bytes(self.0), tag)
    }
}

impl fmt::Debug for HeaderMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Two maps are equal when every name has the same values in the same order; the order of
/// different names does not matter (as for `http::HeaderMap`).
impl PartialEq for HeaderMap {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(name, _)| self.get_all(name).eq(other.get_all(name)))
    }
}

impl Eq for HeaderMap {}

impl HeaderMap {
    /// An empty map. It allocates nothing until a header is added: added `http` names and values
    /// are kept in one vector (reserved for eight), while the entries stay inline up to
    /// [`INLINE_HEADERS`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty map with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: SmallVec::with_capacity(capacity),
            tags: Tags::default(),
            store: Store::default(),
        }
    }

    /// Parses a raw header block: `name: value` lines ended by `\r\n` (or `\n`), up to an empty
    /// line or the end. The map keeps `raw` and points into it: no value (nor lowercase custom
    /// name) is copied.
    ///
    /// A malformed line is a [`HeaderError`]; so is a block of 1 GiB or more
    /// ([`HeaderError::TooLarge`]).
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
        if raw.len() > MAX_HEAD {
            return Err(HeaderError::TooLarge { len: raw.len() });
        }
        let mut entries = SmallVec::new();
        let mut tags = Tags::default();
        let mut lower = SmallVec::new();
        let bytes: &[u8] = &raw;
        let mut start = 0;
        while start < bytes.len() {
            // `control`: the line's first control byte, its end, a tab in its value, or an error.
            let scan::Line {
                end: control,
                colon,
                first: words,
            } = scan::line(bytes, start);
            if control == start && matches!(bytes[start..], [b'\n', ..] | [b'\r', b'\n', ..]) {
                break; // the empty line that ends the head
            }
            let read = if colon < control {
                name::read(bytes, start, colon, words)
            } else {
                None // no colon before the line end, or a control byte in the name
            };
            let Some(read) = read else {
                return Err(name_error(bytes, start));
            };
            let name = match read {
                Read::Standard(tag) => NameLoc::Standard(tag),
                Read::Lowercase => NameLoc::Head(Span::new(start, colon)),
                Read::Capitals(lowered) => Store::lower(&mut lower, &bytes[start..colon], lowered),
            };
            // The value ends at `\r\n` or `\n`, past any tab; any other control byte is an
            // error. Then the spaces around it are cut.
            let mut at = control;
            let (mut v_end, next) = loop {
                // The usual end first.
                if bytes.get(at..at + 2) == Some(b"\r\n") {
                    break (at, at + 2);
                }
                match (bytes.get(at), bytes.get(at + 1)) {
                    (None, _) => break (at, at),
                    (Some(b'\t'), _) => {
                        at += 1;
                        at = find_control(&bytes[at..]).map_or(bytes.len(), |i| at + i);
                    }
                    (Some(b'\n'), _) | (Some(b'\r'), None) => break (at, at + 1),
                    _ => {
                        let name = String::from_utf8_lossy(&bytes[start..colon]);
                        return Err(HeaderError::InvalidValue {
                            name: name.to_ascii_lowercase(),
                        });
                    }
                }
            };
            let value = &bytes[..v_end];
            let mut v_start = colon + 1;
            while let Some(b' ' | b'\t') = value.get(v_start) {
                v_start += 1;
            }
            while v_end > v_start && matches!(value[v_end - 1], b' ' | b'\t') {
                v_end -= 1;
            }
            tags.set(entries.len(), name.tag());
            entries.push(Entry::new(name, ValueLoc::Head(Span::new(v_start, v_end))));
            start = next;
        }
        Ok(HeaderMap {
            entries,
            tags,
            store: Store::parsed(raw, lower),
        })
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
    #[inline(always)]
    pub fn get<K: Key>(&self, name: K) -> Option<ValueRef<'_>> {
        self.position(&name)
            .map(|i| self.store.value(self.entries[i].value()))
    }

    /// Whether the entry at `i` has the name `key` (whose tag, if listed, is `tag`).
    #[inline]
    fn is<K: Key>(&self, i: usize, key: &K, tag: Option<u8>) -> bool {
        match tag {
            // Every entry of a listed standard name carries its tag, and no other entry does.
            Some(tag) => self.entries[i].has_name(NameLoc::Standard(tag)),
            None => key.matches_name(self.store.name(self.entries[i].name())),
        }
    }

    /// The index of the first entry of `name`: a scan of the tag bytes for a listed standard
    /// name, else a comparison of names (kept out of line, so that `get` by a constant inlines).
    #[inline]
    fn position<K: Key>(&self, name: &K) -> Option<usize> {
        match name.listed_tag() {
            Some(tag) => self.tags.find(tag).or_else(|| {
                // Tested here, so that a missing name in a small map makes no call.
                (self.entries.len() > INLINE_HEADERS)
                    .then(|| self.position_past_inline(tag))
                    .flatten()
            }),
            None => self.position_by_name(name),
        }
    }

    /// The first entry of the listed name `tag` past the inline ones.
    #[inline(never)]
    fn position_past_inline(&self, tag: u8) -> Option<usize> {
        let past = self.entries.get(INLINE_HEADERS..)?;
        let i = past
            .iter()
            .position(|e| e.has_name(NameLoc::Standard(tag)))?;
        Some(INLINE_HEADERS + i)
    }

    #[inline(never)]
    fn position_by_name<K: Key>(&self, name: &K) -> Option<usize> {
        (0..self.len()).find(|&i| self.is(i, name, None))
    }

    fn push(&mut self, name: NameLoc, value: ValueLoc) {
        self.tags.set(self.entries.len(), name.tag());
        self.entries.push(Entry::new(name, value));
    }

    /// Every value of `name`, in insertion order.
    pub fn get_all<K: Key>(&self, name: K) -> impl Iterator<Item = ValueRef<'_>> {
        let tag = name.listed_tag();
        (0..self.len())
            .filter(move |&i| self.is(i, &name, tag))
            .map(|i| self.store.value(self.entries[i].value()))
    }

    /// Whether `name` has at least one value.
    pub fn contains_key<K: Key>(&self, name: K) -> bool {
        self.position(&name).is_some()
    }

    /// Replaces every value of `name` with `value`, returning the first value it had.
    pub fn insert(&mut self, name: HeaderName, value: HeaderValue) -> Option<HeaderValue> {
        let old = self.remove(&name);
        self.append(name, value);
        old
    }

    /// Adds `value` after the existing values of `name`.
    pub fn append(&mut self, name: HeaderName, value: HeaderValue) {
        let name = self.store.add_name(name);
        let value = self.store.add_value(value);
        self.push(name, value);
    }

    /// Adds a header from text, checking the name and the value: an invalid one is an error and
    /// is not stored.
    pub fn try_append(&mut self, name: &str, value: &str) -> Result<(), HeaderError> {
        // `http` checks a name against the same token characters, and lowercases it.
        let parsed = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| HeaderError::InvalidName(name.into()))?;
        let value = HeaderValue::from_str(value).map_err(|_| HeaderError::InvalidValue {
            name: parsed.as_str().to_owned(),
        })?;
        self.append(parsed, value);
        Ok(())
    }

    /// Removes every value of `name`, returning the first.
    pub fn remove<K: Key>(&mut self, name: K) -> Option<HeaderValue> {
        let tag = name.listed_tag();
        let mut i = self.position(&name)?;
        let mut first = None;
        while i < self.len() {
            if self.is(i, &name, tag) {
                let entry = self.entries.remove(i);
                let value = self.store.release(entry, &mut self.entries);
                first.get_or_insert(value);
            } else {
                i += 1;
            }
        }
        self.tags = Tags::of(&self.entries);
        first
    }

    /// The entries in insertion order, names lowercase.
    pub fn iter(&self) -> impl Iterator<Item = (&str, ValueRef<'_>)> {
        self.entries
            .iter()
            .map(|e| (self.store.name_str(e.name()), self.store.value(e.value())))
    }

    /// Removes and yields every entry in insertion order.
    pub fn drain(&mut self) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
        self.tags = Tags::default();
        let entries = std::mem::take(&mut self.entries);
        std::mem::take(&mut self.store).into_http(entries.into_iter())
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

/// The error for the malformed name of the line at `start`: no colon before the line end, or a
/// byte that is not a token character.
fn name_error(bytes: &[u8], start: usize) -> HeaderError {
    let end = find_byte(&bytes[start..], b'\n').map_or(bytes.len(), |i| start + i);
    let content = &bytes[start..end];
    let content = content.strip_suffix(b"\r").unwrap_or(content);
    match find_byte(content, b':') {
        Some(colon) => {
            HeaderError::InvalidName(String::from_utf8_lossy(&content[..colon]).into_owned())
        }
        None => HeaderError::MissingColon {
            line: 1 + bytes[..start].iter().filter(|&&b| b == b'\n').count(),
        },
    }
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
