//! What the app knows about a request beyond the request itself: the matched route, its
//! parameters, the peer's address, the request's id and body limit, and the app's shared data.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use http::HeaderValue;

use crate::extract::MatchedPath;
use crate::{RequestScope, Response};

/// Parameters kept inline before spilling to the heap; routes rarely have more.
const INLINE_PARAMS: usize = 4;

/// Where the matched route's parameters lie in the request path: byte ranges, in path order.
/// Their names are the route's ([`MatchedPath::param_names`]).
///
/// Recording ranges instead of copying values keeps routing free of allocations for routes of
/// up to four parameters.
#[derive(Clone, Default)]
pub struct RouteParams {
    inline: [(u32, u32); INLINE_PARAMS],
    len: usize,
    spill: Vec<(u32, u32)>,
}

impl RouteParams {
    /// The parameters `values`, each a slice of `path` (as a router hands them out), in path
    /// order.
    ///
    /// # Panics
    /// When a value is not a slice of `path`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pulya_core::RouteParams;
    ///
    /// let path = "/users/7/posts/12";
    /// let names: Arc<[Box<str>]> = Arc::from(vec!["user".into(), "post".into()]);
    /// let params = RouteParams::new(path, [&path[7..8], &path[15..]]);
    /// let read: Vec<_> = params.iter(&names, path).collect();
    /// assert_eq!(read, [Some(("user", "7")), Some(("post", "12"))]);
    /// ```
    pub fn new<'p>(path: &'p str, values: impl IntoIterator<Item = &'p str>) -> Self {
        let mut out = RouteParams::default();
        let base = path.as_ptr() as usize;
        for value in values {
            // Every value is a slice of `path`, so its offset is the difference of the addresses.
            let start = (value.as_ptr() as usize)
                .checked_sub(base)
                .filter(|start| start + value.len() <= path.len())
                .expect("a route parameter is a slice of the path");
            let span = (start as u32, (start + value.len()) as u32);
            if out.len < INLINE_PARAMS {
                out.inline[out.len] = span;
            } else {
                out.spill.push(span);
            }
            out.len += 1;
        }
        out
    }

    /// How many parameters the route has.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `(name, raw value)` pairs in path order, with the route's `names`, values as on the wire
    /// (percent-encoded); an item is `None` when `path` is not the path the params were matched
    /// against (a middleware rewrote the URI).
    pub fn iter<'a, 'p>(
        &'a self,
        names: &'a [Box<str>],
        path: &'p str,
    ) -> impl Iterator<Item = Option<(&'a str, &'p str)>> {
        let spans = self.inline[..self.len.min(INLINE_PARAMS)]
            .iter()
            .chain(&self.spill);
        names.iter().zip(spans).map(move |(name, &(start, end))| {
            Some((&**name, path.get(start as usize..end as usize)?))
        })
    }
}

impl fmt::Debug for RouteParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteParams")
            .field("len", &self.len)
            .finish()
    }
}

/// A hasher for maps keyed by `TypeId`, which is a hash already: it keeps the id's bits
/// instead of hashing them again (what [`AppData`] uses; for maps of one's own by type).
///
/// ```
/// use std::any::TypeId;
/// use std::collections::HashMap;
/// use std::hash::BuildHasherDefault;
/// use pulya_core::TypeIdHasher;
///
/// let mut by_type: HashMap<TypeId, &str, BuildHasherDefault<TypeIdHasher>> = HashMap::default();
/// by_type.insert(TypeId::of::<u8>(), "u8");
/// assert_eq!(by_type[&TypeId::of::<u8>()], "u8");
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct TypeIdHasher(u64);

impl Hasher for TypeIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // `TypeId` hashes through `write_u64` today; this keeps any other path correct.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type TypeMap = HashMap<TypeId, Box<dyn Any + Send + Sync>, BuildHasherDefault<TypeIdHasher>>;

/// What an app shares with every request: its body limit and its values by type (the state
/// that `State<T>` extracts, and settings that extractors read). Built once, read-only after.
///
/// ```
/// use pulya_core::AppData;
///
/// let mut data = AppData::new(1024);
/// data.insert(String::from("db://"));
/// assert_eq!(data.get::<String>().map(String::as_str), Some("db://"));
/// assert_eq!(data.get::<u32>(), None);
/// assert_eq!(data.body_limit(), 1024);
/// ```
#[derive(Default)]
pub struct AppData {
    body_limit: usize,
    values: TypeMap,
    routes: Vec<MatchedPath>,
    status: crate::ServeStatus,
}

/// A route of an app, as [`AppData::add_route`] numbered it: what a request's context records
/// after routing (a number, so that routing a request costs no reference count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteId(u32);

/// The data of no app, for code that runs outside one.
static EMPTY: AppData = AppData::new(0);

