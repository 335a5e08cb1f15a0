//! A response cache for `GET` and `HEAD`: in memory, bounded by bytes, or in a store shared by
//! several instances (`redis::RedisStore`, feature `redis`).
//!
//! [`ResponseCache`] is the middleware (put it on a route or a group: its TTL is theirs);
//! [`CacheStore`] the storage trait; [`MemoryCache`] the in-process store, least recently used
//! first out; [`CachedResponse`] one stored answer.
//!
//! What is cached follows a shared cache's rules (RFC 9111), simplified:
//! - requests: `GET` and `HEAD` only (a `HEAD` is answered from a stored `GET` too), without
//!   `Authorization`; a request's `Cache-Control:
//!   no-store` bypasses the cache, `no-cache` or `max-age=0` skips the lookup but may fill it;
//! - responses: status 200, 203 or 204, a body of one buffer up to
//!   [`max_body`](ResponseCache::max_body), no `Set-Cookie`, no `Vary: *`, no `Cache-Control`
//!   of `no-store`, `no-cache` or `private`; kept for the route's TTL, shortened by the
//!   response's `s-maxage` or `max-age`;
//! - the key is the method, the path and the query; the request headers that the response's
//!   `Vary` names must match too (one variant is kept per key: the latest);
//! - a hit carries `Age` (seconds since it was stored); concurrent misses of one key make one
//!   fill: the first runs the handler, the others wait for its answer.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use pulya_core::{Body, BoxFuture, Middleware, Next, Request, Response};
use tokio::sync::watch;

pub use crate::StoreError;

/// One stored answer: status, headers and body, when it was stored, and the request headers its
/// `Vary` names with the values they had.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// Milliseconds since the Unix epoch: a wall clock, which instances share (for `Age`).
    stored_at: u64,
    vary: Vec<(HeaderName, Option<HeaderValue>)>,
}

/// Bytes that are not a [`CachedResponse`] (written by another version, or truncated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(&'static str);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a cached response: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

