//! Parameters captured by a match.

/// The parameters of a matched route, in the order they appear in the path.
///
/// Values are the raw (still percent-encoded) slices of the looked-up path; the keys borrow from
/// the router. A match of a static route carries no parameters and allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct Params<'r, 'p> {
    inner: matchit::Params<'r, 'p>,
}

impl<'r, 'p> Params<'r, 'p> {
    pub(crate) fn empty() -> Self {
        Self {
            inner: matchit::Params::new(),
        }
    }

    pub(crate) fn from_matchit(inner: matchit::Params<'r, 'p>) -> Self {
        Self { inner }
    }

    /// The value of the parameter `key`, if the route has one of that name.
    pub fn get(&self, key: &str) -> Option<&'p str> {
        self.inner.get(key)
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The `(key, value)` pairs in path order.
    pub fn iter(&self) -> ParamsIter<'_, 'r, 'p> {
        ParamsIter {
            inner: self.inner.iter(),
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
    inner: matchit::ParamsIter<'a, 'r, 'p>,
}

impl<'r, 'p> Iterator for ParamsIter<'_, 'r, 'p> {
    type Item = (&'r str, &'p str);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}
