//! The standard middleware in process, each next to tower-http's equivalent mounted with
//! `App::layer`, in the same run: CORS (gotap's CORS benchmark), request id (gotap's
//! TransactionID), access log + recovery (gotap's DefaultMiddleware: logger + recovery),
//! timeout, body limit, security headers, compression; and the `standard()` preset against its five parts
//! mounted one by one. Then the rate limiter's in-memory check, a response cache hit next to the
//! handler it saves, and the metrics step.
//!
//! `cargo bench -p pulya-benches --bench middleware`
//!
//! The logging benchmarks run twice: with nobody listening, and with a subscriber that formats
//! every line into a sink, as a production logger does.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderName, HeaderValue, Method, header};
use pulya_app::{App, AppService, Body, Request};
use pulya_middleware::access_log::AccessLog;
use pulya_middleware::body_limit::BodyLimit;
use pulya_middleware::catch_panic::CatchPanic;
use pulya_middleware::compression::{Coding, Compression};
use pulya_middleware::cors::Cors;
use pulya_middleware::request_id::RequestId;
use pulya_middleware::security_headers::SecurityHeaders;
use pulya_middleware::timeout::Timeout;
use tower_http::set_header::SetResponseHeaderLayer;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn plaintext(app: App) -> AppService {
    app.get("/plaintext", || async { "Hello, World!" })
        .build()
        .unwrap()
}

fn get(uri: &str) -> Request {
    http::Request::get(uri).body(Body::empty()).unwrap()
}

fn from_origin() -> Request {
    http::Request::get("/plaintext")
        .header(header::ORIGIN, "https://app.example")
        .body(Body::empty())
        .unwrap()
}