/// The first bytes of an encoded [`CachedResponse`], with the format's version.
const MAGIC: &[u8; 4] = b"PCR1";

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl CachedResponse {
    /// A response to store, stored now.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http::{HeaderMap, StatusCode};
    /// use pulya_middleware::cache::CachedResponse;
    ///
    /// let stored = CachedResponse::new(StatusCode::OK, HeaderMap::new(), Bytes::from("hi"));
    /// let bytes = stored.encode();
    /// assert_eq!(CachedResponse::decode(&bytes).unwrap(), stored);
    /// assert!(CachedResponse::decode(&bytes[..5]).is_err());
    /// ```
    pub fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            status,
            headers,
            body,
            stored_at: now_millis(),
            vary: Vec::new(),
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers, as the handler gave them.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// How many bytes it holds, roughly: what [`MemoryCache`] counts against its bound.
    pub fn size(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 32)
            .sum();
        let vary: usize = self
            .vary
            .iter()
            .map(|(name, value)| name.as_str().len() + value.as_ref().map_or(0, HeaderValue::len))
            .sum();
        std::mem::size_of::<Self>() + headers + vary + self.body.len()
    }

    /// Seconds since it was stored, for `Age`.
    fn age(&self) -> u64 {
        now_millis().saturating_sub(self.stored_at) / 1_000
    }

    /// Whether `headers`, a request's, has the values this response varied on.
    fn matches(&self, headers: &HeaderMap) -> bool {
        self.vary
            .iter()
            .all(|(name, value)| headers.get(name) == value.as_ref())
    }

    /// The bytes a shared store keeps: a versioned binary form.
    pub fn encode(&self) -> Vec<u8> {
        fn bytes(out: &mut Vec<u8>, b: &[u8]) {
            out.extend_from_slice(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(b);
        }
        let mut out = Vec::with_capacity(self.size());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.status.as_u16().to_be_bytes());
        out.extend_from_slice(&self.stored_at.to_be_bytes());
        out.extend_from_slice(&u32::try_from(self.headers.len()).unwrap_or(0).to_be_bytes());
        for (name, value) in &self.headers {
            bytes(&mut out, name.as_str().as_bytes());
            bytes(&mut out, value.as_bytes());
        }
        out.extend_from_slice(&u32::try_from(self.vary.len()).unwrap_or(0).to_be_bytes());
        for (name, value) in &self.vary {
            bytes(&mut out, name.as_str().as_bytes());
            match value {
                None => out.push(0),
                Some(value) => {
                    out.push(1);
                    bytes(&mut out, value.as_bytes());
                }
            }
        }
        bytes(&mut out, &self.body);
        out
    }

    /// Reads what [`encode`](Self::encode) wrote.
    ///
    /// # Errors
    /// When `bytes` is not such an encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader(bytes);
        if r.take(4)? != MAGIC {
            return Err(DecodeError("unknown format"));
        }
        let status = StatusCode::from_u16(u16::from_be_bytes(r.array()?))
            .map_err(|_| DecodeError("bad status"))?;
        let stored_at = u64::from_be_bytes(r.array()?);
        let mut headers = HeaderMap::new();
        for _ in 0..u32::from_be_bytes(r.array()?) {
            let name = HeaderName::from_bytes(r.bytes()?).map_err(|_| DecodeError("bad name"))?;
            let value =
                HeaderValue::from_bytes(r.bytes()?).map_err(|_| DecodeError("bad value"))?;
            headers.append(name, value);
        }
        let mut vary = Vec::new();
        for _ in 0..u32::from_be_bytes(r.array()?) {
            let name = HeaderName::from_bytes(r.bytes()?).map_err(|_| DecodeError("bad name"))?;
            let value = match r.take(1)?[0] {
                0 => None,
                _ => Some(
                    HeaderValue::from_bytes(r.bytes()?).map_err(|_| DecodeError("bad value"))?,
                ),
            };
            vary.push((name, value));
        }
        let body = Bytes::copy_from_slice(r.bytes()?);
        if !r.0.is_empty() {
            return Err(DecodeError("trailing bytes"));
        }
        Ok(Self {
            status,
            headers,
            body,
            stored_at,
            vary,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.0.len() < n {
            return Err(DecodeError("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        Ok(self.take(N)?.try_into().expect("N bytes taken"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = u32::from_be_bytes(self.array()?) as usize;
        self.take(len)
    }
}

/// Where cached responses live when instances share them: a get and a put, each one round trip
/// for a network store. [`MemoryCache`] is the in-process store and needs no future; this
/// trait is for stores of one's own.
pub trait CacheStore: Send + Sync + 'static {
    /// The response stored under `key`, if one is there and fresh.
    fn get<'a>(
        &'a self,
        key: &'a [u8],
    ) -> BoxFuture<'a, Result<Option<CachedResponse>, StoreError>>;

    /// Stores `response` under `key` for `ttl`.
    fn put<'a>(
        &'a self,
        key: &'a [u8],
        response: &'a CachedResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// The in-process store: a least-recently-used map (the `lru` crate), bounded by the bytes its
/// responses hold; expired entries are dropped when met.
///
/// ```
/// use std::time::Duration;
/// use bytes::Bytes;
/// use http::{HeaderMap, StatusCode};
/// use pulya_middleware::cache::{CachedResponse, MemoryCache};
///
/// let cache = MemoryCache::new(1 << 20);
/// let response = CachedResponse::new(StatusCode::OK, HeaderMap::new(), Bytes::from("hi"));
/// cache.insert(b"GET /", response.clone(), Duration::from_secs(60));
/// assert_eq!(cache.lookup(b"GET /").as_deref(), Some(&response));
/// assert!(cache.lookup(b"GET /other").is_none());
/// ```
pub struct MemoryCache {
    inner: Mutex<MemoryInner>,
    max_bytes: usize,
}

struct MemoryInner {
    entries: lru::LruCache<Box<[u8]>, MemoryEntry>,
    bytes: usize,
}

struct MemoryEntry {
    response: Arc<CachedResponse>,
    expires: Instant,
    size: usize,
}

impl fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryCache")
            .field("max_bytes", &self.max_bytes)
            .field("bytes", &self.bytes())
            .finish_non_exhaustive()
    }
}

