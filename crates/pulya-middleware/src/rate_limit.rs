//! Rate limiting per client: GCRA (the generic cell rate algorithm, a token bucket kept as one
//! timestamp per key), per app, group or route.
//!
//! [`RateLimit`] is the middleware; [`Quota`] its rate and burst; [`KeyBy`] what a client is
//! (its IP address by default, or a header, or a function of the request), with a rule for
//! trusted proxies; [`MemoryStore`] keeps the state in process, in shards, evicting keys whose
//! bucket is full again so that memory follows the clients seen within one refill period.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use ahash::RandomState;
use http::{HeaderName, HeaderValue, StatusCode, header};
use pulya_core::{
    Body, BoxFuture, ErrorResponse, Middleware, Next, Request, RequestContext, Response,
};

/// How many requests a client may make: `burst` at once, refilled at `per_second`.
///
/// ```
/// use pulya_middleware::rate_limit::Quota;
///
/// let quota = Quota::per_second(20).burst(40);
/// assert_eq!(quota.limit(), 40);
/// assert_eq!(Quota::per_second(20).limit(), 20, "the burst is the rate unless set");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Nanoseconds between two requests at the sustained rate (GCRA's emission interval).
    interval: u64,
    burst: u32,
}

impl Quota {
    /// `n` requests a second, with a burst of `n`.
    ///
    /// # Panics
    /// When `n` is 0.
    pub fn per_second(n: u32) -> Self {
        Self::per(n, Duration::from_secs(1))
    }

    /// `n` requests a minute, with a burst of `n`.
    ///
    /// # Panics
    /// When `n` is 0.
    pub fn per_minute(n: u32) -> Self {
        Self::per(n, Duration::from_secs(60))
    }

    /// `n` requests per `period`, with a burst of `n`.
    ///
    /// # Panics
    /// When `n` is 0 or `period` is shorter than `n` nanoseconds.
    pub fn per(n: u32, period: Duration) -> Self {
        assert!(n > 0, "a quota allows at least one request");
        let interval = u64::try_from(period.as_nanos() / u128::from(n)).unwrap_or(u64::MAX);
        assert!(
            interval > 0,
            "a quota's period is at least a nanosecond a request"
        );
        Self { interval, burst: n }
    }

    /// Allows `burst` requests at once (at least 1) over the sustained rate.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// The most requests at once: what `RateLimit-Limit` says.
    pub fn limit(&self) -> u32 {
        self.burst
    }

    /// GCRA's emission interval, in nanoseconds.
    #[cfg(feature = "redis")]
    pub(crate) fn interval(&self) -> u64 {
        self.interval
    }

    /// GCRA's tolerance: how far ahead of now the theoretical arrival time may run.
    pub(crate) fn tolerance(&self) -> u64 {
        self.interval.saturating_mul(u64::from(self.burst - 1))
    }
}

/// `N/s` or `N/m` (N above 0) was not what the text said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaParseError(String);

impl fmt::Display for QuotaParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a quota is N/s or N/m with N above 0, not `{}`", self.0)
    }
}

impl std::error::Error for QuotaParseError {}

/// `N/s` for N a second, `N/m` for N a minute, with a burst of N: what a command line takes.
///
/// ```
/// use pulya_middleware::rate_limit::Quota;
///
/// assert_eq!("20/s".parse::<Quota>().unwrap(), Quota::per_second(20));
/// assert_eq!("3/m".parse::<Quota>().unwrap(), Quota::per_minute(3));
/// assert!("0/s".parse::<Quota>().is_err());
/// assert!("5/h".parse::<Quota>().is_err());
/// ```
impl std::str::FromStr for Quota {
    type Err = QuotaParseError;

    fn from_str(text: &str) -> Result<Self, QuotaParseError> {
        let bad = || QuotaParseError(text.to_owned());
        let (n, per) = text.split_once('/').ok_or_else(bad)?;
        let n: u32 = n.trim().parse().ok().filter(|&n| n > 0).ok_or_else(bad)?;
        match per.trim() {
            "s" => Ok(Quota::per_second(n)),
            "m" => Ok(Quota::per_minute(n)),
            _ => Err(bad()),
        }
    }
}

/// The verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Requests left at once after this one.
    pub remaining: u32,
    /// Until the bucket is full again.
    pub reset: Duration,
    /// Until a refused request would be allowed (zero when allowed).
    pub retry_after: Duration,
}

