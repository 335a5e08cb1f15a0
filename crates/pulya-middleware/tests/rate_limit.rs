//! The rate limiter: GCRA on a fake clock, the headers, separate clients, the trusted-proxy
//! rule, eviction in memory, and a shared store that is slow or failing.
#![cfg(feature = "rate-limit")]

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::StatusCode;
use pulya_app::{App, AppService, Body, BoxFuture};
use pulya_middleware::rate_limit::{
    Decision, IpRange, KeyBy, MemoryStore, OnStoreError, Quota, RateLimit, RateLimitStore,
    StoreError,
};

const MS: u64 = 1_000_000;

fn app(limit: RateLimit) -> AppService {
    App::new()
        .get("/", || async { "ok" })
        .middleware(limit)
        .build()
        .unwrap()
}

/// One GET from `peer` with `headers`: status and the three `RateLimit-*` values.
async fn get(app: &AppService, peer: &str, headers: &[(&str, &str)]) -> (u16, [Option<String>; 4]) {
    let mut req = http::Request::get("/");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let peer: SocketAddr = peer.parse().unwrap();
    let res = app.call_from(req.body(Body::empty()).unwrap(), peer).await;
    let h = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let seen = [
        h("ratelimit-limit"),
        h("ratelimit-remaining"),
        h("ratelimit-reset"),
        h("retry-after"),
    ];
    (res.status().as_u16(), seen)
}

fn fake_clock() -> (Arc<AtomicU64>, impl Fn() -> u64 + Send + Sync + 'static) {
    let now = Arc::new(AtomicU64::new(0));
    let read = Arc::clone(&now);
    (now, move || read.load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_burst_then_a_refill_on_a_fake_clock() {
    let (now, clock) = fake_clock();
    let app = app(RateLimit::new(Quota::per_second(10).burst(5)).clock(clock));
    for left in (0..5).rev() {
        let (status, [limit, remaining, _, retry]) = get(&app, "192.0.2.1:1000", &[]).await;
        assert_eq!(status, 200);
        assert_eq!(limit.as_deref(), Some("5"));
        assert_eq!(remaining, Some(left.to_string()));
        assert_eq!(retry, None);
    }
    let (status, [_, remaining, reset, retry]) = get(&app, "192.0.2.1:1000", &[]).await;
    assert_eq!(status, 429);
    assert_eq!(remaining.as_deref(), Some("0"));
    assert_eq!(
        retry.as_deref(),
        Some("1"),
        "100 ms, rounded up to a second"
    );
    assert_eq!(reset.as_deref(), Some("1"));
    // 100 ms on: one more.
    now.store(100 * MS, Ordering::SeqCst);
    assert_eq!(get(&app, "192.0.2.1:1000", &[]).await.0, 200);
    assert_eq!(get(&app, "192.0.2.1:1000", &[]).await.0, 429);
    // Long after: the whole burst again.
    now.store(10_000 * MS, Ordering::SeqCst);
    let (status, [_, remaining, ..]) = get(&app, "192.0.2.1:1000", &[]).await;
    assert_eq!((status, remaining.as_deref()), (200, Some("4")));
}

#[tokio::test]
async fn the_refusal_is_in_the_error_shape() {
    let client = App::new()
        .get("/", || async { "ok" })
        .middleware(RateLimit::new(Quota::per_minute(1)))
        .test_client();
    assert_eq!(client.get("/").send().await.status(), 200);
    let res = client.get("/").send().await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.text(), r#"{"error":"too many requests","status":429}"#);
    assert_eq!(res.header("retry-after"), Some("60"));
}

#[tokio::test]
async fn clients_have_limits_of_their_own() {
    let (_, clock) = fake_clock();
    let app = app(RateLimit::new(Quota::per_second(1)).clock(clock));
    assert_eq!(get(&app, "192.0.2.1:1", &[]).await.0, 200);
    assert_eq!(
        get(&app, "192.0.2.1:2", &[]).await.0,
        429,
        "same IP, other port"
    );
    assert_eq!(get(&app, "192.0.2.2:1", &[]).await.0, 200);
    assert_eq!(get(&app, "[2001:db8::1]:1", &[]).await.0, 200);
    assert_eq!(get(&app, "[2001:db8::1]:1", &[]).await.0, 429);
}

#[tokio::test]
async fn a_header_key_and_requests_without_it() {
    let (_, clock) = fake_clock();
    let limit = RateLimit::new(Quota::per_second(1))
        .key(KeyBy::Header(http::HeaderName::from_static("x-api-key")))
        .clock(clock);
    let app = app(limit);
    let a = [("x-api-key", "a")];
    assert_eq!(get(&app, "192.0.2.1:1", &a).await.0, 200);
    assert_eq!(
        get(&app, "192.0.2.2:1", &a).await.0,
        429,
        "the key, not the address"
    );
    assert_eq!(get(&app, "192.0.2.1:1", &[("x-api-key", "b")]).await.0, 200);
    let (status, [limit, ..]) = get(&app, "192.0.2.1:1", &[]).await;
    assert_eq!(
        (status, limit),
        (200, None),
        "no key: not limited, no headers"
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let (_, clock) = fake_clock();
    let proxies = [IpRange::new("10.0.0.0".parse().unwrap(), 8)];
    let app = app(RateLimit::new(Quota::per_second(1))
        .trust_proxies(proxies)
        .clock(clock));
    let via = |client: &'static str| [("x-forwarded-for", client)];
    // Behind the trusted proxy, each client has its own limit.
    assert_eq!(
        get(&app, "10.0.0.1:1", &via("203.0.113.7, 10.0.0.2"))
            .await
            .0,
        200
    );
    assert_eq!(get(&app, "10.0.0.1:1", &via("203.0.113.8")).await.0, 200);
    assert_eq!(
        get(&app, "10.0.0.9:1", &via("198.51.100.4, 203.0.113.7"))
            .await
            .0,
        429,
        "the last untrusted hop is the client; what it claims before it is not believed"
    );
    // `Forwarded` when there is no `X-Forwarded-For`.
    let forwarded = [("forwarded", r#"for="[2001:db8::7]:4711";proto=https"#)];
    assert_eq!(get(&app, "10.0.0.1:1", &forwarded).await.0, 200);
    assert_eq!(get(&app, "10.0.0.1:1", &forwarded).await.0, 429);
    // From an untrusted peer the header is ignored: changing it does not get a fresh limit.
    assert_eq!(
        get(&app, "198.51.100.1:1", &via("203.0.113.50")).await.0,
        200
    );
    assert_eq!(
        get(&app, "198.51.100.1:1", &via("203.0.113.51")).await.0,
        429
    );
}

#[test]
fn ip_ranges() {
    let ten = IpRange::new("10.0.0.0".parse().unwrap(), 8);
    assert!(ten.contains("10.255.0.1".parse().unwrap()));
    assert!(!ten.contains("11.0.0.1".parse().unwrap()));
    assert!(!ten.contains("::ffff:10.0.0.1".parse().unwrap()));
    let v6 = IpRange::new("2001:db8::".parse().unwrap(), 32);
    assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
    assert!(!v6.contains("2001:db9::5".parse().unwrap()));
    let one: IpRange = "192.0.2.1".parse::<IpAddr>().unwrap().into();
    assert!(one.contains("192.0.2.1".parse().unwrap()));
    assert!(!one.contains("192.0.2.2".parse().unwrap()));
    assert!(IpRange::new("0.0.0.0".parse().unwrap(), 0).contains("8.8.8.8".parse().unwrap()));
}

#[test]
fn memory_follows_the_clients_of_one_refill_period() {
    // One request a second each: a key's bucket is full again 1 s after its request. 300,000
    // clients, one every 100 µs: about 10,000 hold a bucket at any time.
    let store = MemoryStore::new();
    let quota = Quota::per_second(1);
    let mut most = 0;
    for i in 0..300_000u64 {
        let key = i.to_le_bytes();
        assert!(store.check_at(&key, quota, i * 100_000).allowed);
        if i % 10_000 == 0 {
            most = most.max(store.len());
        }
    }
    assert!(most <= 64 * 1024, "{most} keys held");
    assert!(
        store.len() >= 10_000,
        "the live ones are kept: {}",
        store.len()
    );
    // A live key is still limited.
    let last = 299_999u64.to_le_bytes();
    assert!(!store.check_at(&last, quota, 299_999 * 100_000).allowed);
}

/// A store of the trait over a `MemoryStore`, shared like a network store, that can be slowed
/// down or made to fail.
struct SharedStore {
    inner: MemoryStore,
    delay: Duration,
    fail: bool,
}

impl RateLimitStore for SharedStore {
    fn check<'a>(
        &'a self,
        key: &'a [u8],
        quota: Quota,
    ) -> BoxFuture<'a, Result<Decision, StoreError>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            if self.fail {
                return Err(StoreError("connection refused".into()));
            }
            Ok(self.inner.check_at(key, quota, 0))
        })
    }
}