impl MemoryCache {
    /// A cache of at most `max_bytes` (keys and responses, as [`CachedResponse::size`] counts
    /// them); a response larger than that is not kept.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(MemoryInner {
                entries: lru::LruCache::unbounded(),
                bytes: 0,
            }),
            max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        // A panic while locked leaves the map consistent (no user code runs under the lock).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The bytes held now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// How many responses are held.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The fresh response under `key`, marked as recently used.
    pub fn lookup(&self, key: &[u8]) -> Option<Arc<CachedResponse>> {
        let mut inner = self.lock();
        let entry = inner.entries.get(key)?;
        if entry.expires > Instant::now() {
            return Some(Arc::clone(&entry.response));
        }
        if let Some(old) = inner.entries.pop(key) {
            inner.bytes -= old.size;
        }
        None
    }

    /// Keeps `response` under `key` for `ttl`, evicting the least recently used responses
    /// while over the bound.
    pub fn insert(&self, key: &[u8], response: CachedResponse, ttl: Duration) {
        self.keep(key, Arc::new(response), ttl);
    }

    fn keep(&self, key: &[u8], response: Arc<CachedResponse>, ttl: Duration) {
        let size = key.len() + response.size();
        if size > self.max_bytes {
            return;
        }
        let entry = MemoryEntry {
            response,
            expires: Instant::now() + ttl,
            size,
        };
        let mut inner = self.lock();
        if let Some(old) = inner.entries.put(key.into(), entry) {
            inner.bytes -= old.size;
        }
        inner.bytes += size;
        while inner.bytes > self.max_bytes {
            match inner.entries.pop_lru() {
                Some((_, old)) => inner.bytes -= old.size,
                None => break,
            }
        }
    }
}

impl CacheStore for MemoryCache {
    fn get<'a>(
        &'a self,
        key: &'a [u8],
    ) -> BoxFuture<'a, Result<Option<CachedResponse>, StoreError>> {
        let found = self.lookup(key).map(|r| (*r).clone());
        Box::pin(std::future::ready(Ok(found)))
    }

    fn put<'a>(
        &'a self,
        key: &'a [u8],
        response: &'a CachedResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.insert(key, response.clone(), ttl);
        Box::pin(std::future::ready(Ok(())))
    }
}

enum Store {
    Memory(MemoryCache),
    Shared {
        store: Arc<dyn CacheStore>,
        timeout: Duration,
    },
}

/// What the first of concurrent misses tells the others: the response it stored, or that there
/// is none to share (not cacheable, or the fill was cancelled).
#[derive(Clone)]
enum Fill {
    Pending,
    Stored(Arc<CachedResponse>),
    Nothing,
}

struct Inner {
    ttl: Duration,
    max_body: usize,
    store: Store,
    /// The keys being filled now, and how to wait for them.
    filling: Mutex<HashMap<Box<[u8]>, watch::Receiver<Fill>>>,
}

/// The response cache middleware; see [the module](self) for what it caches.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::Duration;
/// use pulya_app::App;
/// use pulya_middleware::cache::ResponseCache;
///
/// let calls = Arc::new(AtomicUsize::new(0));
/// let counted = Arc::clone(&calls);
/// let client = App::new()
///     .get("/report", move || {
///         counted.fetch_add(1, Ordering::Relaxed);
///         async { "an expensive report" }
///     })
///     .middleware(ResponseCache::new(Duration::from_secs(30)))
///     .test_client();
/// let first = client.get("/report").send().await;
/// assert_eq!(first.header("age"), None);
/// let second = client.get("/report").send().await;
/// assert_eq!(second.text(), "an expensive report");
/// assert_eq!(second.header("age"), Some("0"));
/// assert_eq!(calls.load(Ordering::Relaxed), 1, "the second came from the cache");
/// # }
/// ```
#[derive(Clone)]
pub struct ResponseCache {
    inner: Arc<Inner>,
}