/// GCRA on one key's theoretical arrival time `tat` (nanoseconds on the store's clock), at
/// `now`: the verdict, and the time to store when allowed. Shared by every store, so that they
/// agree to the nanosecond.
///
/// ```
/// use pulya_middleware::rate_limit::{Quota, gcra};
///
/// let quota = Quota::per_second(2); // a burst of 2, one every 500 ms
/// let (first, tat) = gcra(quota, None, 0);
/// assert!(first.allowed && first.remaining == 1);
/// let (second, tat) = gcra(quota, tat, 0);
/// assert!(second.allowed && second.remaining == 0);
/// let (third, _) = gcra(quota, tat, 0);
/// assert!(!third.allowed);
/// assert_eq!(third.retry_after.as_millis(), 500);
/// ```
pub fn gcra(quota: Quota, tat: Option<u64>, now: u64) -> (Decision, Option<u64>) {
    let tolerance = quota.tolerance();
    let tat = tat.unwrap_or(now).max(now);
    let new_tat = tat.saturating_add(quota.interval);
    let allow_at = new_tat.saturating_sub(tolerance + quota.interval);
    if allow_at > now {
        let decision = Decision {
            allowed: false,
            remaining: 0,
            reset: Duration::from_nanos(tat - now),
            retry_after: Duration::from_nanos(allow_at - now),
        };
        return (decision, None);
    }
    let ahead = new_tat - now;
    let left = (tolerance + quota.interval - ahead) / quota.interval;
    let decision = Decision {
        allowed: true,
        remaining: u32::try_from(left).unwrap_or(u32::MAX),
        reset: Duration::from_nanos(ahead),
        retry_after: Duration::ZERO,
    };
    (decision, Some(new_tat))
}

pub use crate::store::StoreError;

/// Where the limits live when they are shared between instances: one atomic check-and-update
/// per request (one round trip for a network store). [`MemoryStore`] is the in-process store
/// and needs no future; this trait is for stores of one's own.
pub trait RateLimitStore: Send + Sync + 'static {
    /// Applies one request of `key` under `quota` (see [`gcra`]), on the store's own clock so
    /// that instances agree.
    fn check<'a>(
        &'a self,
        key: &'a [u8],
        quota: Quota,
    ) -> BoxFuture<'a, Result<Decision, StoreError>>;
}

/// The in-process store: shards of hash maps from key to theoretical arrival time. A key whose
/// bucket is full again is worth nothing and is evicted when its shard grows, so memory
/// follows the clients seen within one refill period.
pub struct MemoryStore {
    shards: Box<[Mutex<Shard>]>,
    /// A random seed for choosing a key's shard.
    seed: u64,
}

struct Shard {
    tats: HashMap<Key, u64, RandomState>,
    /// Sweep when the shard reaches this many keys.
    sweep_at: usize,
}

/// A shard's first sweep, and the least between sweeps.
const MIN_SWEEP: usize = 1024;

/// The longest key kept inline (an IPv6 address is 16 bytes): no allocation and no pointer to
/// follow when comparing it.
const INLINE_KEY: usize = 30;

/// A key of the map: inline up to [`INLINE_KEY`] bytes, else boxed. Hashes and compares as its
/// bytes, so that the map is searched with a `&[u8]`.
#[derive(Clone)]
enum Key {
    Inline(u8, [u8; INLINE_KEY]),
    Boxed(Box<[u8]>),
}

impl Key {
    fn new(bytes: &[u8]) -> Self {
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE_KEY => {
                let mut inline = [0; INLINE_KEY];
                inline[..bytes.len()].copy_from_slice(bytes);
                Key::Inline(len, inline)
            }
            _ => Key::Boxed(bytes.into()),
        }
    }
}

impl std::borrow::Borrow<[u8]> for Key {
    fn borrow(&self) -> &[u8] {
        match self {
            Key::Inline(len, bytes) => &bytes[..usize::from(*len)],
            Key::Boxed(bytes) => bytes,
        }
    }
}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::borrow::Borrow::<[u8]>::borrow(self).hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        std::borrow::Borrow::<[u8]>::borrow(self) == std::borrow::Borrow::<[u8]>::borrow(other)
    }
}

impl Eq for Key {}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("keys", &self.len())
            .finish()
    }
}