#[tokio::test]
async fn two_instances_on_one_store_share_one_limit() {
    let store = Arc::new(SharedStore {
        inner: MemoryStore::new(),
        delay: Duration::ZERO,
        fail: false,
    });
    let one = app(RateLimit::new(Quota::per_minute(3)).shared(store.clone()));
    let two = app(RateLimit::new(Quota::per_minute(3)).shared(store));
    let mut allowed = 0;
    for i in 0..10 {
        let instance = if i % 2 == 0 { &one } else { &two };
        allowed += u32::from(get(instance, "192.0.2.1:1", &[]).await.0 == 200);
    }
    assert_eq!(allowed, 3);
}

#[tokio::test]
async fn a_slow_or_failing_store_fails_open_or_closed_within_the_timeout() {
    for (delay, fail) in [(Duration::from_secs(5), false), (Duration::ZERO, true)] {
        let store = Arc::new(SharedStore {
            inner: MemoryStore::new(),
            delay,
            fail,
        });
        let open = app(RateLimit::new(Quota::per_second(1)).store(
            store.clone(),
            Duration::from_millis(50),
            OnStoreError::Allow,
        ));
        let closed = app(RateLimit::new(Quota::per_second(1)).store(
            store,
            Duration::from_millis(50),
            OnStoreError::Refuse,
        ));
        let started = std::time::Instant::now();
        assert_eq!(get(&open, "192.0.2.1:1", &[]).await.0, 200);
        assert_eq!(
            get(&closed, "192.0.2.1:1", &[]).await.0,
            StatusCode::SERVICE_UNAVAILABLE.as_u16()
        );
        assert!(started.elapsed() < Duration::from_secs(4), "never a hang");
    }
}
