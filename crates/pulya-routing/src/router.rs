//! The router: a static map in front of a matchit trie, with methods, rules and aliases per path.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use http::Method;

use crate::cache::MatchCache;
use crate::error::{InsertError, MatchError};
use crate::hash::FxBuildHasher;
use crate::params::{Params, Pattern, param_end};
use crate::rules::{CompiledRules, Constraints, OnInvalid, ParamRule};

/// What the router does with a path that differs from a route only by a trailing slash.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TrailingSlash {
    /// `/users/` does not match `/users`. The default.
    #[default]
    Strict,
    /// `/users/` gives [`MatchError::Redirect`] to `/users` (and the other way round), for a
    /// `308 Permanent Redirect`.
    Redirect,
    /// `/users/` matches `/users` as if it were the same path.
    Ignore,
}

/// A method-aware router from paths to values of type `T`.
///
/// Each path is stored once, with the values of each of its methods:
/// - paths without parameters live in a hash map: one hash and one compare, no tree walk;
/// - every path is also in the matchit trie, which finds dynamic paths and detects conflicts at
///   insert time;
/// - an optional cache of recent dynamic paths ([`Router::set_cache_capacity`]; off by default,
///   see docs/performance.md for why).
///
/// A `HEAD` request matches the path's `GET` value when the path has no `HEAD` value of its own,
/// as HTTP asks of servers (RFC 9110, section 9.3.2).
pub struct Router<T> {
    /// Paths without parameters, any method: exact path -> entry. Checked first.
    statics: HashMap<Box<str>, u32, FxBuildHasher>,
    /// One trie per method for the paths with parameters, indexed by method tag.
    methods: Vec<Option<MethodTree>>,
    /// Extension (non-standard) methods seen at insert; their tags follow the standard ones.
    extensions: Vec<Method>,
    /// Every path as written at insert (aliases included) -> entry.
    by_pattern: HashMap<Box<str>, u32>,
    /// Every path of every method: conflict detection at insert, 405 and aliases on a miss.
    tree: matchit::Router<u32>,
    /// Path entries; `None` once removed (indices held elsewhere stay valid).
    entries: Vec<Option<PathEntry<T>>>,
    trailing_slash: TrailingSlash,
    cache: Option<MatchCache>,
}

/// The dynamic routes of one method, giving entry indices.
struct MethodTree {
    method: Method,
    tree: matchit::Router<u32>,
}

const GET_TAG: u16 = 0;
const HEAD_TAG: u16 = 5;

/// The number of standard methods, which have fixed tags.
const STANDARD_METHODS: usize = 9;

/// The most parameters a route may have besides a catch-all: the trie (matchit) names them
/// `a` to `z` internally and panics past that, so a longer route is refused before it gets there.
const MAX_PARAMS: usize = 25;

/// The tag of a standard method: a `match` on the method is a discriminant check, where
/// `Method`'s `==` costs a few dozen instructions.
#[inline]
fn standard_tag(method: &Method) -> Option<u16> {
    Some(match *method {
        Method::GET => GET_TAG,
        Method::POST => 1,
        Method::PUT => 2,
        Method::DELETE => 3,
        Method::PATCH => 4,
        Method::HEAD => HEAD_TAG,
        Method::OPTIONS => 6,
        Method::CONNECT => 7,
        Method::TRACE => 8,
        _ => return None,
    })
}

struct PathEntry<T> {
    pattern: Box<str>,
    compiled: Pattern,
    names: Arc<[Box<str>]>,
    /// `Some(target)`: this path is `target`'s with its trailing slash toggled, added by the
    /// trailing-slash policy.
    alias_of: Option<u32>,
    methods: Vec<MethodEntry<T>>,
    allowed: AllowedMethods,
}

struct MethodEntry<T> {
    tag: u16,
    method: Method,
    value: T,
    rules: Option<CompiledRules>,
}

impl<T> PathEntry<T> {
    fn new(pattern: &str, names: Arc<[Box<str>]>, alias_of: Option<u32>) -> Self {
        Self {
            pattern: pattern.into(),
            compiled: Pattern::compile(pattern),
            names,
            alias_of,
            methods: Vec::new(),
            allowed: AllowedMethods {
                methods: Arc::from([]),
                header: Arc::from(""),
            },
        }
    }