impl MemoryStore {
    /// An empty store of 64 shards (a lock each, so that cores seldom wait on one another).
    pub fn new() -> Self {
        // Within a shard, aHash with random keys: the keys are the clients', who must not be
        // able to make a chain of collisions, which a randomly keyed aHash is built to resist
        // (as SipHash is); it hashes an address in a fraction of SipHash's time.
        let hasher = RandomState::new();
        let shards = (0..64)
            .map(|_| {
                Mutex::new(Shard {
                    tats: HashMap::with_hasher(hasher.clone()),
                    sweep_at: MIN_SWEEP,
                })
            })
            .collect();
        Self {
            shards,
            seed: hasher.hash_one(0x5eed_u64) | 1,
        }
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(|e| e.into_inner()).tats.len())
            .sum()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A key's shard: a seeded multiply-and-shift hash, cheaper than hashing the key twice
    /// with SipHash. Its seed is random, so that a client cannot aim at one shard's lock; the
    /// map inside the shard does not rely on it.
    fn shard_of(&self, key: &[u8]) -> usize {
        let mut h = self.seed ^ key.len() as u64;
        for chunk in key.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            h = (h ^ u64::from_le_bytes(word)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            h ^= h >> 29;
        }
        (h >> 58) as usize % self.shards.len()
    }

    /// Applies one request of `key` at `now` (nanoseconds on any clock that only goes forward).
    pub fn check_at(&self, key: &[u8], quota: Quota, now: u64) -> Decision {
        let shard = &self.shards[self.shard_of(key)];
        let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
        // One probe for a key that is held: its time is read and updated in place.
        if let Some(stored) = shard.tats.get_mut(key) {
            let (decision, new_tat) = gcra(quota, Some(*stored), now);
            if let Some(new_tat) = new_tat {
                *stored = new_tat;
            }
            return decision;
        }
        let (decision, new_tat) = gcra(quota, None, now);
        if let Some(new_tat) = new_tat {
            if shard.tats.len() >= shard.sweep_at {
                shard.tats.retain(|_, tat| *tat > now);
                shard.sweep_at = (shard.tats.len() * 2).max(MIN_SWEEP);
            }
            shard.tats.insert(Key::new(key), new_tat);
        }
        decision
    }
}

/// What a client is, for its limit.
#[derive(Clone)]
pub enum KeyBy {
    /// The peer's IP address (the default). Behind proxies listed with
    /// [`RateLimit::trust_proxies`], the client's address from `X-Forwarded-For` or
    /// `Forwarded`.
    Ip,
    /// The value of a request header (an API key, say); a request without it is not limited.
    Header(HeaderName),
    /// A function of the request; `None` leaves the request unlimited.
    Fn(KeyFn),
}

/// A function that names a request's client, for [`KeyBy::Fn`].
pub type KeyFn = Arc<dyn Fn(&Request, &RequestContext) -> Option<Vec<u8>> + Send + Sync>;

impl fmt::Debug for KeyBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip => f.write_str("Ip"),
            Self::Header(name) => f.debug_tuple("Header").field(name).finish(),
            Self::Fn(_) => f.write_str("Fn(..)"),
        }
    }
}

/// An address range of trusted proxies: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// The addresses whose first `prefix` bits are `addr`'s (`10.0.0.0`, 8 for `10.0.0.0/8`).
    pub fn new(addr: IpAddr, prefix: u8) -> Self {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        Self {
            addr,
            prefix: prefix.min(max),
        }
    }

    /// Whether `ip` is in the range (an IPv4 address never is in an IPv6 range).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (a, b, bits) = match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (
                u128::from(u32::from(a)) << 96,
                u128::from(u32::from(b)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), self.prefix),
            _ => return false,
        };
        let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
        a & mask == b & mask
    }
}

impl From<IpAddr> for IpRange {
    fn from(addr: IpAddr) -> Self {
        Self::new(addr, if addr.is_ipv4() { 32 } else { 128 })
    }
}

/// What a store's failure does to the request: let it through (fail open, the default) or
/// answer `503 Service Unavailable` (fail closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnStoreError {
    /// Let the request through, logged.
    Allow,
    /// Answer 503, logged.
    Refuse,
}

enum Store {
    Memory(MemoryStore),
    Shared {
        store: Arc<dyn RateLimitStore>,
        timeout: Duration,
        on_error: OnStoreError,
    },
}

type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

struct Config {
    quota: Quota,
    key: KeyBy,
    trusted: Vec<IpRange>,
    store: Store,
    clock: Clock,
    limit: HeaderValue,
    refused_body: bytes::Bytes,
}

