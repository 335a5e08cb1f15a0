//! How a map keeps its entries: each is plain data (where its name and value are), and the
//! bytes live in a [`Store`]: the parsed head, lowercase copies of its names with capitals, and
//! what was added as `http` types. Moving, cloning or dropping entries costs no per-entry work.

use std::mem::ManuallyDrop;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use smallvec::SmallVec;

use crate::name::{self, key::Sealed};
use crate::value::ValueRef;

/// The longest head a map parses, in bytes: a span's start keeps the kind of its location in
/// the top two bits of its 32 ([`Entry`]).
pub(crate) const MAX_HEAD: usize = (1 << 30) - 1;

/// A range of a byte buffer of at most [`MAX_HEAD`] bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// `start..end`, which the caller has checked to be at most [`MAX_HEAD`].
    #[inline]
    pub(crate) fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    #[inline]
    fn of(self, bytes: &[u8]) -> &[u8] {
        &bytes[self.start as usize..self.end as usize]
    }
}

/// Where a lowercase name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameLoc {
    /// A listed standard name, by tag.
    Standard(u8),
    /// In the head, as it arrived (lowercase).
    Head(Span),
    /// In the store's lowercase copies.
    Lower(Span),
    /// An added `HeaderName`, by index in the store.
    Stored(u32),
}

impl NameLoc {
    /// The tag a lookup by a listed standard name scans for: the name's, or
    /// [`name::CUSTOM_TAG`].
    #[inline]
    pub(crate) fn tag(self) -> u8 {
        match self {
            NameLoc::Standard(tag) => tag,
            _ => name::CUSTOM_TAG,
        }
    }

    /// The location as one word ([`Packed`]).
    #[inline]
    fn pack(self) -> Packed {
        match self {
            NameLoc::Head(span) => Packed::span(0, span),
            NameLoc::Lower(span) => Packed::span(1, span),
            NameLoc::Standard(tag) => Packed::other(2, u32::from(tag)),
            NameLoc::Stored(i) => Packed::other(3, i),
        }
    }

    /// The location that [`NameLoc::pack`] made `packed` from.
    #[inline]
    fn unpack(packed: Packed) -> Self {
        match packed.kind() {
            0 => NameLoc::Head(packed.as_span()),
            1 => NameLoc::Lower(packed.as_span()),
            2 => NameLoc::Standard(packed.high() as u8),
            _ => NameLoc::Stored(packed.high()),
        }
    }
}

/// Where a value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValueLoc {
    /// In the head, checked when parsed.
    Head(Span),
    /// An added `HeaderValue`, by index in the store.
    Stored(u32),
}

impl ValueLoc {
    /// The location as one word ([`Packed`]).
    #[inline]
    fn pack(self) -> Packed {
        match self {
            ValueLoc::Head(span) => Packed::span(0, span),
            ValueLoc::Stored(i) => Packed::other(3, i),
        }
    }

    /// The location that [`ValueLoc::pack`] made `packed` from.
    #[inline]
    fn unpack(packed: Packed) -> Self {
        match packed.kind() {
            0 => ValueLoc::Head(packed.as_span()),
            _ => ValueLoc::Stored(packed.high()),
        }
    }
}

/// A location in eight bytes: the low half holds the kind of location in its top two bits and
/// a span's start in the others; the high half a span's end, a tag or an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed(u64);

impl Packed {
    #[inline]
    fn span(kind: u32, span: Span) -> Self {
        Packed(u64::from(kind << 30 | span.start) | u64::from(span.end) << 32)
    }

    #[inline]
    fn other(kind: u32, high: u32) -> Self {
        Packed(u64::from(kind << 30) | u64::from(high) << 32)
    }

    #[inline]
    fn kind(self) -> u32 {
        self.0 as u32 >> 30
    }

    #[inline]
    fn high(self) -> u32 {
        (self.0 >> 32) as u32
    }

    #[inline]
    fn as_span(self) -> Span {
        Span {
            start: self.0 as u32 & ((1 << 30) - 1),
            end: self.high(),
        }
    }
}

/// A stored header: where its name and its value are, sixteen bytes of plain data.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    name: Packed,
    value: Packed,
}

impl Entry {
    /// The entry of a name and a value at these locations.
    #[inline]
    pub(crate) fn new(name: NameLoc, value: ValueLoc) -> Self {
        Entry {
            name: name.pack(),
            value: value.pack(),
        }
    }

    /// Where the name is.
    #[inline]
    pub(crate) fn name(self) -> NameLoc {
        NameLoc::unpack(self.name)
    }

    /// Where the value is.
    #[inline]
    pub(crate) fn value(self) -> ValueLoc {
        ValueLoc::unpack(self.value)
    }