    fn update_allowed(&mut self) {
        let mut allowed: Vec<Method> = Vec::with_capacity(self.methods.len() + 1);
        for m in &self.methods {
            if !allowed.contains(&m.method) {
                allowed.push(m.method.clone());
            }
            if m.method == Method::GET && !allowed.contains(&Method::HEAD) {
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
    fn find(&self, tag: u16) -> Option<&MethodEntry<T>> {
        self.methods.iter().find(|m| m.tag == tag)
    }
}

/// A successful lookup.
#[derive(Debug)]
#[non_exhaustive]
pub struct Match<'r, 'p, T> {
    /// The value registered for the method and path.
    pub value: &'r T,
    /// The parameters captured from the path.
    pub params: Params<'r, 'p>,
    /// The route's path as it was inserted, such as `/users/{id}`.
    pub route: &'r str,
    /// The route's parameter names in path order, shared: a framework can keep them with the
    /// request for a reference-count increment.
    pub param_names: &'r Arc<[Box<str>]>,
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
    /// The set of `methods` in their order, with `HEAD` right after `GET` unless present.
    fn new(methods: &[Method]) -> Self {
        let mut allowed: Vec<Method> = Vec::with_capacity(methods.len() + 1);
        for method in methods {
            if !allowed.contains(method) {
                allowed.push(method.clone());
            }
            if *method == Method::GET
                && !methods.contains(&Method::HEAD)
                && !allowed.contains(&Method::HEAD)
            {
                allowed.push(Method::HEAD);
            }
        }
        let header = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            methods: allowed.into(),
            header: header.into(),
        }
    }

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
#[non_exhaustive]
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
    /// An empty router: strict trailing slashes, no match cache.
    pub fn new() -> Self {
        Self {
            methods: Vec::new(),
            extensions: Vec::new(),
            statics: HashMap::default(),
            by_pattern: HashMap::new(),
            tree: matchit::Router::new(),
            entries: Vec::new(),
            trailing_slash: TrailingSlash::Strict,
            cache: None,
        }
    }

    /// Sets the trailing-slash policy; it applies to routes inserted before and after.
    pub fn set_trailing_slash(&mut self, policy: TrailingSlash) {
        self.trailing_slash = policy;
        if policy != TrailingSlash::Strict {
            for index in 0..self.entries.len() {
                self.add_alias(index as u32);
            }
        }
        self.invalidate();
    }

    /// The trailing-slash policy.
    pub fn trailing_slash(&self) -> TrailingSlash {
        self.trailing_slash
    }

    /// Keeps the matches of recent dynamic lookups in a per-thread table of `capacity` slots
    /// (rounded up to a power of two); `0` switches the cache off (the default). See
    /// [`DEFAULT_CACHE_CAPACITY`](crate::DEFAULT_CACHE_CAPACITY) and docs/performance.md.
    pub fn set_cache_capacity(&mut self, capacity: usize) {
        self.cache = (capacity > 0).then(|| MatchCache::new(capacity));
    }

    /// The match cache's capacity; `0` when it is off.
    pub fn cache_capacity(&self) -> usize {
        self.cache.as_ref().map_or(0, MatchCache::capacity)
    }

    /// Registers `value` for `method` on `path`.
    ///
    /// Fails, leaving the router unchanged, when the path is malformed or has more than 25
    /// parameters besides a catch-all, when the same method and path were registered before, or
    /// when the path conflicts with another one.
    pub fn insert(&mut self, method: Method, path: &str, value: T) -> Result<(), InsertError> {
        self.insert_with(method, path, value, Constraints::new())
    }

    /// Registers `value` for `method` on `path`, with rules for its parameters.
    ///
    /// ```
    /// use http::Method;
    /// use pulya_routing::{Constraints, MatchError, OnInvalid, ParamRule, Router};
    ///
    /// let mut router = Router::new();
    /// let rules = Constraints::new()
    ///     .param("id", ParamRule::u64().range(1..))
    ///     .on_invalid(OnInvalid::Reject);
    /// router.insert_with(Method::GET, "/users/{id}", "user", rules)?;
    /// assert!(router.at(&Method::GET, "/users/7").is_ok());
    /// assert!(matches!(
    ///     router.at(&Method::GET, "/users/x"),
    ///     Err(MatchError::InvalidParam { .. })
    /// ));
    /// # Ok::<(), pulya_routing::InsertError>(())
    /// ```
    pub fn insert_with(
        &mut self,
        method: Method,
        path: &str,
        value: T,
        constraints: Constraints,
    ) -> Result<(), InsertError> {
        self.group("").insert_with(method, path, value, constraints)
    }

    fn insert_compiled(
        &mut self,
        method: Method,
        path: &str,
        names: Arc<[Box<str>]>,
        value: T,
        rules: Option<CompiledRules>,
    ) -> Result<(), InsertError> {
        if !path.starts_with('/') {
            return Err(InsertError::InvalidPath {
                route: path.to_owned(),
                reason: "a path must start with `/`".to_owned(),
            });
        }
        let params = named_param_count(path);
        if params > MAX_PARAMS {
            return Err(InsertError::InvalidPath {
                route: path.to_owned(),
                reason: format!(
                    "a route may have at most {MAX_PARAMS} parameters besides a catch-all, this one has {params}"
                ),
            });
        }
        let (index, added) = match self.by_pattern.get(path) {
            Some(&index) => (index, false),
            None => (self.add_path(path, names)?, true),
        };
        let Some(entry) = self.entries[index as usize].as_ref() else {
            unreachable!("by_pattern only names live entries")
        };
        if entry.alias_of.is_none() && entry.methods.iter().any(|m| m.method == method) {
            return Err(InsertError::Duplicate {
                method,
                route: path.to_owned(),
            });
        }
        let tag = self.tag_or_add(&method);
        if !is_static(path) {
            if self.methods.len() <= usize::from(tag) {
                self.methods.resize_with(usize::from(tag) + 1, || None);
            }
            let tree = self.methods[usize::from(tag)].get_or_insert_with(|| MethodTree {
                method: method.clone(),
                tree: matchit::Router::new(),
            });
            // matchit's conflicts depend on what else a trie holds, so the method's trie can
            // refuse a path the all-methods trie took (found by the router fuzz target): the
            // path added above is taken out again, and a failed insert changes nothing.
            if let Err(err) = tree.tree.insert(path, index) {
                if added {
                    self.remove_with_alias(index);
                }
                return Err(InsertError::InvalidPath {
                    route: path.to_owned(),
                    reason: format!("{method} could not be added to its method's trie: {err}"),
                });
            }
        }
        let entry = self.entries[index as usize]
            .as_mut()
            .expect("checked above");
        // An explicit route replaces an alias of the same path.
        entry.alias_of = None;
        entry.methods.push(MethodEntry {
            tag,
            method,
            value,
            rules,
        });
        entry.update_allowed();
        self.invalidate();
        Ok(())
    }

    /// The tag of `method`, giving an extension method the next free tag.
    fn tag_or_add(&mut self, method: &Method) -> u16 {
        if let Some(tag) = self.tag(method) {
            return tag;
        }
        self.extensions.push(method.clone());
        (STANDARD_METHODS + self.extensions.len() - 1) as u16
    }

    /// The tag of `method`, `None` for an extension method no route uses.
    #[inline]
    fn tag(&self, method: &Method) -> Option<u16> {
        standard_tag(method).or_else(|| {
            let position = self.extensions.iter().position(|m| m == method)?;
            Some((STANDARD_METHODS + position) as u16)
        })
    }

    /// Adds a path with no methods yet, and its alias when the policy asks for one.
    fn add_path(&mut self, path: &str, names: Arc<[Box<str>]>) -> Result<u32, InsertError> {
        let index = self.entries.len() as u32;
        self.tree.insert(path, index).map_err(|err| match err {
            matchit::InsertError::Conflict { with } => InsertError::Conflict {
                route: path.to_owned(),
                existing: with,
            },
            other => InsertError::InvalidPath {
                route: path.to_owned(),
                reason: other.to_string(),
            },
        })?;
        self.register(path, index, PathEntry::new(path, names, None));
        if self.trailing_slash != TrailingSlash::Strict {
            self.add_alias(index);
        }
        Ok(index)
    }

    fn register(&mut self, path: &str, index: u32, entry: PathEntry<T>) {
        self.entries.push(Some(entry));
        self.by_pattern.insert(path.into(), index);
        if is_static(path) {
            self.statics.insert(path.into(), index);
        }
    }

    /// Adds the path of `target` with its trailing slash toggled, unless that path exists or
    /// cannot be a route (the root, a catch-all). Best effort: a conflict skips it.
    fn add_alias(&mut self, target: u32) {
        let Some(entry) = self.entries[target as usize].as_ref() else {
            return;
        };
        if entry.alias_of.is_some() {
            return;
        }
        let last_segment = entry.pattern.rsplit('/').next().unwrap_or_default();
        if &*entry.pattern == "/" || last_segment.starts_with("{*") {
            return;
        }
        let alias = toggle_trailing_slash(&entry.pattern);
        if self.by_pattern.contains_key(alias.as_str()) {
            return;
        }
        let names = Arc::clone(&entry.names);
        let index = self.entries.len() as u32;
        if self.tree.insert(alias.as_str(), index).is_ok() {
            self.register(&alias, index, PathEntry::new(&alias, names, Some(target)));
        }
    }

    /// Removes the value of `method` on `path` (the path as inserted) and returns it. A path
    /// left with no method is removed from the router.
    pub fn remove(&mut self, method: &Method, path: &str) -> Option<T> {
        let index = *self.by_pattern.get(path)?;
        let entry = self.entries[index as usize].as_mut()?;
        if entry.alias_of.is_some() {
            return None;
        }
        let position = entry.methods.iter().position(|m| m.method == *method)?;
        let removed = entry.methods.remove(position).value;
        entry.update_allowed();
        if let Some(tree) = self
            .methods
            .iter_mut()
            .flatten()
            .find(|t| t.method == *method)
        {
            tree.tree.remove(path);
        }
        if entry.methods.is_empty() {
            self.remove_with_alias(index);
        }
        self.invalidate();
        Some(removed)
    }

    /// Removes path `index` and the alias of it, if it has one.
    fn remove_with_alias(&mut self, index: u32) {
        self.remove_path(index);
        let alias = self
            .entries
            .iter()
            .position(|e| e.as_ref().is_some_and(|e| e.alias_of == Some(index)));
        if let Some(alias) = alias {
            self.remove_path(alias as u32);
        }
    }

    fn remove_path(&mut self, index: u32) {
        if let Some(entry) = self.entries[index as usize].take() {
            self.tree.remove(&*entry.pattern);
            self.statics.remove(&entry.pattern);
            self.by_pattern.remove(&entry.pattern);
        }
    }

    /// Moves every route of `other` into this router (with its rules). Routes that fail to
    /// insert are reported, each with its error; the others are kept.
    pub fn merge(&mut self, other: Router<T>) -> Result<(), Vec<InsertError>> {
        let mut errors = Vec::new();
        for entry in other.entries.into_iter().flatten() {
            if entry.alias_of.is_some() {
                continue;
            }
            for m in entry.methods {
                let names = Arc::clone(&entry.names);
                if let Err(err) =
                    self.insert_compiled(m.method, &entry.pattern, names, m.value, m.rules)
                {
                    errors.push(err);
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// A group of routes under `prefix` sharing parameter rules.
    ///
    /// ```
    /// use http::Method;
    /// use pulya_routing::{ParamRule, Router};
    ///
    /// let mut router = Router::new();
    /// let mut users = router.group("/users/{id}").rule("id", ParamRule::u64());
    /// users.insert(Method::GET, "/", "show")?;
    /// users.insert(Method::GET, "/posts", "posts")?;
    /// assert_eq!(*router.at(&Method::GET, "/users/7/posts")?.value, "posts");
    /// assert!(router.at(&Method::GET, "/users/x/posts").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn group(&mut self, prefix: &str) -> RouteGroup<'_, T> {
        RouteGroup {
            router: self,
            prefix: join_paths("", prefix),
            constraints: Constraints::new(),
        }
    }

    fn invalidate(&mut self) {
        if let Some(cache) = &mut self.cache {
            cache.invalidate();
        }
    }

    fn entry(&self, index: u32) -> Option<&PathEntry<T>> {
        self.entries.get(index as usize)?.as_ref()
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
        #[cfg(feature = "slow-lookup")]
        slow_lookup(path);
        let tag = self.tag(method);
        let mut found = tag.and_then(|tag| self.find_for_method(tag, path));
        // `HEAD` is answered by `GET` where the path has no `HEAD` route.
        if found.is_none() && tag == Some(HEAD_TAG) {
            found = self.find_for_method(GET_TAG, path);
        }
        match found {
            Some((entry, value)) => self.matched(
                entry,
                value,
                Params::new(&entry.names, &entry.compiled, path),
            ),
            None => self.miss(method, path),
        }
    }

    /// The lookup proper, for one method: cache (when on), then static map, then the method's
    /// trie. `None` when the method's routes do not match the path.
    #[inline(always)]
    fn find_for_method(&self, tag: u16, path: &str) -> Option<(&PathEntry<T>, &MethodEntry<T>)> {
        let Some(cache) = &self.cache else {
            return self
                .find_uncached(tag, path)
                .map(|(_, entry, value)| (entry, value));
        };
        // Tags past 255 are not cached.
        let Ok(slot) = u8::try_from(tag) else {
            return self
                .find_uncached(tag, path)
                .map(|(_, entry, value)| (entry, value));
        };
        if let Some(index) = cache.get(slot, path) {
            let entry = self.entry(index)?;
            return Some((entry, entry.find(tag)?));
        }
        let (index, entry, value) = self.find_uncached(tag, path)?;
        cache.put(slot, path, index);
        Some((entry, value))
    }

    /// What `path` matches for the method `tag`: static map, then the method's trie.
    #[inline(always)]
    fn find_uncached(&self, tag: u16, path: &str) -> Option<(u32, &PathEntry<T>, &MethodEntry<T>)> {
        if let Some(&index) = self.statics.get(path) {
            let entry = self.entry(index)?;
            if let Some(value) = entry.find(tag) {
                return Some((index, entry, value));
            }
            // The path has no static route for this method; one of its parameter routes may match.
        }
        let tree = self.methods.get(usize::from(tag))?.as_ref()?;
        let index = *tree.tree.at(path).ok()?.value;
        let entry = self.entry(index)?;
        Some((index, entry, entry.find(tag)?))
    }

    #[inline]
    fn matched<'r, 'p>(
        &'r self,
        entry: &'r PathEntry<T>,
        found: &'r MethodEntry<T>,
        params: Params<'r, 'p>,
    ) -> Result<Match<'r, 'p, T>, MatchError> {
        if let Some(rules) = &found.rules {
            check_rules(rules, &entry.names, &params)?;
        }
        Ok(Match {
            value: &found.value,
            params,
            route: &entry.pattern,
            param_names: &entry.names,
        })
    }

    /// No route of the method matches: is it 404, 405, or a trailing-slash alias? One walk of
    /// the all-methods trie settles the common 404.
    #[cold]
    fn miss<'r, 'p>(
        &'r self,
        method: &Method,
        path: &'p str,
    ) -> Result<Match<'r, 'p, T>, MatchError> {
        let index = match self.statics.get(path) {
            Some(&index) => index,
            None => *self.tree.at(path).map_err(|_| MatchError::NotFound)?.value,
        };
        let entry = self.entry(index).ok_or(MatchError::NotFound)?;
        let Some(target) = entry.alias_of else {
            // 405: the methods whose routes match the path, static or not (with one trie per
            // method, one path can be served by several patterns).
            let mut methods: Vec<Method> = entry.methods.iter().map(|m| m.method.clone()).collect();
            for tree in self.methods.iter().flatten() {
                if !methods.contains(&tree.method) && tree.tree.at(path).is_ok() {
                    methods.push(tree.method.clone());
                }
            }
            return Err(MatchError::MethodNotAllowed(AllowedMethods::new(&methods)));
        };
        match self.trailing_slash {
            TrailingSlash::Strict => Err(MatchError::NotFound),
            TrailingSlash::Redirect => Err(MatchError::Redirect {
                location: toggle_trailing_slash(path),
            }),
            TrailingSlash::Ignore => {
                let target = self.entry(target).ok_or(MatchError::NotFound)?;
                let tag = self.tag(method);
                let found = tag
                    .and_then(|tag| target.find(tag))
                    .or_else(|| {
                        (tag == Some(HEAD_TAG))
                            .then(|| target.find(GET_TAG))
                            .flatten()
                    })
                    .ok_or_else(|| MatchError::MethodNotAllowed(target.allowed.clone()))?;
                self.matched(
                    target,
                    found,
                    Params::new(&entry.names, &entry.compiled, path),
                )
            }
        }
    }

    fn live(&self) -> impl Iterator<Item = &PathEntry<T>> {
        self.entries
            .iter()
            .flatten()
            .filter(|e| e.alias_of.is_none())
    }

    /// Every registered path with its methods, in insertion order.
    pub fn routes(&self) -> impl Iterator<Item = Route<'_>> {
        self.live().map(|entry| Route {
            path: &entry.pattern,
            methods: &entry.allowed.methods,
        })
    }

    /// The number of registered (method, path) pairs.
    pub fn len(&self) -> usize {
        self.live().map(|entry| entry.methods.len()).sum()
    }

    /// Whether no route is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> fmt::Debug for Router<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for route in self.routes() {
            map.entry(&route.path, &route.methods);
        }
        map.finish()
    }
}

/// Routes under a common prefix with shared parameter rules; made by [`Router::group`].
pub struct RouteGroup<'a, T> {
    router: &'a mut Router<T>,
    prefix: String,
    constraints: Constraints,
}

impl<T> fmt::Debug for RouteGroup<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteGroup")
            .field("prefix", &self.prefix)
            .field("constraints", &self.constraints)
            .finish_non_exhaustive()
    }
}

