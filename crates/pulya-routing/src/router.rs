//! The router: a static map in front of a matchit trie, with methods per path.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use http::Method;

use crate::error::{InsertError, MatchError};
use crate::params::Params;

/// A method-aware router from paths to values of type `T`.
///
/// Every path is stored once, with the values of each of its methods:
/// - paths without parameters live in a hash map and are found with one hash and one compare;
/// - every path, static or not, is also in the matchit trie, which finds dynamic paths and
///   detects conflicts at insert time.
///
/// A `HEAD` request matches the path's `GET` value when the path has no `HEAD` value of its own,
/// as HTTP asks of servers (RFC 9110, section 9.3.2).
pub struct Router<T> {
    /// Paths without parameters: exact path -> index into `paths`.
    statics: HashMap<Box<str>, usize>,
    /// Every path as written at insert -> index into `paths`.
    by_pattern: HashMap<Box<str>, usize>,
    /// Every path, for dynamic matching and conflict detection.
    tree: matchit::Router<usize>,
    paths: Vec<PathEntry<T>>,
}

struct PathEntry<T> {
    pattern: Box<str>,
    methods: Vec<(Method, T)>,
    /// The methods as listed in an `Allow` header, `HEAD` implied by `GET`.
    allowed: AllowedMethods,
}

impl<T> PathEntry<T> {
    fn new(pattern: &str) -> Self {
        Self {
            pattern: pattern.into(),
            methods: Vec::new(),
            allowed: AllowedMethods {
                methods: Arc::from([]),
                header: Arc::from(""),
            },
        }
    }

    fn add(&mut self, method: Method, value: T) {
        self.methods.push((method, value));
        let mut allowed: Vec<Method> = Vec::with_capacity(self.methods.len() + 1);
        for (m, _) in &self.methods {
            if !allowed.contains(m) {
                allowed.push(m.clone());
            }
            if *m == Method::GET && !allowed.contains(&Method::HEAD) {
                allowed.push(Method::HEAD);
            }
        }
        let header = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        self.allowed = AllowedMethods {
            methods: allowed.into(),
            header: header.into(),
        };
    }

    #[inline]
    fn find(&self, method: &Method) -> Option<&T> {
        let found = self.methods.iter().find(|(m, _)| m == method);
        match found {
            Some((_, value)) => Some(value),
            None if *method == Method::HEAD => self.find(&Method::GET),
            None => None,
        }
    }
}

/// A successful lookup.
#[derive(Debug)]
pub struct Match<'r, 'p, T> {
    /// The value registered for the method and path.
    pub value: &'r T,
    /// The parameters captured from the path.
    pub params: Params<'r, 'p>,
    /// The route's path as it was inserted, such as `/users/{id}`.
    pub route: &'r str,
}

/// The methods a path accepts, for a `405 Method Not Allowed` response.
///
/// It is computed at insert time and shared: answering a 405 costs two reference-count
/// increments, no formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedMethods {
    methods: Arc<[Method]>,
    header: Arc<str>,
}

impl AllowedMethods {
    /// The methods, in the order they were inserted (`HEAD` right after `GET` when implied).
    pub fn methods(&self) -> &[Method] {
        &self.methods
    }

    /// The methods as the value of an `Allow` header, such as `GET, HEAD, POST`.
    pub fn header_value(&self) -> &str {
        &self.header
    }
}

/// One registered path with its methods, as listed by [`Router::routes`].
#[derive(Debug, Clone, Copy)]
pub struct Route<'r> {
    /// The path as inserted.
    pub path: &'r str,
    /// The methods it answers, in insertion order, with the `HEAD` that `GET` implies.
    pub methods: &'r [Method],
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Router<T> {
    /// An empty router.
    pub fn new() -> Self {
        Self {
            statics: HashMap::new(),
            by_pattern: HashMap::new(),
            tree: matchit::Router::new(),
            paths: Vec::new(),
        }
    }

    /// Registers `value` for `method` on `path`.
    ///
    /// Fails, leaving the router unchanged, when the path is malformed, when the same method and
    /// path were registered before, or when the path conflicts with another one.
    pub fn insert(&mut self, method: Method, path: &str, value: T) -> Result<(), InsertError> {
        if !path.starts_with('/') {
            return Err(InsertError::InvalidPath {
                route: path.to_owned(),
                reason: "a path must start with `/`".to_owned(),
            });
        }
        let index = match self.by_pattern.get(path) {
            Some(&index) => index,
            None => {
                let index = self.paths.len();
                self.tree
                    .insert(path, index)
                    .map_err(|err| convert_insert_error(path, err))?;
                self.paths.push(PathEntry::new(path));
                self.by_pattern.insert(path.into(), index);
                if is_static(path) {
                    self.statics.insert(path.into(), index);
                }
                index
            }
        };
        let entry = &mut self.paths[index];
        if entry.methods.iter().any(|(m, _)| *m == method) {
            return Err(InsertError::Duplicate {
                method,
                route: path.to_owned(),
            });
        }
        entry.add(method, value);
        Ok(())
    }

    /// Finds the value for `method` on `path`.
    ///
    /// `path` is the request's path without the query string, still percent-encoded: an encoded
    /// `/` (`%2F`) stays inside its segment.
    #[inline]
    pub fn at<'r, 'p>(
        &'r self,
        method: &Method,
        path: &'p str,
    ) -> Result<Match<'r, 'p, T>, MatchError> {
        let (entry, params) = match self.statics.get(path) {
            Some(&index) => (&self.paths[index], Params::empty()),
            None => match self.tree.at(path) {
                Ok(m) => (&self.paths[*m.value], Params::from_matchit(m.params)),
                Err(_) => return Err(MatchError::NotFound),
            },
        };
        match entry.find(method) {
            Some(value) => Ok(Match {
                value,
                params,
                route: &entry.pattern,
            }),
            None => Err(MatchError::MethodNotAllowed(entry.allowed.clone())),
        }
    }

    /// Every registered path with its methods, in insertion order.
    pub fn routes(&self) -> impl Iterator<Item = Route<'_>> {
        self.paths.iter().map(|entry| Route {
            path: &entry.pattern,
            methods: &entry.allowed.methods,
        })
    }

    /// The number of registered (method, path) pairs.
    pub fn len(&self) -> usize {
        self.paths.iter().map(|entry| entry.methods.len()).sum()
    }

    /// Whether no route is registered.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

impl<T> fmt::Debug for Router<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_map();
        for route in self.routes() {
            list.entry(&route.path, &route.methods);
        }
        list.finish()
    }
}

/// Whether `path` has no parameters (and no escaped braces, which the trie must unescape).
fn is_static(path: &str) -> bool {
    !path.contains(['{', '}'])
}

fn convert_insert_error(path: &str, err: matchit::InsertError) -> InsertError {
    match err {
        matchit::InsertError::Conflict { with } => InsertError::Conflict {
            route: path.to_owned(),
            existing: with,
        },
        other => InsertError::InvalidPath {
            route: path.to_owned(),
            reason: other.to_string(),
        },
    }
}
