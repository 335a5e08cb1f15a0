//! The borrowed view of a value that a lookup returns.

use std::fmt;

use bytes::Bytes;
use http::header::HeaderValue;

use crate::error::ToStrError;

/// A header value in a [`HeaderMap`](crate::HeaderMap), borrowed: its bytes, which hold no
/// control character but tab and no DEL (the rules of `http::HeaderValue`).
///
/// A parsed map keeps its values as ranges of the head it was parsed from, so a lookup returns
/// this view rather than `&http::HeaderValue`; [`ValueRef::to_header_value`] gives one that
/// shares the head's buffer.
#[derive(Clone, Copy)]
pub struct ValueRef<'a> {
    bytes: &'a [u8],
    owner: Owner<'a>,
}

/// What a view's bytes belong to.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Head(&'a Bytes),
    Stored(&'a HeaderValue),
}

impl<'a> ValueRef<'a> {
    /// `bytes`, a checked value in the parsed `head`.
    #[inline]
    pub(crate) fn in_head(bytes: &'a [u8], head: &'a Bytes) -> Self {
        ValueRef {
            bytes,
            owner: Owner::Head(head),
        }
    }

    /// An added value.
    #[inline]
    pub(crate) fn stored(value: &'a HeaderValue) -> Self {
        ValueRef {
            bytes: value.as_bytes(),
            owner: Owner::Stored(value),
        }
    }

    /// The value's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The value as text, if it is visible ASCII (tab allowed), as `http::HeaderValue::to_str`.
    #[inline]
    pub fn to_str(&self) -> Result<&'a str, ToStrError> {
        if self
            .bytes
            .iter()
            .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
        {
            // Visible ASCII is UTF-8.
            std::str::from_utf8(self.bytes).map_err(|_| ToStrError)
        } else {
            Err(ToStrError)
        }
    }

    /// The value's length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the value is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether the value was added as a sensitive `http::HeaderValue` (parsed values never are).
    pub fn is_sensitive(&self) -> bool {
        match self.owner {
            Owner::Head(_) => false,
            Owner::Stored(value) => value.is_sensitive(),
        }
    }

    /// The value as an `http::HeaderValue`: a parsed value shares the head's buffer (no copy),
    /// an added one is cloned.
    pub fn to_header_value(&self) -> HeaderValue {
        match self.owner {
            Owner::Head(head) => crate::entry::from_head(head.slice_ref(self.bytes)),
            Owner::Stored(value) => value.clone(),
        }
    }
}

impl AsRef<[u8]> for ValueRef<'_> {
    fn as_ref(&self) -> &[u8] {
        self.bytes
    }
}

/// Like `http::HeaderValue`'s: the text in quotes, or `Sensitive`.
impl fmt::Debug for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_sensitive() {
            f.write_str("Sensitive")
        } else {
            write!(f, "\"{}\"", self.bytes.escape_ascii())
        }
    }
}

/// Views are equal when their bytes are.
impl PartialEq for ValueRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for ValueRef<'_> {}

impl std::hash::Hash for ValueRef<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl PartialEq<str> for ValueRef<'_> {
    fn eq(&self, other: &str) -> bool {
        self.bytes == other.as_bytes()
    }
}

impl PartialEq<&str> for ValueRef<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<[u8]> for ValueRef<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        self.bytes == other
    }
}

impl PartialEq<HeaderValue> for ValueRef<'_> {
    fn eq(&self, other: &HeaderValue) -> bool {
        self.bytes == other.as_bytes()
    }
}

impl PartialEq<&HeaderValue> for ValueRef<'_> {
    fn eq(&self, other: &&HeaderValue) -> bool {
        *self == **other
    }
}