impl<T> RouteGroup<'_, T> {
    /// A rule for parameter `name` in every route of the group that has that parameter.
    pub fn rule(mut self, name: &str, rule: ParamRule) -> Self {
        self.constraints = self.constraints.param(name, rule);
        self
    }

    /// What a failed rule does in this group. Default: [`OnInvalid::NotFound`].
    pub fn on_invalid(mut self, on_invalid: OnInvalid) -> Self {
        self.constraints = self.constraints.on_invalid(on_invalid);
        self
    }

    /// Registers `value` for `method` on the group's prefix joined with `path`.
    pub fn insert(&mut self, method: Method, path: &str, value: T) -> Result<(), InsertError> {
        self.insert_with(method, path, value, Constraints::new())
    }

    /// Like [`insert`](RouteGroup::insert), with rules of the route's own: they win over the
    /// group's for the same parameter, and the route's `on_invalid` applies when it has rules.
    pub fn insert_with(
        &mut self,
        method: Method,
        path: &str,
        value: T,
        constraints: Constraints,
    ) -> Result<(), InsertError> {
        let full = join_paths(&self.prefix, path);
        let names = param_names(&full);
        let rules = compile(&full, &names, &self.constraints, &constraints)?;
        self.router
            .insert_compiled(method, &full, names, value, rules)
    }

    /// A nested group: its prefix is appended to this one's and it inherits the rules.
    pub fn group(&mut self, prefix: &str) -> RouteGroup<'_, T> {
        RouteGroup {
            router: self.router,
            prefix: join_paths(&self.prefix, prefix),
            constraints: self.constraints.clone(),
        }
    }
}

