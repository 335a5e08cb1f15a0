//! Parameters captured by a match.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// A piece of a route pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// Literal bytes, by length.
    Literal(u32),
    /// A parameter, followed in its segment by `suffix` literal bytes (as in `{name}.png`).
    Param {
        suffix: u32,
    },
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

/// A route pattern compiled for reading parameter values out of a path it matched.
///
/// matchit tells which route a path matches; its own parameter list re-validates UTF-8 on every
/// read. Knowing the path matches, the values follow from the pattern with a scan for `/` per
/// parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pattern {
    pieces: Vec<Piece>,
    params: usize,
}

impl Pattern {
    pub(crate) fn compile(route: &str) -> Self {
        let bytes = route.as_bytes();
        let mut pieces = Vec::new();
        let mut literal = 0u32;
        let mut i = 0;
        while i < bytes.len() {
            let escaped = matches!(&bytes[i..], [b'{', b'{', ..] | [b'}', b'}', ..]);
            if bytes[i] == b'{' && !escaped {
                if literal > 0 {
                    pieces.push(Piece::Literal(literal));
                    literal = 0;
                }
                let catch_all = bytes.get(i + 1) == Some(&b'*');
                pieces.push(if catch_all {
                    Piece::CatchAll
                } else {
                    Piece::Param { suffix: 0 }
                });
                i = param_end(bytes, i) + 1;
                // The literal bytes after a parameter, up to the next `/`, are its suffix.
                if !catch_all {
                    let mut suffix = 0u32;
                    let mut j = i;
                    while j < bytes.len()
                        && bytes[j] != b'/'
                        && !(bytes[j] == b'{' && bytes.get(j + 1) != Some(&b'{'))
                    {
                        let escaped = matches!(&bytes[j..], [b'{', b'{', ..] | [b'}', b'}', ..]);
                        suffix += 1;
                        j += if escaped { 2 } else { 1 };
                    }
                    if let Some(Piece::Param { suffix: s }) = pieces.last_mut() {
                        *s = suffix;
                    }
                }
                continue;
            }
            literal += 1;
            i += if escaped { 2 } else { 1 };
        }
        if literal > 0 {
            pieces.push(Piece::Literal(literal));
        }
        let params = pieces
            .iter()
            .filter(|p| !matches!(p, Piece::Literal(_)))
            .count();
        Self { pieces, params }
    }

    /// The number of parameters.
    pub(crate) fn params(&self) -> usize {
        self.params
    }

    /// Whether `path` has the shape of this pattern (its parameters and literals add up).
    #[cfg(test)]
    pub(crate) fn fits(&self, path: &str) -> bool {
        let mut values = Values {
            pieces: self.pieces.iter(),
            path,
            pos: 0,
        };
        for _ in 0..self.params {
            if values.next().is_none() {
                return false;
            }
        }
        values.finish() == Some(path.len())
    }
}

/// The parameter values of a path that matched a pattern, taken one by one by walking the
/// pattern: a literal skips its length, a parameter runs to the next `/` less its suffix, a
/// catch-all to the end.
#[derive(Debug, Clone)]
struct Values<'r, 'p> {
    pieces: std::slice::Iter<'r, Piece>,
    path: &'p str,
    pos: usize,
}

impl<'p> Values<'_, 'p> {
    /// Where the walk ends after the pattern's trailing literal.
    #[cfg(test)]
    fn finish(mut self) -> Option<usize> {
        for piece in self.pieces.by_ref() {
            match *piece {
                Piece::Literal(len) => self.pos += len as usize,
                _ => return None,
            }
        }
        Some(self.pos)
    }
}

impl<'p> Iterator for Values<'_, 'p> {
    type Item = &'p str;

    #[inline]
    fn next(&mut self) -> Option<&'p str> {
        let bytes = self.path.as_bytes();
        loop {
            let end = match *self.pieces.next()? {
                Piece::Literal(len) => {
                    self.pos += len as usize;
                    continue;
                }
                Piece::Param { suffix } => {
                    let rest = bytes.get(self.pos..)?;
                    let segment = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
                    self.pos + segment.checked_sub(suffix as usize)?
                }
                Piece::CatchAll => bytes.len(),
            };
            let value = self.path.get(self.pos..end)?;
            self.pos = end;
            return Some(value);
        }
    }
}

/// The parameters of a matched route, in the order they appear in the path.
///
/// Values are the raw (still percent-encoded) slices of the looked-up path, so an encoded `/`
/// (`%2F`) never splits a segment; [`Params::decoded`] decodes one. They are found when read, by
/// walking the route's compiled pattern along the path: a lookup whose parameters are never read
/// pays nothing for them, and nothing allocates.
#[derive(Debug, Clone)]
pub struct Params<'r, 'p> {
    names: &'r [Box<str>],
    pattern: &'r Pattern,
    path: &'p str,
}

impl<'r, 'p> Params<'r, 'p> {
    pub(crate) fn new(names: &'r [Box<str>], pattern: &'r Pattern, path: &'p str) -> Self {
        Self {
            names,
            pattern,
            path,
        }
    }

    /// The raw value of the parameter `key`, if the route has one of that name.
    pub fn get(&self, key: &str) -> Option<&'p str> {
        let index = self.names.iter().position(|name| **name == *key)?;
        self.nth(index)
    }

    /// The percent-decoded value of `key`: borrowed when it has no `%`. `None` when there is
    /// no such parameter or it is not UTF-8 once decoded.
    pub fn decoded(&self, key: &str) -> Option<Cow<'p, str>> {
        percent_decode_str(self.get(key)?).decode_utf8().ok()
    }

    /// The value at `index` in path order.
    pub(crate) fn nth(&self, index: usize) -> Option<&'p str> {
        self.values().nth(index)
    }

    fn values(&self) -> Values<'r, 'p> {
        Values {
            pieces: self.pattern.pieces.iter(),
            path: self.path,
            pos: 0,
        }
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.pattern.params()
    }

    /// Whether the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `(key, value)` pairs in path order.
    pub fn iter(&self) -> ParamsIter<'_, 'r, 'p> {
        ParamsIter {
            names: self.names.iter(),
            values: self.values(),
            _params: std::marker::PhantomData,
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
    values: Values<'r, 'p>,
    _params: std::marker::PhantomData<&'a ()>,
}

impl<'r, 'p> Iterator for ParamsIter<'_, 'r, 'p> {
    type Item = (&'r str, &'p str);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        Some((&**self.names.next()?, self.values.next()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(route: &str, path: &str) -> Option<Vec<String>> {
        let pattern = Pattern::compile(route);
        if !pattern.fits(path) {
            return None;
        }
        let names: Vec<Box<str>> = (0..pattern.params())
            .map(|i| i.to_string().into())
            .collect();
        Some(
            Params::new(&names, &pattern, path)
                .iter()
                .map(|(_, v)| v.to_owned())
                .collect(),
        )
    }

    #[test]
    fn values_follow_the_pattern() {
        assert_eq!(values("/users/{id}", "/users/42").unwrap(), ["42"]);
        assert_eq!(values("/img/{name}.png", "/img/cat.png").unwrap(), ["cat"]);
        assert_eq!(values("/{a}/x/{*rest}", "/1/x/a/b").unwrap(), ["1", "a/b"]);
        assert_eq!(values("/{{/{x}", "/{/7").unwrap(), ["7"]);
        assert_eq!(
            values("/xxx/{x}}{{}}}}{{}}{{{{}}y}", "/xxx/foo").unwrap(),
            ["foo"]
        );
        assert_eq!(values("/users/{id}", "/users/42/extra"), None);
    }
}