impl fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseCache")
            .field("ttl", &self.inner.ttl)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

/// The default bound of [`ResponseCache::new`]'s memory store: 64 MiB.
const DEFAULT_MAX_BYTES: usize = 64 << 20;

impl ResponseCache {
    /// Responses kept for `ttl`, in a [`MemoryCache`] of 64 MiB.
    pub fn new(ttl: Duration) -> Self {
        Self::with_store(ttl, Store::Memory(MemoryCache::new(DEFAULT_MAX_BYTES)))
    }

    fn with_store(ttl: Duration, store: Store) -> Self {
        Self {
            inner: Arc::new(Inner {
                ttl,
                max_body: 1 << 20,
                store,
                filling: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::get_mut(&mut self.inner).expect("configured before it is cloned")
    }

    /// The in-memory store holds at most `max_bytes` (default 64 MiB).
    ///
    /// # Panics
    /// On a clone (configure before cloning).
    pub fn max_bytes(mut self, max_bytes: usize) -> Self {
        self.inner_mut().store = Store::Memory(MemoryCache::new(max_bytes));
        self
    }

    /// The largest body kept (default 1 MiB); larger responses are passed on uncached.
    ///
    /// # Panics
    /// On a clone.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.inner_mut().max_body = bytes;
        self
    }

    /// Keeps responses in `store`, shared between instances, waiting at most `timeout` for it
    /// (50 ms is a fair choice); a store that fails or is late is logged and counts as a miss,
    /// so the handler answers.
    ///
    /// # Panics
    /// On a clone.
    pub fn shared(mut self, store: Arc<dyn CacheStore>, timeout: Duration) -> Self {
        self.inner_mut().store = Store::Shared { store, timeout };
        self
    }
}

/// Whether a `Cache-Control` value holds `directive` (case-insensitively, as its own token).
fn has_directive(headers: &HeaderMap, directive: &str) -> bool {
    directives(headers).any(|(name, _)| name.eq_ignore_ascii_case(directive))
}

/// The directives of every `Cache-Control` header: name and value (without quotes).
fn directives(headers: &HeaderMap) -> impl Iterator<Item = (&str, Option<&str>)> {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|d| match d.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim().trim_matches('"'))),
            None => (d.trim(), None),
        })
}

/// The `max-age` (or `s-maxage`, which wins in a shared cache) a `Cache-Control` gives.
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut max_age = None;
    for (name, value) in directives(headers) {
        let secs = || {
            value
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs)
        };
        if name.eq_ignore_ascii_case("s-maxage") {
            return secs();
        }
        if name.eq_ignore_ascii_case("max-age") {
            max_age = secs();
        }
    }
    max_age
}

/// A cache key: the method, a space, the path and the query. Up to [`Key::INLINE`] bytes it is
/// kept on the stack, so that a hit allocates no key.
enum Key {
    Inline { len: u8, bytes: [u8; Key::INLINE] },
    Heap(Box<[u8]>),
}

impl Key {
    /// Room for `GET ` and a path and query of 91 bytes.
    const INLINE: usize = 96;

    /// The key of `req` as a request of `method`.
    fn of(method: &Method, req: &Request) -> Self {
        let method = method.as_str().as_bytes();
        let target = req
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .as_bytes();
        let len = method.len() + 1 + target.len();
        if len <= Self::INLINE {
            let mut bytes = [0; Self::INLINE];
            bytes[..method.len()].copy_from_slice(method);
            bytes[method.len()] = b' ';
            bytes[method.len() + 1..len].copy_from_slice(target);
            return Key::Inline {
                len: len as u8,
                bytes,
            };
        }
        Key::Heap([method, b" ", target].concat().into())
    }
}