/// Rate limiting middleware: every response carries `RateLimit-Limit`, `RateLimit-Remaining`
/// and `RateLimit-Reset` (seconds), and a client over its quota gets `429 Too Many Requests`
/// in Pulya's error shape with `Retry-After` (seconds, rounded up), without reaching the
/// handler. Put it on the app, a group or a route.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_app::App;
/// use pulya_middleware::rate_limit::{Quota, RateLimit};
///
/// let client = App::new()
///     .get("/", || async { "hi" })
///     .middleware(RateLimit::new(Quota::per_minute(2)))
///     .test_client();
/// let first = client.get("/").send().await;
/// assert_eq!(first.header("ratelimit-remaining"), Some("1"));
/// assert_eq!(client.get("/").send().await.status(), 200);
/// let third = client.get("/").send().await;
/// assert_eq!(third.status(), 429);
/// assert_eq!(third.header("retry-after"), Some("30"));
/// # }
/// ```
#[derive(Clone)]
pub struct RateLimit {
    config: Arc<Config>,
}

impl fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("quota", &self.config.quota)
            .field("key", &self.config.key)
            .field("trusted", &self.config.trusted)
            .finish_non_exhaustive()
    }
}

/// Nanoseconds since the first call in this process: a clock that only goes forward.
fn monotonic() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    u64::try_from(START.get_or_init(Instant::now).elapsed().as_nanos()).unwrap_or(u64::MAX)
}

impl RateLimit {
    /// `quota` per client IP address, in memory ([`MemoryStore`]).
    pub fn new(quota: Quota) -> Self {
        let refused = ErrorResponse::new(StatusCode::TOO_MANY_REQUESTS, "too many requests");
        Self {
            config: Arc::new(Config {
                quota,
                key: KeyBy::Ip,
                trusted: Vec::new(),
                store: Store::Memory(MemoryStore::new()),
                clock: Arc::new(monotonic),
                limit: HeaderValue::from(quota.limit()),
                refused_body: bytes::Bytes::from(refused.to_json()),
            }),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        Arc::get_mut(&mut self.config).expect("configured before it is cloned")
    }

    /// What a client is: [`KeyBy::Ip`] by default.
    ///
    /// # Panics
    /// On a clone (configure before cloning).
    pub fn key(mut self, key: KeyBy) -> Self {
        self.config_mut().key = key;
        self
    }

    /// Proxies whose `X-Forwarded-For` and `Forwarded` headers are believed: when the peer is
    /// one of them, the client is the last address of those headers that is not a trusted
    /// proxy. From any other peer the headers are ignored, so that a client cannot pick its own
    /// key. Default: none.
    ///
    /// # Panics
    /// On a clone.
    pub fn trust_proxies(mut self, ranges: impl IntoIterator<Item = IpRange>) -> Self {
        self.config_mut().trusted = ranges.into_iter().collect();
        self
    }

    /// Keeps the limits in `store`, shared between instances, waiting at most `timeout` for
    /// it (default 50 ms with [`RateLimit::shared`]) and then doing what `on_error` says.
    ///
    /// # Panics
    /// On a clone.
    pub fn store(
        mut self,
        store: Arc<dyn RateLimitStore>,
        timeout: Duration,
        on_error: OnStoreError,
    ) -> Self {
        self.config_mut().store = Store::Shared {
            store,
            timeout,
            on_error,
        };
        self
    }

    /// [`store`](Self::store) with a 50 ms timeout, failing open.
    pub fn shared(self, store: Arc<dyn RateLimitStore>) -> Self {
        self.store(store, Duration::from_millis(50), OnStoreError::Allow)
    }

    /// The in-memory store's clock, in nanoseconds (default: a monotonic clock); for tests.
    ///
    /// # Panics
    /// On a clone.
    pub fn clock(mut self, now: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.config_mut().clock = Arc::new(now);
        self
    }

    /// The key of `req`, or `None` to leave it unlimited.
    fn key_of(&self, req: &Request, cx: &RequestContext) -> Option<KeyBytes> {
        let config = &self.config;
        match &config.key {
            KeyBy::Ip => {
                let peer = cx.peer_addr()?.ip();
                let ip = if config.trusted.iter().any(|r| r.contains(peer)) {
                    forwarded_client(req, &config.trusted).unwrap_or(peer)
                } else {
                    peer
                };
                let mut bytes = [0; 16];
                let len = match ip {
                    IpAddr::V4(v4) => {
                        bytes[..4].copy_from_slice(&v4.octets());
                        4
                    }
                    IpAddr::V6(v6) => {
                        bytes = v6.octets();
                        16
                    }
                };
                Some(KeyBytes::Ip(bytes, len))
            }
            KeyBy::Header(name) => req
                .headers()
                .get(name)
                .map(|v| KeyBytes::Owned(v.as_bytes().to_vec())),
            KeyBy::Fn(f) => f(req, cx).map(KeyBytes::Owned),
        }
    }
}

/// A request's key: an address on the stack, or bytes of a header or a function.
enum KeyBytes {
    Ip([u8; 16], usize),
    Owned(Vec<u8>),
}

impl std::ops::Deref for KeyBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            KeyBytes::Ip(bytes, len) => &bytes[..*len],
            KeyBytes::Owned(bytes) => bytes,
        }
    }
}

