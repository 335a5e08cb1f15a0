//! Parameters captured by a match.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// The most parameters kept as inline spans (by the match cache and the app); routes with more
/// are rare and not cached.
pub(crate) const INLINE_SPANS: usize = 4;

/// The byte ranges of a match's parameter values within the path, up to [`INLINE_SPANS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Spans {
    pub(crate) spans: [(u32, u32); INLINE_SPANS],
    pub(crate) len: u8,
}

impl Spans {
    fn as_slice(&self) -> &[(u32, u32)] {
        &self.spans[..usize::from(self.len)]
    }
}

/// The spans of a match: inline, or on the heap for routes of more than [`INLINE_SPANS`]
/// parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SpanList {
    Inline(Spans),
    Heap(Box<[(u32, u32)]>),
}

impl SpanList {
    pub(crate) const EMPTY: SpanList = SpanList::Inline(Spans {
        spans: [(0, 0); INLINE_SPANS],
        len: 0,
    });

    fn push(&mut self, start: usize, end: usize) -> Option<()> {
        let span = (u32::try_from(start).ok()?, u32::try_from(end).ok()?);
        match self {
            SpanList::Inline(inline) if usize::from(inline.len) < INLINE_SPANS => {
                inline.spans[usize::from(inline.len)] = span;
                inline.len += 1;
            }
            SpanList::Inline(inline) => {
                let mut heap = inline.as_slice().to_vec();
                heap.push(span);
                *self = SpanList::Heap(heap.into());
            }
            SpanList::Heap(heap) => {
                let mut grown = heap.to_vec();
                grown.push(span);
                *heap = grown.into();
            }
        }
        Some(())
    }

    pub(crate) fn as_slice(&self) -> &[(u32, u32)] {
        match self {
            SpanList::Inline(inline) => inline.as_slice(),
            SpanList::Heap(heap) => heap,
        }
    }
}

/// A piece of a route pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// Literal bytes: their length, and how many come before the first `/` (a parameter's
    /// suffix within its segment, as in `{name}.png`).
    Literal {
        len: u32,
        head: u32,
    },
    Param,
    CatchAll,
}

/// The index of the `}` that closes the parameter opened at `open`; inside a name, `}}` is an
/// escaped brace. The route's length when it is not closed (the trie rejects such routes).
pub(crate) fn param_end(route: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < route.len() {
        match route[i] {
            b'}' if route.get(i + 1) == Some(&b'}') => i += 2,
            b'{' if route.get(i + 1) == Some(&b'{') => i += 2,
            b'}' => return i,
            _ => i += 1,
        }
    }
    route.len()
}

/// A route pattern compiled for taking parameter spans out of a path it matched.
///
/// matchit tells which route a path matches; its own parameter list re-validates UTF-8 on every
/// read. Knowing the path matches, the spans follow from the pattern with a scan for `/` per
/// parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pattern {
    pieces: Vec<Piece>,
}

impl Pattern {
    pub(crate) fn compile(route: &str) -> Self {
        let bytes = route.as_bytes();
        let mut pieces = Vec::new();
        let (mut len, mut head, mut in_head) = (0u32, 0u32, true);
        let flush = |pieces: &mut Vec<Piece>, len: &mut u32, head: &mut u32, in_head: &mut bool| {
            if *len > 0 {
                pieces.push(Piece::Literal {
                    len: *len,
                    head: *head,
                });
            }
            (*len, *head, *in_head) = (0, 0, true);
        };
        let mut i = 0;
        while i < bytes.len() {
            let escaped = matches!(&bytes[i..], [b'{', b'{', ..] | [b'}', b'}', ..]);
            if bytes[i] == b'{' && !escaped {
                flush(&mut pieces, &mut len, &mut head, &mut in_head);
                let catch_all = bytes.get(i + 1) == Some(&b'*');
                pieces.push(if catch_all {
                    Piece::CatchAll
                } else {
                    Piece::Param
                });
                i = param_end(bytes, i) + 1;
                continue;
            }
            if bytes[i] == b'/' {
                in_head = false;
            }
            len += 1;
            if in_head {
                head += 1;
            }
            i += if escaped { 2 } else { 1 };
        }
        flush(&mut pieces, &mut len, &mut head, &mut in_head);
        Self { pieces }
    }