impl AppData {
    /// No values, and `body_limit` for body extractors.
    pub const fn new(body_limit: usize) -> Self {
        Self {
            body_limit,
            values: TypeMap::with_hasher(BuildHasherDefault::new()),
            routes: Vec::new(),
            status: crate::ServeStatus::new(),
        }
    }

    /// The data of no app: no values, no routes, a body limit of 0. What
    /// [`IntoResponse::into_response`](crate::IntoResponse::into_response) converts with.
    pub fn empty() -> &'static AppData {
        &EMPTY
    }

    /// Adds a route's facts, returning the id a request's context records when it matches.
    ///
    /// # Panics
    /// Past `u32::MAX` routes.
    pub fn add_route(&mut self, route: MatchedPath) -> RouteId {
        let id = u32::try_from(self.routes.len()).expect("fewer than 2^32 routes");
        self.routes.push(route);
        RouteId(id)
    }

    /// The route `id` names, if it is one of this app's.
    pub fn route(&self, id: RouteId) -> Option<&MatchedPath> {
        self.routes.get(id.0 as usize)
    }

    /// The serving state the server reports: open connections, graceful shutdown begun.
    pub fn serve_status(&self) -> &crate::ServeStatus {
        &self.status
    }

    /// The most bytes body extractors read.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Sets the most bytes body extractors read.
    pub fn set_body_limit(&mut self, bytes: usize) {
        self.body_limit = bytes;
    }

    /// Adds `value`, returning the value of the same type it replaces.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) -> Option<T> {
        self.values
            .insert(TypeId::of::<T>(), Box::new(value))
            .and_then(|old| old.downcast().ok().map(|old| *old))
    }

    /// The value of type `T`: one hash-map probe.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref())
    }

    /// Whether a value of the type `id` names is there.
    pub fn contains(&self, id: TypeId) -> bool {
        self.values.contains_key(&id)
    }
}

impl fmt::Debug for AppData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppData")
            .field("body_limit", &self.body_limit)
            .field("values", &self.values.len())
            .field("routes", &self.routes.len())
            .finish()
    }
}

/// The per-request context handed to extractors and middleware next to the request: the
/// app's [`AppData`], and the facts learned so far (the peer's address when served over a
/// socket; the matched route and its parameters once routing ran).
///
/// ```
/// use std::sync::Arc;
/// use pulya_core::{AppData, RequestContext};
///
/// let mut cx = RequestContext::new(Arc::new(AppData::new(64)));
/// assert_eq!(cx.matched_path(), None);
/// cx.set_peer_addr(Some("127.0.0.1:4000".parse().unwrap()));
/// assert_eq!(cx.peer_addr().unwrap().port(), 4000);
/// assert_eq!(cx.body_limit(), 64);
/// ```
#[derive(Clone)]
pub struct RequestContext {
    app: Arc<AppData>,
    params: RouteParams,
    route: Option<RouteId>,
    peer_addr: Option<SocketAddr>,
    body_limit: usize,
    observer: Option<RouteObserver>,
    request_id: Option<HeaderValue>,
    /// Set only when a request asks for one, so that other requests allocate nothing for it.
    scope: OnceLock<Arc<dyn RequestScope>>,
}

impl RequestContext {
    /// A context of an app's `data`, before routing, with no peer address.
    pub fn new(app: Arc<AppData>) -> Self {
        Self {
            body_limit: app.body_limit,
            app,
            params: RouteParams::default(),
            route: None,
            peer_addr: None,
            observer: None,
            request_id: None,
            scope: OnceLock::new(),
        }
    }

    /// The app's shared data.
    pub fn app(&self) -> &AppData {
        &self.app
    }

    /// The app's shared data, keeping only it: what a handler holds until it converts its
    /// result ([`IntoResponse::into_response_in`](crate::IntoResponse::into_response_in)).
    pub fn into_app(self) -> Arc<AppData> {
        self.app
    }

    /// The body limit in bytes that this request's body extractors apply: the app's, unless a
    /// middleware set another with [`set_body_limit`](Self::set_body_limit).
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Sets the body limit for the steps after this one, over the app's: what a body-limit
    /// middleware on a group or a route does.
    pub fn set_body_limit(&mut self, bytes: usize) {
        self.body_limit = bytes;
    }

