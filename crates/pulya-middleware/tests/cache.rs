//! The response cache in memory: what is kept and what is not (methods, `Cache-Control` on both
//! sides, cookies, statuses, `Vary`), `Age`, expiry, the byte bound, one fill for concurrent
//! misses, and a shared store that fails or is late.
#![cfg(feature = "cache")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use pulya_app::{App, AppService, Body, BoxFuture, Json, Response};
use pulya_middleware::StoreError;
use pulya_middleware::cache::{CacheStore, CachedResponse, MemoryCache, ResponseCache};

/// A handler that counts its calls and answers `body` with `headers` and `status`.
fn counted(
    calls: &Arc<AtomicUsize>,
    status: u16,
    headers: &'static [(&'static str, &'static str)],
) -> impl Fn(http::Uri) -> BoxFuture<'static, Response> + Clone + Send + Sync + 'static {
    let calls = Arc::clone(calls);
    move |uri: http::Uri| {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        let mut res = Response::new(Body::from(format!("{} #{n}", uri.path())));
        *res.status_mut() = StatusCode::from_u16(status).unwrap();
        for (name, value) in headers {
            res.headers_mut().append(*name, value.parse().unwrap());
        }
        Box::pin(std::future::ready(res))
    }
}

fn cached_app(
    cache: ResponseCache,
    status: u16,
    headers: &'static [(&'static str, &'static str)],
) -> (AppService, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = counted(&calls, status, headers);
    let app = App::new()
        .get("/a", handler.clone())
        .post("/a", handler.clone())
        .get("/b", handler)
        .middleware(cache)
        .build()
        .unwrap();
    (app, calls)
}

fn minute() -> ResponseCache {
    ResponseCache::new(Duration::from_secs(60))
}