/// Joins a prefix and a path: `/api` + `/users` is `/api/users`, `/api` + `/` is `/api`, and a
/// trailing `/` of the prefix is dropped.
pub fn join_paths(prefix: &str, path: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    match path {
        "" | "/" if !prefix.is_empty() => prefix.to_owned(),
        _ => format!("{prefix}{path}"),
    }
}

/// Compiles the group's rules (skipping names the route lacks) and the route's own rules (a name
/// the route lacks is an error); the route's win for the same parameter.
fn compile(
    path: &str,
    names: &[Box<str>],
    group: &Constraints,
    route: &Constraints,
) -> Result<Option<CompiledRules>, InsertError> {
    let position = |name: &str| names.iter().position(|n| &**n == name);
    let mut rules: Vec<(usize, ParamRule)> = Vec::new();
    for (name, rule) in &group.rules {
        if let Some(i) = position(name) {
            rules.push((i, rule.clone()));
        }
    }
    for (name, rule) in &route.rules {
        let i = position(name).ok_or_else(|| InsertError::InvalidPath {
            route: path.to_owned(),
            reason: format!("a rule names the parameter `{name}`, which the route does not have"),
        })?;
        rules.retain(|(j, _)| *j != i);
        rules.push((i, rule.clone()));
    }
    let on_invalid = if route.is_empty() {
        group.on_invalid
    } else {
        route.on_invalid
    };
    Ok((!rules.is_empty()).then_some(CompiledRules { rules, on_invalid }))
}