    /// The app value of type `T` (registered with `App::state`), if there is one.
    pub fn state<T: 'static>(&self) -> Option<&T> {
        self.app.get()
    }

    /// The matched route's pattern, such as `/users/{id}`; `None` before routing and for
    /// requests that matched no route.
    pub fn matched_path(&self) -> Option<&MatchedPath> {
        self.app.route(self.route?)
    }

    /// The matched route's parameters as `(name, raw value)` pairs of `path` (the request's
    /// path), values percent-encoded as on the wire; empty before routing. An item is `None`
    /// when `path` is not the path that was routed (a middleware rewrote the URI).
    pub fn params<'a, 'p>(
        &'a self,
        path: &'p str,
    ) -> impl Iterator<Item = Option<(&'a str, &'p str)>> {
        let names: &'a [Box<str>] = self
            .matched_path()
            .map_or(&[], |route| &route.param_names()[..]);
        self.params.iter(names, path)
    }

    /// The address of the client's end of the connection, when the request came over a socket.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer_addr
    }

    /// Records the matched route (an id of this context's [`AppData`]) and its parameters.
    /// Routing calls it.
    pub fn set_route(&mut self, route: RouteId, params: RouteParams) {
        self.route = Some(route);
        self.params = params;
        if let Some(observer) = &self.observer {
            observer.record(self.app.route(route));
        }
    }

    /// A handle that learns the matched route once routing has run: how middleware at the app
    /// level, which runs before routing, labels its logs and metrics by route. The first call
    /// allocates the handle; later calls for the same request share it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pulya_core::extract::MatchedPath;
    /// use pulya_core::{AppData, RequestContext, RouteParams};
    ///
    /// let mut data = AppData::new(0);
    /// let id = data.add_route(MatchedPath::new("/users/{id}", vec!["id".into()].into()));
    /// let mut cx = RequestContext::new(Arc::new(data));
    /// let observer = cx.observe_route();
    /// assert_eq!(observer.matched_path(), None);
    ///
    /// // What routing does, further down the chain, on a clone of the context.
    /// let mut routed = cx.clone();
    /// let path = "/users/7";
    /// routed.set_route(id, RouteParams::new(path, [&path[7..]]));
    /// assert_eq!(observer.matched_path().unwrap().as_str(), "/users/{id}");
    /// ```
    pub fn observe_route(&mut self) -> RouteObserver {
        self.observer
            .get_or_insert_with(RouteObserver::default)
            .clone()
    }

    /// Records the peer's address. The server calls it.
    pub fn set_peer_addr(&mut self, addr: Option<SocketAddr>) {
        self.peer_addr = addr;
    }

    /// The request's id, once a middleware gave it one (pulya-middleware's `RequestId` does):
    /// what logs, panic reports and calls to other services carry. Kept here rather than in
    /// the request's extensions, which would cost two allocations per request.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use http::HeaderValue;
    /// use pulya_core::{AppData, RequestContext};
    ///
    /// let mut cx = RequestContext::new(Arc::new(AppData::new(0)));
    /// assert_eq!(cx.request_id(), None);
    /// cx.set_request_id(HeaderValue::from_static("req-1"));
    /// assert_eq!(cx.request_id().unwrap(), "req-1");
    /// ```
    pub fn request_id(&self) -> Option<&HeaderValue> {
        self.request_id.as_ref()
    }

    /// Sets the request's id, for the steps after this one: see [`request_id`](Self::request_id).
    pub fn set_request_id(&mut self, id: HeaderValue) {
        self.request_id = Some(id);
    }

    /// The request's [`RequestScope`], if something created one.
    pub fn request_scope(&self) -> Option<&Arc<dyn RequestScope>> {
        self.scope.get()
    }

    /// The request's [`RequestScope`], created by `init` on first use: what an extractor of
    /// request-scoped services calls (it has the context by shared reference).
    pub fn request_scope_or_init(
        &self,
        init: impl FnOnce() -> Arc<dyn RequestScope>,
    ) -> &Arc<dyn RequestScope> {
        self.scope.get_or_init(init)
    }

    /// Ends the handler's part of the request with its response `res`: the request's scope, if
    /// one was created, takes charge of it ([`RequestScope::attach`]). The handlers of
    /// pulya-app call it; an [`Endpoint`](crate::Endpoint) of one's own that runs extractors
    /// should too.
    pub fn finish(self, mut res: Response) -> Response {
        match self.scope.into_inner() {
            None => res,
            Some(scope) => {
                // The scope may wrap the body, which would hide a deferred one from the app.
                if let Err(err) = res.body_mut().render(&self.app) {
                    res = crate::IntoResponse::into_response(err);
                }
                scope.attach(res)
            }
        }
    }
}

impl fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field("matched_path", &self.matched_path())
            .field("params", &self.params)
            .field("peer_addr", &self.peer_addr)
            .field("body_limit", &self.body_limit)
            .field("request_id", &self.request_id)
            .field("scope", &self.scope.get().is_some())
            .finish_non_exhaustive()
    }
}

/// The matched route of one request, learnt after routing: see
/// [`RequestContext::observe_route`].
#[derive(Clone, Default)]
pub struct RouteObserver(Arc<OnceLock<MatchedPath>>);

impl RouteObserver {
    /// The matched route's pattern; `None` before routing and when no route matched.
    pub fn matched_path(&self) -> Option<&MatchedPath> {
        self.0.get()
    }

    fn record(&self, route: Option<&MatchedPath>) {
        if let Some(route) = route {
            // The first route wins: a request is routed once.
            let _ = self.0.set(route.clone());
        }
    }
}

impl fmt::Debug for RouteObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RouteObserver")
            .field(&self.matched_path())
            .finish()
    }
}