    /// Whether the name is at `loc`: one compare.
    #[inline]
    pub(crate) fn has_name(self, loc: NameLoc) -> bool {
        self.name == loc.pack()
    }
}

/// An added name or value.
#[derive(Clone)]
enum Stored {
    Name(HeaderName),
    Value(HeaderValue),
    /// Moved out by [`Store::into_http`].
    Taken,
}

/// How many blocks of lowercase names a map keeps without an allocation.
pub(crate) const LOWER_INLINE: usize = 1;

/// Lowercase copies of names, each from the start of a block of sixteen bytes: a name of up to
/// sixteen bytes is added as one block, in one write.
pub(crate) type Lowercase = SmallVec<[[u8; 16]; LOWER_INLINE]>;

/// The bytes behind a map's entries.
#[derive(Clone, Default)]
pub(crate) struct Store {
    /// The parsed head; empty for a map built by appends.
    pub(crate) head: Bytes,
    /// Lowercase copies of the head's custom names that arrived with capitals.
    lower: Lowercase,
    /// Names and values added as `http` types. Dropped by `Store`'s `Drop`, which calls the
    /// vector's drop only when it has allocated: a parsed map has nothing stored, and the call
    /// cost more than the rest of its drop.
    stored: ManuallyDrop<Vec<Stored>>,
}

impl Drop for Store {
    #[inline]
    fn drop(&mut self) {
        if self.stored.capacity() != 0 {
            drop(ManuallyDrop::into_inner(std::mem::take(&mut self.stored)));
        }
    }
}

impl Store {
    /// The store of a parsed `head`, with `lower` filled by [`Store::lower`].
    pub(crate) fn parsed(head: Bytes, lower: Lowercase) -> Self {
        Store {
            head,
            lower,
            stored: ManuallyDrop::default(),
        }
    }

    /// The lowercase bytes of the name at `loc`.
    #[inline]
    pub(crate) fn name(&self, loc: NameLoc) -> &[u8] {
        match loc {
            NameLoc::Standard(tag) => name::text(tag),
            NameLoc::Head(span) => span.of(&self.head),
            NameLoc::Lower(span) => span.of(self.lower.as_flattened()),
            NameLoc::Stored(i) => self.stored_name(i).as_str().as_bytes(),
        }
    }

    fn stored_name(&self, i: u32) -> &HeaderName {
        match &self.stored[i as usize] {
            Stored::Name(name) => name,
            _ => unreachable!("a name's index holds a name"),
        }
    }

    /// The name at `loc` as text (names are ASCII tokens).
    pub(crate) fn name_str(&self, loc: NameLoc) -> &str {
        std::str::from_utf8(self.name(loc)).unwrap_or_default()
    }