/// A header value of `n`: pre-made, with no allocation, for the small numbers the headers
/// mostly carry.
fn number(n: u64) -> HeaderValue {
    const SMALL: [&str; 64] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
        "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46",
        "47", "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61",
        "62", "63",
    ];
    match SMALL.get(n as usize) {
        Some(text) => HeaderValue::from_static(text),
        None => HeaderValue::from(n),
    }
}

/// The client behind trusted proxies: the last address of `X-Forwarded-For` (or of
/// `Forwarded`'s `for=`) that is not a trusted proxy.
fn forwarded_client(req: &Request, trusted: &[IpRange]) -> Option<IpAddr> {
    let mut hops: Vec<IpAddr> = Vec::new();
    for value in req.headers().get_all("x-forwarded-for") {
        let value = value.to_str().ok()?;
        hops.extend(
            value
                .split(',')
                .filter_map(|hop| hop.trim().parse::<IpAddr>().ok()),
        );
    }
    if hops.is_empty() {
        for value in req.headers().get_all(header::FORWARDED) {
            let value = value.to_str().ok()?;
            hops.extend(value.split([',', ';']).filter_map(|pair| {
                let (name, addr) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("for")
                    .then(|| forwarded_addr(addr))?
            }));
        }
    }
    hops.into_iter()
        .rev()
        .find(|hop| !trusted.iter().any(|r| r.contains(*hop)))
}

/// An address of `Forwarded: for=`: `192.0.2.1`, `"192.0.2.1:4711"` or `"[2001:db8::1]:4711"`.
fn forwarded_addr(value: &str) -> Option<IpAddr> {
    let value = value.trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    value
        .parse()
        .ok()
        .or_else(|| value.rsplit_once(':')?.0.parse().ok())
}

fn seconds_up(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

fn with_headers(mut res: Response, config: &Config, decision: &Decision) -> Response {
    let headers = res.headers_mut();
    // Names made at compile time: a `&str` name is parsed on every insert.
    headers.insert(RATELIMIT_LIMIT, config.limit.clone());
    headers.insert(RATELIMIT_REMAINING, number(u64::from(decision.remaining)));
    headers.insert(RATELIMIT_RESET, number(seconds_up(decision.reset)));
    res
}

fn refused(config: &Config, decision: &Decision) -> Response {
    let mut res = Response::new(Body::full(config.refused_body.clone()));
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::RETRY_AFTER,
        number(seconds_up(decision.retry_after).max(1)),
    );
    with_headers(res, config, decision)
}

impl Middleware for RateLimit {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        let Some(key) = self.key_of(&req, next.context()) else {
            return next.run(req);
        };
        let config = Arc::clone(&self.config);
        match &config.store {
            Store::Memory(store) => {
                let decision = store.check_at(&key, config.quota, (config.clock)());
                if !decision.allowed {
                    return Box::pin(std::future::ready(refused(&config, &decision)));
                }
                let fut = next.run(req);
                Box::pin(async move { with_headers(fut.await, &config, &decision) })
            }
            Store::Shared {
                store,
                timeout,
                on_error,
            } => {
                let (store, timeout, on_error) = (Arc::clone(store), *timeout, *on_error);
                Box::pin(async move {
                    let checked =
                        crate::store::within(timeout, store.check(&key, config.quota)).await;
                    let failure = match checked {
                        Ok(decision) if decision.allowed => {
                            return with_headers(next.run(req).await, &config, &decision);
                        }
                        Ok(decision) => return refused(&config, &decision),
                        Err(err) => err,
                    };
                    match on_error {
                        OnStoreError::Allow => {
                            tracing::warn!(error = %failure, "rate limit not checked; letting the request through");
                            next.run(req).await
                        }
                        OnStoreError::Refuse => {
                            tracing::error!(error = %failure, "rate limit not checked; answering 503");
                            let unavailable = ErrorResponse::new(
                                StatusCode::SERVICE_UNAVAILABLE,
                                "the rate limit cannot be checked",
                            );
                            pulya_core::IntoResponse::into_response(unavailable)
                        }
                    }
                })
            }
        }
    }
}