    /// The spans of the parameters in `path`, which must match this pattern; `None` for a path
    /// that does not fit it.
    #[inline]
    pub(crate) fn spans(&self, path: &str) -> Option<SpanList> {
        let bytes = path.as_bytes();
        let mut out = SpanList::EMPTY;
        let mut pos = 0usize;
        for (i, piece) in self.pieces.iter().enumerate() {
            match *piece {
                Piece::Literal { len, .. } => pos += len as usize,
                Piece::Param => {
                    let rest = bytes.get(pos..)?;
                    let segment_end = rest
                        .iter()
                        .position(|&b| b == b'/')
                        .map_or(bytes.len(), |e| pos + e);
                    let suffix = match self.pieces.get(i + 1) {
                        Some(Piece::Literal { head, .. }) => *head as usize,
                        _ => 0,
                    };
                    let end = segment_end.checked_sub(suffix).filter(|&end| end >= pos)?;
                    out.push(pos, end)?;
                    pos = end;
                }
                Piece::CatchAll => {
                    out.push(pos, bytes.len())?;
                    pos = bytes.len();
                }
            }
        }
        (pos == bytes.len()).then_some(out)
    }
}

/// The parameters of a matched route, in the order they appear in the path.
///
/// Values are the raw (still percent-encoded) slices of the looked-up path, so an encoded `/`
/// (`%2F`) never splits a segment; [`Params::decoded`] decodes one. Keys borrow from the
/// router. Routes of up to four parameters allocate nothing.
#[derive(Debug, Clone)]
pub struct Params<'r, 'p> {
    names: &'r [Box<str>],
    path: &'p str,
    spans: SpanList,
}

impl<'r, 'p> Params<'r, 'p> {
    pub(crate) fn new(names: &'r [Box<str>], path: &'p str, spans: SpanList) -> Self {
        Self { names, path, spans }
    }

    /// The raw value of the parameter `key`, if the route has one of that name.
    pub fn get(&self, key: &str) -> Option<&'p str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The percent-decoded value of `key`: borrowed when it has no `%`. `None` when there is
    /// no such parameter or it is not UTF-8 once decoded.
    pub fn decoded(&self, key: &str) -> Option<Cow<'p, str>> {
        percent_decode_str(self.get(key)?).decode_utf8().ok()
    }

    /// The value at `index` in path order.
    pub(crate) fn nth(&self, index: usize) -> Option<&'p str> {
        self.iter().nth(index).map(|(_, v)| v)
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.spans.as_slice().len()
    }

    /// Whether the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `(key, value)` pairs in path order.
    pub fn iter(&self) -> ParamsIter<'_, 'r, 'p> {
        ParamsIter {
            names: self.names.iter(),
            path: self.path,
            spans: self.spans.as_slice().iter(),
        }
    }
}

impl<'a, 'r, 'p> IntoIterator for &'a Params<'r, 'p> {
    type Item = (&'r str, &'p str);
    type IntoIter = ParamsIter<'a, 'r, 'p>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// An iterator over the `(key, value)` pairs of [`Params`], in path order.
#[derive(Debug)]
pub struct ParamsIter<'a, 'r, 'p> {
    names: std::slice::Iter<'r, Box<str>>,
    path: &'p str,
    spans: std::slice::Iter<'a, (u32, u32)>,
}

impl<'r, 'p> Iterator for ParamsIter<'_, 'r, 'p> {
    type Item = (&'r str, &'p str);

    fn next(&mut self) -> Option<Self::Item> {
        let name = self.names.next()?;
        let &(start, end) = self.spans.next()?;
        Some((&**name, self.path.get(start as usize..end as usize)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(route: &str, path: &str) -> Option<Vec<(u32, u32)>> {
        Pattern::compile(route)
            .spans(path)
            .map(|s| s.as_slice().to_vec())
    }

    #[test]
    fn spans_follow_the_pattern() {
        assert_eq!(spans("/users/{id}", "/users/42"), Some(vec![(7, 9)]));
        assert_eq!(spans("/img/{name}.png", "/img/cat.png"), Some(vec![(5, 8)]));
        assert_eq!(
            spans("/{a}/x/{*rest}", "/1/x/a/b"),
            Some(vec![(1, 2), (5, 8)])
        );
        assert_eq!(spans("/{{/{x}", "/{/7"), Some(vec![(3, 4)]));
        assert_eq!(
            spans("/xxx/{x}}{{}}}}{{}}{{{{}}y}", "/xxx/foo"),
            Some(vec![(5, 8)])
        );
        assert_eq!(spans("/users/{id}", "/users/42/extra"), None);
    }
}