impl std::ops::Deref for Key {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Key::Heap(bytes) => bytes,
        }
    }
}

/// What a request lets the cache do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Allowed {
    /// Nothing: not `GET` or `HEAD`, `Authorization`, or `Cache-Control: no-store`.
    Nothing,
    /// Fill, without a lookup: `Cache-Control: no-cache` or `max-age=0`.
    Refresh,
    /// Look up, and fill on a miss.
    Lookup,
}

fn allowed(req: &Request) -> Allowed {
    let headers = req.headers();
    if (req.method() != Method::GET && req.method() != Method::HEAD)
        || headers.contains_key(header::AUTHORIZATION)
    {
        return Allowed::Nothing;
    }
    // Most requests have no `Cache-Control`: one lookup, then no scan.
    if !headers.contains_key(header::CACHE_CONTROL) {
        return Allowed::Lookup;
    }
    if has_directive(headers, "no-store") {
        Allowed::Nothing
    } else if has_directive(headers, "no-cache") || max_age(headers) == Some(Duration::ZERO) {
        Allowed::Refresh
    } else {
        Allowed::Lookup
    }
}

/// The answer of a hit: the stored response with `Age`.
fn hit(stored: &CachedResponse) -> Response {
    let mut res = Response::new(Body::full(stored.body.clone()));
    *res.status_mut() = stored.status;
    *res.headers_mut() = stored.headers.clone();
    res.headers_mut()
        .insert(header::AGE, HeaderValue::from(stored.age()));
    res
}

/// The entry to keep for `res`, and for how long; `None` when it may not be kept.
fn storable(
    res: &Response,
    request_headers: &HeaderMap,
    ttl: Duration,
    max_body: usize,
) -> Option<(CachedResponse, Duration)> {
    if !matches!(res.status().as_u16(), 200 | 203 | 204) {
        return None;
    }
    let headers = res.headers();
    if headers.contains_key(header::SET_COOKIE)
        || ["no-store", "no-cache", "private"]
            .iter()
            .any(|d| has_directive(headers, d))
    {
        return None;
    }
    let ttl = max_age(headers).map_or(ttl, |age| age.min(ttl));
    if ttl.is_zero() {
        return None;
    }
    let body = res.body().as_bytes().filter(|b| b.len() <= max_body)?;
    let mut vary = Vec::new();
    for value in headers.get_all(header::VARY) {
        for name in value.to_str().ok()?.split(',') {
            let name = name.trim();
            if name == "*" {
                return None;
            }
            let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
            let value = request_headers.get(&name).cloned();
            vary.push((name, value));
        }
    }
    let mut stored =
        CachedResponse::new(res.status(), headers.clone(), Bytes::copy_from_slice(body));
    stored.vary = vary;
    Some((stored, ttl))
}

/// The first miss of a key: tells the waiting misses what it stored when it ends, also when it
/// is dropped early (a cancelled request) or panics.
struct Filler {
    inner: Arc<Inner>,
    key: Box<[u8]>,
    tx: watch::Sender<Fill>,
}

impl Drop for Filler {
    fn drop(&mut self) {
        self.inner
            .filling
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
        self.tx.send_if_modified(|fill| {
            let pending = matches!(fill, Fill::Pending);
            if pending {
                *fill = Fill::Nothing;
            }
            pending
        });
    }
}

enum Role {
    Filler(Filler),
    Waiter(watch::Receiver<Fill>),
    /// Stored by a fill that ended between this request's lookup and now (memory store).
    Hit(Arc<CachedResponse>),
}