fn check_rules(
    rules: &CompiledRules,
    names: &[Box<str>],
    params: &Params<'_, '_>,
) -> Result<(), MatchError> {
    for (index, rule) in &rules.rules {
        let raw = params.nth(*index).unwrap_or_default();
        if let Err(reason) = rule.check(raw) {
            return Err(match rules.on_invalid {
                OnInvalid::NotFound => MatchError::NotFound,
                OnInvalid::Reject => MatchError::InvalidParam {
                    name: names.get(*index).map(|n| n.to_string()).unwrap_or_default(),
                    reason,
                },
            });
        }
    }
    Ok(())
}

/// The names of a route's parameters in path order: `{id}` gives `id`, `{*rest}` gives `rest`;
/// `{{` and `}}` are literal braces.
///
/// ```
/// assert_eq!(&*pulya_routing::param_names("/users/{id}/files/{*path}"), [Box::from("id"), Box::from("path")]);
/// ```
pub fn param_names(route: &str) -> Arc<[Box<str>]> {
    let bytes = route.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => i += 2,
            b'{' => {
                let end = param_end(bytes, i);
                let name = route[i + 1..end].trim_start_matches('*');
                names.push(name.replace("{{", "{").replace("}}", "}").into());
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    names.into()
}

/// The parameters of `route` other than a catch-all, counted as the trie counts them: each `{`
/// that is not half of an escaped `{{` (pairs taken from the left, as matchit unescapes) and not
/// followed by `*`. Every such brace opens a parameter, or the trie refuses the route anyway.
fn named_param_count(route: &str) -> usize {
    let bytes = route.as_bytes();
    let (mut count, mut i) = (0, 0);
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'{', Some(b'{')) | (b'}', Some(b'}')) => i += 2,
            (b'{', next) => {
                count += usize::from(next != Some(&b'*'));
                i += 1;
            }
            _ => i += 1,
        }
    }
    count
}