    /// The value at `loc`.
    #[inline]
    pub(crate) fn value(&self, loc: ValueLoc) -> ValueRef<'_> {
        match loc {
            ValueLoc::Head(span) => ValueRef::in_head(span.of(&self.head), &self.head),
            ValueLoc::Stored(i) => match &self.stored[i as usize] {
                Stored::Value(value) => ValueRef::stored(value),
                _ => unreachable!("a value's index holds a value"),
            },
        }
    }

    /// The name at `loc` as an `http` name.
    pub(crate) fn header_name(&self, loc: NameLoc) -> HeaderName {
        match loc {
            NameLoc::Standard(tag) => name::constant(tag).clone(),
            NameLoc::Stored(i) => self.stored_name(i).clone(),
            _ => HeaderName::from_bytes(self.name(loc)).expect("a checked lowercase token"),
        }
    }

    /// Adds the lowercase form of `bytes`, a custom name of the head with capitals, to what
    /// will be the store's `lower`; `lowered` is its first sixteen bytes already lowercased,
    /// if the name is no longer.
    pub(crate) fn lower(lower: &mut Lowercase, bytes: &[u8], lowered: Option<[u64; 2]>) -> NameLoc {
        let start = lower.len() * 16;
        match lowered {
            Some([a, b]) => {
                debug_assert!(bytes.len() <= 16, "a lowered block holds a whole name");
                let mut block = [0; 16];
                block[..8].copy_from_slice(&a.to_le_bytes());
                block[8..].copy_from_slice(&b.to_le_bytes());
                lower.push(block);
            }
            None => {
                for chunk in bytes.chunks(16) {
                    let mut block = [0; 16];
                    block[..chunk.len()].copy_from_slice(chunk);
                    block.make_ascii_lowercase();
                    lower.push(block);
                }
            }
        }
        NameLoc::Lower(Span::new(start, start + bytes.len()))
    }

    /// Where an added `http` name goes: a listed one is a tag, any other is stored.
    pub(crate) fn add_name(&mut self, name: HeaderName) -> NameLoc {
        // By `http`'s index, not by text: `http` keeps every name it knows as its index.
        match name.listed_tag() {
            Some(tag) => NameLoc::Standard(tag),
            None => NameLoc::Stored(self.push(Stored::Name(name))),
        }
    }

    /// Stores an added value.
    pub(crate) fn add_value(&mut self, value: HeaderValue) -> ValueLoc {
        ValueLoc::Stored(self.push(Stored::Value(value)))
    }

    fn push(&mut self, item: Stored) -> u32 {
        if self.stored.capacity() == 0 {
            // A map that gets one added value usually gets several (a response's headers).
            self.stored.reserve(crate::INLINE_HEADERS);
        }
        self.stored.push(item);
        (self.stored.len() - 1) as u32
    }

    /// Frees what `entry` stored (it has already left `entries`) and returns its value.
    pub(crate) fn release(&mut self, entry: Entry, entries: &mut [Entry]) -> HeaderValue {
        let name = match entry.name() {
            NameLoc::Stored(i) => Some(i),
            _ => None,
        };
        match entry.value() {
            ValueLoc::Head(span) => {
                if let Some(i) = name {
                    self.take(i, entries);
                }
                self.head_value(span)
            }
            ValueLoc::Stored(v) => {
                // The higher index first: its removal moves only an item above both.
                if let Some(i) = name.filter(|&i| i > v) {
                    self.take(i, entries);
                }
                let value = self.take(v, entries);
                if let Some(i) = name.filter(|&i| i < v) {
                    self.take(i, entries);
                }
                match value {
                    Stored::Value(value) => value,
                    _ => unreachable!("a value's index holds a value"),
                }
            }
        }
    }

    /// Takes stored item `i` out with `swap_remove`, repointing the entry of the item that moves.
    fn take(&mut self, i: u32, entries: &mut [Entry]) -> Stored {
        let last = (self.stored.len() - 1) as u32;
        let item = self.stored.swap_remove(i as usize);
        if i != last {
            for entry in entries.iter_mut() {
                if entry.has_name(NameLoc::Stored(last)) {
                    entry.name = NameLoc::Stored(i).pack();
                }
                if entry.value == ValueLoc::Stored(last).pack() {
                    entry.value = ValueLoc::Stored(i).pack();
                }
            }
        }
        item
    }

    /// Every entry of `entries`, in order, as `http` types: added names and values are moved
    /// out, the head's are shared.
    pub(crate) fn into_http(
        mut self,
        entries: impl Iterator<Item = Entry>,
    ) -> impl Iterator<Item = (HeaderName, HeaderValue)> {
        entries.map(move |entry| {
            let name = match entry.name() {
                NameLoc::Stored(i) => match self.take_at(i) {
                    Stored::Name(name) => name,
                    _ => unreachable!("a name's index holds a name"),
                },
                loc => self.header_name(loc),
            };
            let value = match entry.value() {
                ValueLoc::Stored(i) => match self.take_at(i) {
                    Stored::Value(value) => value,
                    _ => unreachable!("a value's index holds a value"),
                },
                ValueLoc::Head(span) => self.head_value(span),
            };
            (name, value)
        })
    }

    fn take_at(&mut self, i: u32) -> Stored {
        std::mem::replace(&mut self.stored[i as usize], Stored::Taken)
    }

    /// The head's value at `span` as an `http` value, sharing the head's buffer.
    fn head_value(&self, span: Span) -> HeaderValue {
        from_head(self.head.slice(span.start as usize..span.end as usize))
    }
}

/// A header value from a parsed head, which `parse` checked byte by byte.
pub(crate) fn from_head(bytes: Bytes) -> HeaderValue {
    HeaderValue::from_maybe_shared(bytes).expect("a value of a parsed head was checked")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of location comes back from its word as it went in, at the limits of its
    /// fields.
    #[test]
    fn locations_round_trip_through_their_packed_words() {
        let spans = [
            Span::new(0, 0),
            Span::new(3, 17),
            Span::new(MAX_HEAD, MAX_HEAD),
            Span::new(0, MAX_HEAD),
        ];
        let mut names = vec![
            NameLoc::Standard(0),
            NameLoc::Standard(name::CUSTOM_TAG - 1),
            NameLoc::Stored(0),
            NameLoc::Stored(u32::MAX),
        ];
        names.extend(
            spans
                .iter()
                .flat_map(|&s| [NameLoc::Head(s), NameLoc::Lower(s)]),
        );
        let mut values = vec![ValueLoc::Stored(0), ValueLoc::Stored(u32::MAX)];
        values.extend(spans.iter().map(|&s| ValueLoc::Head(s)));
        for &name in &names {
            for &value in &values {
                let entry = Entry::new(name, value);
                assert_eq!((entry.name(), entry.value()), (name, value));
                for &other in &names {
                    assert_eq!(entry.has_name(other), other == name);
                }
            }
        }
    }
}