impl Inner {
    async fn lookup(&self, key: &[u8]) -> Option<Arc<CachedResponse>> {
        match &self.store {
            Store::Memory(memory) => memory.lookup(key),
            Store::Shared { store, timeout } => {
                match crate::store::within(*timeout, store.get(key)).await {
                    Ok(found) => found.map(Arc::new),
                    Err(err) => {
                        tracing::warn!(error = %err, "response cache not read; answering from the handler");
                        None
                    }
                }
            }
        }
    }

    async fn store(
        &self,
        key: &[u8],
        response: CachedResponse,
        ttl: Duration,
    ) -> Arc<CachedResponse> {
        match &self.store {
            Store::Memory(memory) => {
                let response = Arc::new(response);
                memory.keep(key, Arc::clone(&response), ttl);
                response
            }
            Store::Shared { store, timeout } => {
                if let Err(err) =
                    crate::store::within(*timeout, store.put(key, &response, ttl)).await
                {
                    tracing::warn!(error = %err, "response not cached");
                }
                Arc::new(response)
            }
        }
    }

    /// Whether this request fills `key` or waits for the request that does; with `look`, a
    /// hit stored since the lookup is taken too.
    fn role(self: &Arc<Self>, key: &[u8], look: bool) -> Role {
        let mut filling = self.filling.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rx) = filling.get(key) {
            return Role::Waiter(rx.clone());
        }
        // A fill stores before it leaves `filling`: under this lock, the memory store already
        // has what a fill that ended since this request's lookup stored. (A shared store is
        // not asked again: a second round trip for a rare race.)
        if let (true, Store::Memory(memory)) = (look, &self.store) {
            if let Some(stored) = memory.lookup(key) {
                return Role::Hit(stored);
            }
        }
        let (tx, rx) = watch::channel(Fill::Pending);
        filling.insert(key.into(), rx);
        Role::Filler(Filler {
            inner: Arc::clone(self),
            key: key.into(),
            tx,
        })
    }
}

impl Middleware for ResponseCache {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        let allowed = allowed(&req);
        if allowed == Allowed::Nothing {
            return next.run(req);
        }
        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            let key = Key::of(req.method(), &req);
            if allowed == Allowed::Lookup {
                // A `HEAD` is answered from a stored `GET` first (RFC 9111, 4): the app sends
                // its headers and drops the body.
                if req.method() == Method::HEAD {
                    let get = Key::of(&Method::GET, &req);
                    if let Some(stored) = inner.lookup(&get).await {
                        if stored.matches(req.headers()) {
                            return hit(&stored);
                        }
                    }
                }
                if let Some(stored) = inner.lookup(&key).await {
                    if stored.matches(req.headers()) {
                        return hit(&stored);
                    }
                }
            }
            let filler = match inner.role(&key, allowed == Allowed::Lookup) {
                Role::Filler(filler) => filler,
                Role::Hit(stored) if stored.matches(req.headers()) => return hit(&stored),
                // A variant for other request headers: this request fills its own.
                Role::Hit(_) => return next.run(req).await,
                Role::Waiter(mut rx) => {
                    // The watch's guard is let go of at once: the future must stay `Send`.
                    let fill = rx
                        .wait_for(|f| !matches!(f, Fill::Pending))
                        .await
                        .map(|fill| fill.clone());
                    if let Ok(Fill::Stored(stored)) = fill {
                        if stored.matches(req.headers()) {
                            return hit(&stored);
                        }
                    }
                    return next.run(req).await;
                }
            };
            let request_headers = req.headers().clone();
            // The app renders a deferred body (`Json`) only at the end; the cache needs it now.
            let app = next.context().clone().into_app();
            let mut res = next.run(req).await;
            if let Err(err) = res.body_mut().render(&app) {
                return pulya_core::IntoResponse::into_response(err);
            }
            if let Some((stored, ttl)) = storable(&res, &request_headers, inner.ttl, inner.max_body)
            {
                let stored = inner.store(&key, stored, ttl).await;
                filler.tx.send_replace(Fill::Stored(stored));
            }
            drop(filler);
            res
        })
    }
}