/// Whether `path` has no parameters (and no escaped braces, which the trie must unescape).
fn is_static(path: &str) -> bool {
    !path.contains(['{', '}'])
}

fn toggle_trailing_slash(path: &str) -> String {
    match path.strip_suffix('/') {
        Some(stripped) if !stripped.is_empty() => stripped.to_owned(),
        _ => format!("{path}/"),
    }
}

/// Test-only extra work per lookup (about 70 instructions, some 10 % of a GitHub lookup), for
/// showing that the benchmark gate catches a slowdown: `cargo xtask bench-compare --features
/// pulya-routing/slow-lookup`.
#[cfg(feature = "slow-lookup")]
#[inline(never)]
fn slow_lookup(path: &str) {
    let mut h = path.len() as u64;
    for i in 0..24u64 {
        h = h.wrapping_mul(31) ^ i;
    }
    std::hint::black_box(h);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_path_order() {
        assert_eq!(
            &*param_names("/a/{id}/b/{*rest}"),
            [Box::from("id"), Box::from("rest")]
        );
        assert_eq!(&*param_names("/img/{name}.png"), [Box::from("name")]);
        assert!(param_names("/{{literal}}").is_empty());
        assert_eq!(
            &*param_names("/{ba{{r}/{x}}y}"),
            [Box::from("ba{r"), Box::from("x}y")]
        );
    }

    #[test]
    fn named_params_counted_as_the_trie_counts_them() {
        assert_eq!(named_param_count("/a/{id}/b/{*rest}"), 1);
        assert_eq!(named_param_count("/{{literal}}/{x}"), 1);
        assert_eq!(named_param_count("/{ba{{r}/{x}}y}"), 2);
        // Pairs are taken from the left: `{{{a}` is a literal brace, then `{a}`.
        assert_eq!(named_param_count("/{{{a}"), 1);
        assert_eq!(named_param_count("/{a"), 1);
        assert_eq!(named_param_count("/static"), 0);
    }

    #[test]
    fn joining_paths() {
        assert_eq!(join_paths("/api", "/users"), "/api/users");
        assert_eq!(join_paths("/api/", "/users"), "/api/users");
        assert_eq!(join_paths("/api", "/"), "/api");
        assert_eq!(join_paths("", "/"), "/");
        assert_eq!(join_paths("", "/x"), "/x");
    }

    #[test]
    fn toggling() {
        assert_eq!(toggle_trailing_slash("/a"), "/a/");
        assert_eq!(toggle_trailing_slash("/a/"), "/a");
        assert_eq!(toggle_trailing_slash("/"), "//");
    }
}