fn preflight() -> Request {
    http::Request::builder()
        .method(Method::OPTIONS)
        .uri("/plaintext")
        .header(header::ORIGIN, "https://app.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap()
}

/// Runs `name/pulya` and `name/tower_http` on the same request, side by side.
fn pair(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    pulya: &AppService,
    tower: &AppService,
    req: fn() -> Request,
) {
    let mut group = c.benchmark_group(name);
    for (side, app) in [("pulya", pulya), ("tower_http", tower)] {
        // What is timed is a success, not an error path.
        let status = rt.block_on(async { app.call(req()).await.status() });
        assert!(status.is_success(), "{name}/{side} answers {status}");
        group.bench_function(side, |b| {
            b.iter(|| {
                black_box(rt.block_on(async {
                    let res = app.call(req()).await;
                    pulya_core::extract::to_bytes(res.into_body(), usize::MAX).await
                }))
            })
        });
    }
    group.finish();
}

fn middleware(c: &mut Criterion) {
    let rt = runtime();
    let none = plaintext(App::new());
    c.bench_function("none", |b| {
        b.iter(|| black_box(rt.block_on(async { none.call(get("/plaintext")).await })))
    });

    // CORS: an actual request from an allowed origin, and a preflight.
    let cors = plaintext(
        App::new().middleware(
            Cors::builder()
                .allow_origins(["https://app.example"])
                .allow_methods([Method::GET, Method::POST])
                .allow_headers(["content-type"])
                .build()
                .unwrap(),
        ),
    );
    let tower_cors = plaintext(
        App::new().layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin([HeaderValue::from_static("https://app.example")])
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE]),
        ),
    );
    pair(c, &rt, "cors_request", &cors, &tower_cors, from_origin);
    pair(c, &rt, "cors_preflight", &cors, &tower_cors, preflight);

    // Request id: made, set on the request and the response (tower-http: a UUID v4 from
    // `MakeRequestUuid`, set and propagated).
    let ids = plaintext(App::new().middleware(RequestId::new()));
    let x_request_id = HeaderName::from_static("x-request-id");
    let tower_ids = plaintext(
        App::new()
            .layer(tower_http::request_id::SetRequestIdLayer::new(
                x_request_id.clone(),
                tower_http::request_id::MakeRequestUuid,
            ))
            .layer(tower_http::request_id::PropagateRequestIdLayer::new(
                x_request_id,
            )),
    );
    pair(c, &rt, "request_id", &ids, &tower_ids, || get("/plaintext"));

    // Logger + recovery, with nobody listening, then with every line formatted into a sink.
    let logged = plaintext(
        App::new()
            .middleware(AccessLog::new())
            .middleware(CatchPanic::new()),
    );
    let tower_logged = plaintext(
        App::new()
            .layer(tower_http::trace::TraceLayer::new_for_http())
            .layer(tower_http::catch_panic::CatchPanicLayer::new()),
    );
    pair(
        c,
        &rt,
        "log_and_recover_unheard",
        &logged,
        &tower_logged,
        || get("/plaintext"),
    );
    let sink = tracing_subscriber::fmt()
        .with_writer(std::io::sink)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    tracing::subscriber::with_default(sink, || {
        pair(
            c,
            &rt,
            "log_and_recover_heard",
            &logged,
            &tower_logged,
            || get("/plaintext"),
        );
    });

    // Timeout.
    let timeout = plaintext(App::new().middleware(Timeout::new(Duration::from_secs(30))));
    let tower_timeout = plaintext(App::new().layer(
        tower_http::timeout::TimeoutLayer::with_status_code(
            http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ),
    ));
    pair(c, &rt, "timeout", &timeout, &tower_timeout, || {
        get("/plaintext")
    });

    // Body limit: a 1 KiB body read whole under a 64 KiB limit.
    let echo = |app: App| {
        app.post("/echo", |body: bytes::Bytes| async move {
            body.len().to_string()
        })
        .build()
        .unwrap()
    };
    let limited = echo(App::new().middleware(BodyLimit::new(64 * 1024)));
    let tower_limited =
        echo(App::new().layer(tower_http::limit::RequestBodyLimitLayer::new(64 * 1024)));
    pair(c, &rt, "body_limit", &limited, &tower_limited, || {
        http::Request::post("/echo")
            .header(header::CONTENT_LENGTH, "1024")
            .body(Body::from(vec![b'x'; 1024]))
            .unwrap()
    });

    // Security headers: the same three headers.
    let security = plaintext(App::new().middleware(SecurityHeaders::new()));
    let tower_security = plaintext(
        App::new()
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            )),
    );
    pair(
        c,
        &rt,
        "security_headers",
        &security,
        &tower_security,
        || get("/plaintext"),
    );

    // Compression: the `api` example's 1,000 items as JSON, gzip at each side's default level
    // (6 for both), read whole.
    let items: String = {
        let items: Vec<String> = (1..=1000)
            .map(|i| format!(r#"{{"id":{i},"name":"item-{i}"}}"#))
            .collect();
        format!("[{}]", items.join(","))
    };
    let json = move |app: App| {
        let items = items.clone();
        app.get("/items", move || {
            let items = items.clone();
            async move {
                let json = HeaderValue::from_static("application/json");
                ([(header::CONTENT_TYPE, json)], items)
            }
        })
        .build()
        .unwrap()
    };
    let gzip = json(App::new().middleware(Compression::new().codings([Coding::Gzip])));
    let tower_gzip = json(App::new().layer(tower_http::compression::CompressionLayer::new()));
    let gzip_request = || {
        http::Request::get("/items")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap()
    };
    pair(
        c,
        &rt,
        "compression_gzip_1000_items",
        &gzip,
        &tower_gzip,
        gzip_request,
    );

    // The preset as one step against its five parts, one step each.
    let preset = plaintext(App::new().middleware(pulya_middleware::standard()));
    let five = plaintext(
        App::new()
            .middleware(RequestId::new())
            .middleware(AccessLog::new())
            .middleware(CatchPanic::new())
            .middleware(Timeout::new(Duration::from_secs(30)))
            .middleware(SecurityHeaders::new()),
    );
    let mut group = c.benchmark_group("standard");
    group.bench_function("preset", |b| {
        b.iter(|| black_box(rt.block_on(async { preset.call(get("/plaintext")).await })))
    });
    group.bench_function("five_steps", |b| {
        b.iter(|| black_box(rt.block_on(async { five.call(get("/plaintext")).await })))
    });
    group.finish();
}

/// A response cache hit next to the handler it saves, in the same run: a trivial handler (what
/// the cache itself costs) and a JSON list of 100 items; and the metrics step next to no
/// middleware.
fn cache_and_metrics(c: &mut Criterion) {
    use pulya_app::Json;
    use pulya_middleware::cache::ResponseCache;
    use pulya_middleware::metrics::Metrics;

    #[derive(serde::Serialize)]
    struct Item {
        id: u64,
        name: String,
    }
    let list = || async {
        Json(
            (1..=100)
                .map(|id| Item {
                    id,
                    name: format!("item-{id}"),
                })
                .collect::<Vec<_>>(),
        )
    };
    let rt = runtime();
    let minute = || ResponseCache::new(Duration::from_secs(60));
    let cases = [
        (
            "plaintext",
            "/plaintext",
            plaintext(App::new()),
            plaintext(App::new().middleware(minute())),
        ),
        (
            "json_100_items",
            "/items",
            App::new().get("/items", list).build().unwrap(),
            App::new()
                .get("/items", list)
                .middleware(minute())
                .build()
                .unwrap(),
        ),
    ];
    for (name, uri, handler, cached) in &cases {
        // Filled once before timing: every timed call is a hit.
        let res = rt.block_on(async { cached.call(get(uri)).await });
        assert!(res.status().is_success());
        let res = rt.block_on(async { cached.call(get(uri)).await });
        assert!(res.headers().contains_key(header::AGE), "{name}: a hit");
        let mut group = c.benchmark_group(format!("cache/{name}"));
        for (side, app) in [("handler", handler), ("hit", cached)] {
            group.bench_function(side, |b| {
                b.iter(|| {
                    black_box(rt.block_on(async {
                        let res = app.call(get(uri)).await;
                        pulya_core::extract::to_bytes(res.into_body(), usize::MAX).await
                    }))
                })
            });
        }
        group.finish();
    }

    let none = plaintext(App::new());
    let metrics = plaintext(App::new().middleware(Metrics::new()));
    let mut group = c.benchmark_group("metrics");
    for (side, app) in [("none", &none), ("metrics", &metrics)] {
        group.bench_function(side, |b| {
            b.iter(|| black_box(rt.block_on(async { app.call(get("/plaintext")).await })))
        });
    }
    group.finish();
}

/// The in-memory rate limiter's check: one hot key, and a key among a million held.
fn rate_limit(c: &mut Criterion) {
    use pulya_middleware::rate_limit::{MemoryStore, Quota};
    let quota = Quota::per_second(1_000_000_000).burst(u32::MAX);
    let mut group = c.benchmark_group("rate_limit");
    let hot = MemoryStore::new();
    let mut now = 0u64;
    group.bench_function("memory_check_hot_key", |b| {
        b.iter(|| {
            now += 1;
            black_box(hot.check_at(b"192.0.2.1", quota, now))
        })
    });
    // A whole request in process through the limiter, next to the same request without it
    // (gotap's RateLimiter benchmark): every request allowed, one client.
    let rt = runtime();
    let bare = plaintext(App::new());
    let limited =
        plaintext(App::new().middleware(pulya_middleware::rate_limit::RateLimit::new(quota)));
    let peer: std::net::SocketAddr = "192.0.2.1:40000".parse().unwrap();
    let res = rt.block_on(limited.call_from(get("/plaintext"), peer));
    assert!(
        res.headers().contains_key("ratelimit-remaining"),
        "the peer is limited"
    );
    for (side, app) in [("request_bare", &bare), ("request_limited", &limited)] {
        group.bench_function(side, |b| {
            b.iter(|| black_box(rt.block_on(app.call_from(get("/plaintext"), peer))))
        });
    }
    // A slow quota, so that none of the million is full again (none is evicted).
    let slow = Quota::per_minute(10);
    let million = MemoryStore::new();
    for i in 0..1_000_000u32 {
        million.check_at(&i.to_le_bytes(), slow, 0);
    }
    // A hot client's check while the store holds the million others.
    let mut now = 1u64;
    group.bench_function("memory_check_hot_key_among_1m", |b| {
        b.iter(|| {
            now += 1;
            black_box(million.check_at(b"192.0.2.1", quota, now))
        })
    });
    let mut i = 0u32;
    group.bench_function("memory_check_1m_keys", |b| {
        b.iter(|| {
            // A stride that visits keys all over the million, not in insertion order.
            i = (i + 7_919) % 1_000_000;
            black_box(million.check_at(&i.to_le_bytes(), slow, 1))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = middleware, rate_limit, cache_and_metrics
}
criterion_main!(benches);