#[tokio::test]
async fn a_second_get_is_a_hit_with_age_and_the_same_body() {
    let (app, calls) = cached_app(minute(), 200, &[("x-kind", "report")]);
    let client = app.test_client();
    let first = client.get("/a").send().await;
    assert_eq!(first.text(), "/a #1");
    assert_eq!(first.header("age"), None, "a miss carries no Age");
    let second = client.get("/a").send().await;
    assert_eq!(second.status(), 200);
    assert_eq!(second.text(), "/a #1");
    assert_eq!(second.header("age"), Some("0"));
    assert_eq!(second.header("x-kind"), Some("report"), "headers are kept");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_key_is_the_method_the_path_and_the_query() {
    let (app, calls) = cached_app(minute(), 200, &[]);
    let client = app.test_client();
    client.get("/a").send().await;
    client.get("/a?page=2").send().await;
    client.get("/b").send().await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        client.get("/a?page=2").send().await.header("age"),
        Some("0")
    );
    // A HEAD is answered from the stored GET, without a body.
    let head = client.head("/a").send().await;
    assert_eq!(
        (head.status(), head.header("age")),
        (StatusCode::OK, Some("0"))
    );
    assert!(head.bytes().is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // With no GET stored, a HEAD fills a key of its own.
    let head = client.head("/b?fresh").send().await;
    assert_eq!(head.header("age"), None);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(
        client.head("/b?fresh").send().await.header("age"),
        Some("0")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn only_get_and_head_are_cached() {
    let (app, calls) = cached_app(minute(), 200, &[]);
    let client = app.test_client();
    client.post("/a").send().await;
    let again = client.post("/a").send().await;
    assert_eq!(again.text(), "/a #2");
    assert_eq!(again.header("age"), None);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn requests_with_authorization_or_no_store_bypass_the_cache() {
    let (app, calls) = cached_app(minute(), 200, &[]);
    let client = app.test_client();
    client
        .get("/a")
        .header("authorization", "Bearer x")
        .send()
        .await;
    client
        .get("/a")
        .header("cache-control", "no-store")
        .send()
        .await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // Neither filled the cache.
    assert_eq!(client.get("/a").send().await.header("age"), None);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_request_with_no_cache_or_max_age_0_skips_the_lookup_and_refreshes() {
    let (app, calls) = cached_app(minute(), 200, &[]);
    let client = app.test_client();
    client.get("/a").send().await;
    let fresh = client
        .get("/a")
        .header("cache-control", "no-cache")
        .send()
        .await;
    assert_eq!(fresh.text(), "/a #2");
    let zero = client
        .get("/a")
        .header("cache-control", "max-age=0")
        .send()
        .await;
    assert_eq!(zero.text(), "/a #3");
    let hit = client.get("/a").send().await;
    assert_eq!(hit.text(), "/a #3", "the refresh was stored");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn responses_that_may_not_be_shared_are_not_kept() {
    for headers in [
        &[("cache-control", "no-store")][..],
        &[("cache-control", "private, max-age=60")],
        &[("cache-control", "no-cache")],
        &[("cache-control", "max-age=0")],
        &[("set-cookie", "session=1")],
        &[("vary", "*")],
    ] {
        let (app, calls) = cached_app(minute(), 200, headers);
        let client = app.test_client();
        client.get("/a").send().await;
        let second = client.get("/a").send().await;
        assert_eq!(second.header("age"), None, "{headers:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 2, "{headers:?}");
    }
}

#[tokio::test]
async fn only_successful_statuses_are_kept() {
    for status in [201, 301, 404, 500, 503] {
        let (app, calls) = cached_app(minute(), status, &[]);
        let client = app.test_client();
        client.get("/a").send().await;
        client.get("/a").send().await;
        assert_eq!(calls.load(Ordering::SeqCst), 2, "status {status}");
    }
    let (app, calls) = cached_app(minute(), 203, &[]);
    let client = app.test_client();
    client.get("/a").send().await;
    client.get("/a").send().await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "203 is cacheable");
}

#[tokio::test]
async fn an_entry_expires_after_the_ttl_or_the_shorter_max_age() {
    let (app, calls) = cached_app(
        ResponseCache::new(Duration::from_secs(1)),
        200,
        &[("cache-control", "public")],
    );
    let client = app.test_client();
    client.get("/a").send().await;
    assert_eq!(client.get("/a").send().await.header("age"), Some("0"));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(client.get("/a").send().await.text(), "/a #2");
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // max-age=1 under a TTL of a minute: gone after a second.
    let (app, calls) = cached_app(minute(), 200, &[("cache-control", "max-age=1")]);
    let client = app.test_client();
    client.get("/a").send().await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    client.get("/a").send().await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn vary_keeps_variants_apart() {
    let (app, calls) = cached_app(minute(), 200, &[("vary", "accept-language")]);
    let client = app.test_client();
    client
        .get("/a")
        .header("accept-language", "en")
        .send()
        .await;
    let same = client
        .get("/a")
        .header("accept-language", "en")
        .send()
        .await;
    assert_eq!(same.header("age"), Some("0"));
    let other = client
        .get("/a")
        .header("accept-language", "de")
        .send()
        .await;
    assert_eq!(other.header("age"), None, "another language is a miss");
    let none = client.get("/a").send().await;
    assert_eq!(none.header("age"), None, "no header is a value of its own");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_json_body_is_rendered_then_kept() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = App::new()
        .get("/json", move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Json(serde_json::json!({"items": [1, 2, 3]})) }
        })
        .middleware(minute())
        .build()
        .unwrap();
    let client = app.test_client();
    let first = client.get("/json").send().await;
    let second = client.get("/json").send().await;
    assert_eq!(second.header("age"), Some("0"));
    assert_eq!(first.text(), second.text());
    assert_eq!(second.header("content-type"), Some("application/json"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_over_max_body_is_passed_on_uncached() {
    let (app, calls) = cached_app(minute().max_body(3), 200, &[]);
    let client = app.test_client();
    assert_eq!(client.get("/a").send().await.text(), "/a #1");
    assert_eq!(client.get("/a").send().await.text(), "/a #2");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_cache_on_one_route_leaves_the_others_alone() {
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = counted(&calls, 200, &[]);
    let app = App::new()
        .get("/cached", handler.clone())
        .route_middleware(minute())
        .get("/live", handler)
        .build()
        .unwrap();
    let client = app.test_client();
    for _ in 0..3 {
        client.get("/cached").send().await;
        client.get("/live").send().await;
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "one fill, three live answers"
    );
}

/// `n` GETs of `path` at once, each in a task of its own: their statuses and bodies.
async fn concurrent_gets(app: &AppService, path: &'static str, n: usize) -> Vec<(u16, Bytes)> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let req = http::Request::get(path).body(Body::empty()).unwrap();
                let res = app.call(req).await;
                let status = res.status().as_u16();
                let body = http_body_util::BodyExt::collect(res.into_body());
                (status, body.await.unwrap().to_bytes())
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(n);
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_misses_run_the_handler_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = App::new()
        .get("/slow", move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                "filled once"
            }
        })
        .middleware(minute())
        .build()
        .unwrap();
    for (status, body) in concurrent_gets(&app, "/slow", 100).await {
        assert_eq!(status, 200);
        assert_eq!(body, "filled once");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_misses_of_an_uncacheable_answer_each_ask_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = App::new()
        .get("/private", move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let mut res = Response::new(Body::from("mine"));
                res.headers_mut()
                    .insert("cache-control", "private".parse().unwrap());
                res
            }
        })
        .middleware(minute())
        .build()
        .unwrap();
    for (status, body) in concurrent_gets(&app, "/private", 10).await {
        assert_eq!((status, &body[..]), (200, &b"mine"[..]));
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        10,
        "nobody got another's private answer"
    );
}

#[tokio::test]
async fn a_cancelled_fill_lets_the_next_request_fill() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = App::new()
        .get("/a", move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    std::future::pending::<()>().await;
                }
                "second try"
            }
        })
        .middleware(minute())
        .build()
        .unwrap();
    let req = || http::Request::get("/a").body(Body::empty()).unwrap();
    let first = tokio::time::timeout(Duration::from_millis(20), app.call(req())).await;
    assert!(first.is_err(), "the first fill hangs and is dropped");
    let res = app.call(req()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn the_memory_store_stays_under_its_byte_bound_dropping_the_least_recent() {
    let cache = MemoryCache::new(10_000);
    let response = CachedResponse::new(
        StatusCode::OK,
        HeaderMap::new(),
        Bytes::from(vec![b'x'; 500]),
    );
    let size = response.size();
    for i in 0..1_000 {
        cache.insert(
            format!("GET /{i}").as_bytes(),
            response.clone(),
            Duration::from_secs(60),
        );
        assert!(cache.bytes() <= 10_000, "{} bytes after {i}", cache.bytes());
    }
    assert_eq!(cache.len(), 10_000 / (size + 8).max(1), "as many as fit");
    assert!(cache.lookup(b"GET /999").is_some(), "the latest is kept");
    assert!(cache.lookup(b"GET /0").is_none(), "the oldest went first");
    // A response larger than the whole cache is not kept (and evicts nothing).
    let huge = CachedResponse::new(
        StatusCode::OK,
        HeaderMap::new(),
        Bytes::from(vec![0; 20_000]),
    );
    cache.insert(b"GET /huge", huge, Duration::from_secs(60));
    assert!(cache.lookup(b"GET /huge").is_none());
    assert!(cache.lookup(b"GET /999").is_some());
}

#[test]
fn the_stored_form_round_trips_and_refuses_foreign_bytes() {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "text/plain".parse().unwrap());
    headers.append("x-many", "1".parse().unwrap());
    headers.append("x-many", "2".parse().unwrap());
    let stored = CachedResponse::new(
        StatusCode::NON_AUTHORITATIVE_INFORMATION,
        headers,
        Bytes::from("body"),
    );
    let bytes = stored.encode();
    assert_eq!(CachedResponse::decode(&bytes).unwrap(), stored);
    for cut in 0..bytes.len() {
        assert!(
            CachedResponse::decode(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(CachedResponse::decode(&longer).is_err());
    assert!(CachedResponse::decode(b"GET / HTTP/1.1").is_err());
}

/// A shared store that fails, or answers after `delay`.
struct BrokenStore {
    delay: Option<Duration>,
    gets: AtomicUsize,
}

impl BrokenStore {
    /// `value` after the delay, or the failure.
    fn answer<T: Send + 'static>(&self, value: T) -> BoxFuture<'_, Result<T, StoreError>> {
        Box::pin(async move {
            match self.delay {
                Some(delay) => {
                    tokio::time::sleep(delay).await;
                    Ok(value)
                }
                None => Err(StoreError("connection refused".into())),
            }
        })
    }
}

impl CacheStore for BrokenStore {
    fn get<'a>(&'a self, _: &'a [u8]) -> BoxFuture<'a, Result<Option<CachedResponse>, StoreError>> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.answer(None)
    }

    fn put<'a>(
        &'a self,
        _: &'a [u8],
        _: &'a CachedResponse,
        _: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.answer(())
    }
}

#[tokio::test]
async fn a_failing_or_late_shared_store_is_a_miss_and_the_handler_answers() {
    for delay in [None, Some(Duration::from_secs(3600))] {
        let store = Arc::new(BrokenStore {
            delay,
            gets: AtomicUsize::new(0),
        });
        let cache = minute().shared(
            Arc::clone(&store) as Arc<dyn CacheStore>,
            Duration::from_millis(20),
        );
        let (app, calls) = cached_app(cache, 200, &[]);
        let client = app.test_client();
        let answer = tokio::time::timeout(Duration::from_secs(10), async {
            (client.get("/a").send().await, client.get("/a").send().await)
        })
        .await
        .expect("never a hang");
        assert_eq!(answer.0.status(), 200);
        assert_eq!(answer.1.text(), "/a #2", "{delay:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(store.gets.load(Ordering::SeqCst), 2);
    }
}

#[tokio::test]
async fn a_shared_store_serves_what_another_instance_stored() {
    let store: Arc<dyn CacheStore> = Arc::new(MemoryCache::new(1 << 20));
    let shared = || minute().shared(Arc::clone(&store), Duration::from_millis(50));
    let (one, one_calls) = cached_app(shared(), 200, &[]);
    let (two, two_calls) = cached_app(shared(), 200, &[]);
    assert_eq!(one.test_client().get("/a").send().await.text(), "/a #1");
    let from_two = two.test_client().get("/a").send().await;
    assert_eq!(from_two.text(), "/a #1", "filled by the other instance");
    assert_eq!(from_two.header("age"), Some("0"));
    assert_eq!(one_calls.load(Ordering::SeqCst), 1);
    assert_eq!(two_calls.load(Ordering::SeqCst), 0);
}
