//! The request model in process (no sockets): extraction, whole requests, middleware chains,
//! parallel requests; and the DI container and the object pool.
//!
//! `cargo bench -p pulya-benches --bench app`
//!
//! The middleware group: no middleware, five pass-through steps (their own trait impl, and
//! `from_fn`), gotap's five-handler chain over the app, group and route levels, the request
//! id, and Aquilia's "add + sort 10 middleware" (registering and building).

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use pulya_app::extract::{Path, Query, State};
use pulya_app::middleware::from_fn;
use pulya_app::{App, AppService, Body, BoxFuture, Json, Middleware, Next, Request, Response};
use serde::{Deserialize, Serialize};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn get(uri: &str) -> Request {
    http::Request::get(uri).body(Body::empty()).unwrap()
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "deserialised, not read")]
struct Search {
    q: String,
    page: u32,
    per_page: u32,
    sort: Option<String>,
}

/// A point-of-sale transaction: JSON in, JSON out.
#[derive(Serialize, Deserialize)]
struct Sale {
    store: u32,
    cashier: String,
    items: Vec<SaleItem>,
}

#[derive(Serialize, Deserialize)]
struct SaleItem {
    sku: String,
    qty: u32,
    unit_cents: u64,
}

#[derive(Serialize)]
struct Receipt {
    id: u64,
    total_cents: u64,
    lines: usize,
}

/// App state as handlers share it: behind an `Arc`.
#[derive(Clone)]
struct Config(#[allow(dead_code, reason = "held, not read")] Arc<String>);

fn app() -> AppService {
    App::new()
        .state(Config(Arc::new("pulya".into())))
        .state(7_u32)
        .get("/plaintext", || async { "Hello, World!" })
        .get("/state", |State(_): State<Config>| async {
            "Hello, World!"
        })
        // The same handler with an extractor that reads no app data: what `state` adds is the
        // state lookup and the `Arc` clone.
        .get("/version", |_: http::Version| async { "Hello, World!" })
        .get("/users/{id}", |Path(id): Path<u64>| async move {
            id.to_string()
        })
        .get(
            "/repos/{owner}/{repo}/pulls/{number}/files/{file}",
            |Path((owner, repo, number, file)): Path<(String, String, u64, String)>| async move {
                format!("{owner}/{repo}#{number}:{file}")
            },
        )
        .get("/search", |Query(s): Query<Search>| async move { s.q })
        .post("/sales", |Json(sale): Json<Sale>| async move {
            let total_cents = sale
                .items
                .iter()
                .map(|i| i.unit_cents * u64::from(i.qty))
                .sum();
            Json(Receipt {
                id: 1,
                total_cents,
                lines: sale.items.len(),
            })
        })
        .build()
        .unwrap()
}

fn requests(c: &mut Criterion) {
    let rt = runtime();
    let app = app();
    let mut group = c.benchmark_group("app/request");
    for (name, uri) in [
        ("plaintext", "/plaintext"),
        ("state", "/state"),
        ("version", "/version"),
        ("one_param", "/users/42"),
        (
            "four_params",
            "/repos/pulya-rs/pulya/pulls/17/files/src%2Flib.rs",
        ),
        (
            "query",
            "/search?q=hyper+router&page=3&per_page=50&sort=stars",
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(rt.block_on(app.call(get(black_box(uri))))))
        });
    }
    let sale = serde_json::to_vec(&Sale {
        store: 12,
        cashier: "Ana".into(),
        items: (0..5)
            .map(|i| SaleItem {
                sku: format!("SKU-{i}"),
                qty: i + 1,
                unit_cents: 199 * u64::from(i + 1),
            })
            .collect(),
    })
    .unwrap();
    let sale = bytes::Bytes::from(sale);
    group.bench_function("pos_transaction_json", |b| {
        b.iter(|| {
            let req = http::Request::post("/sales")
                .header("content-type", "application/json")
                .body(Body::full(sale.clone()))
                .unwrap();
            black_box(rt.block_on(app.call(req)))
        })
    });
    group.finish();

    // Two threads, each answering requests on its own runtime, sharing one app.
    let mut group = c.benchmark_group("app/parallel");
    group.bench_function("plaintext_2_threads_x100", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for _ in 0..2 {
                    let app = app.clone();
                    s.spawn(move || {
                        let rt = runtime();
                        for _ in 0..100 {
                            black_box(rt.block_on(app.call(get("/plaintext"))));
                        }
                    });
                }
            })
        })
    });
    group.finish();
}

/// A middleware step that only runs the rest of the chain: no future of its own.
struct PassOn;

impl Middleware for PassOn {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        next.run(req)
    }
}

/// A middleware step that works on both sides: it wraps the rest in a future of its own.
struct Tag(&'static str);

impl Middleware for Tag {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        let tag = self.0;
        Box::pin(async move {
            let mut res = next.run(req).await;
            res.headers_mut()
                .insert(tag, http::HeaderValue::from_static("1"));
            res
        })
    }
}

fn plaintext_app() -> App {
    App::new().get("/plaintext", || async { "Hello, World!" })
}

fn middleware(c: &mut Criterion) {
    let rt = runtime();
    let none = plaintext_app().build().unwrap();
    let mut from_fn_5 = plaintext_app();
    let mut pass_on_5 = plaintext_app();
    for _ in 0..5 {
        from_fn_5 = from_fn_5.middleware(from_fn(|req: Request, next: Next| next.run(req)));
        pass_on_5 = pass_on_5.middleware(PassOn);
    }
    let from_fn_5 = from_fn_5.build().unwrap();
    let pass_on_5 = pass_on_5.build().unwrap();
    // gotap's five-handler chain, spread over the three levels: each step works around the
    // rest, as a logger or a header setter does.
    let levels_5 = App::new()
        .middleware(Tag("x-a"))
        .middleware(Tag("x-b"))
        .group("/api", |g| {
            g.middleware(Tag("x-c"))
                .middleware(Tag("x-d"))
                .get("/plaintext", || async { "Hello, World!" })
                .route_middleware(Tag("x-e"))
        })
        .build()
        .unwrap();
    let with_id = App::new()
        .middleware(pulya_middleware::request_id::RequestId::new())
        .get("/plaintext", || async { "Hello, World!" })
        .build()
        .unwrap();
    let mut group = c.benchmark_group("middleware");
    group.bench_function("none", |b| {
        b.iter(|| black_box(rt.block_on(none.call(get("/plaintext")))))
    });
    group.bench_function("pass_on_5", |b| {
        b.iter(|| black_box(rt.block_on(pass_on_5.call(get("/plaintext")))))
    });
    group.bench_function("chain_of_5", |b| {
        b.iter(|| black_box(rt.block_on(from_fn_5.call(get("/plaintext")))))
    });
    group.bench_function("five_handler_chain_3_levels", |b| {
        b.iter(|| black_box(rt.block_on(levels_5.call(get("/api/plaintext")))))
    });
    group.bench_function("request_id", |b| {
        b.iter(|| black_box(rt.block_on(with_id.call(get("/plaintext")))))
    });
    // Aquilia's "add + sort 10 middleware": registering ten with priorities and building the
    // app, which sorts them once.
    group.bench_function("add_and_sort_10", |b| {
        b.iter(|| {
            let mut app = plaintext_app();
            for priority in [7, 3, 9, 1, 5, 0, 8, 2, 6, 4] {
                app = app.middleware_at(priority, PassOn);
            }
            black_box(app.build().unwrap())
        })
    });
    group.finish();
}

struct Db;
struct Repo(#[allow(dead_code, reason = "held, not read")] Arc<Db>);
struct SyncRepo(#[allow(dead_code, reason = "held, not read")] Arc<Db>);

/// Polls `fut` once: the extractors measured here answer at once.
fn now<F: std::future::Future>(fut: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(fut).poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => unreachable!("the extractors here answer at once"),
    }
}

/// Next to axum-style state (an `Arc` clone) and an `http::Extensions` map: a singleton
/// through `Inject`, a request with no scoped service (what `finish` costs it), and a scoped
/// service, first resolve (scope made, value built) and again.
fn di(c: &mut Criterion) {
    use criterion::BatchSize;
    use pulya_core::extract::FromRequestParts;
    use pulya_core::{AppData, RequestContext};
    use pulya_di::{Container, Inject, Service};

    let container = Container::builder()
        .singleton(Db)
        .provide(Service::scoped(|db: Arc<Db>| async move {
            Ok::<_, std::convert::Infallible>(Repo(db))
        }))
        .scoped(|r: &dyn pulya_di::Resolver| Ok(SyncRepo(r.resolve::<Db>()?)))
        .transient(|_: &dyn pulya_di::Resolver| Ok(HashMap::<u32, u32>::new()))
        .build()
        .expect("the registrations are complete");
    let mut data = AppData::new(0);
    data.insert(Arc::clone(&container));
    data.insert(Arc::new(Db));
    let data = Arc::new(data);
    let cx = RequestContext::new(Arc::clone(&data));
    let (mut parts, ()) = http::Request::get("/").body(()).unwrap().into_parts();
    let fresh = || RequestContext::new(Arc::clone(&data));

    let mut group = c.benchmark_group("di");
    group.bench_function("state_arc_clone", |b| {
        b.iter(|| black_box(now(State::<Arc<Db>>::from_request_parts(&mut parts, &cx)).is_ok()))
    });
    group.bench_function("extensions_insert_and_get", |b| {
        b.iter(|| {
            let mut extensions = http::Extensions::new();
            extensions.insert(Arc::new(Db));
            black_box(extensions.get::<Arc<Db>>().cloned())
        })
    });
    group.bench_function("inject_singleton", |b| {
        b.iter(|| black_box(now(Inject::<Db>::from_request_parts(&mut parts, &cx)).is_ok()))
    });
    group.bench_function("request_without_scope_drop", |b| {
        b.iter_batched(
            || (fresh(), Response::new(Body::empty())),
            |(cx, res)| {
                drop(cx);
                black_box(res)
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("request_without_scope_finish", |b| {
        b.iter_batched(
            || (fresh(), Response::new(Body::empty())),
            |(cx, res)| black_box(cx.finish(res)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("inject_scoped_first", |b| {
        b.iter_batched(
            fresh,
            |cx| {
                black_box(now(Inject::<Repo>::from_request_parts(&mut parts, &cx)).is_ok());
                drop(cx); // the scope's end is part of its cost
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("inject_scoped_sync_first", |b| {
        b.iter_batched(
            fresh,
            |cx| {
                black_box(now(Inject::<SyncRepo>::from_request_parts(&mut parts, &cx)).is_ok());
                drop(cx); // the scope's end is part of its cost
            },
            BatchSize::SmallInput,
        )
    });
    let scoped = fresh();
    let _ = now(Inject::<Repo>::from_request_parts(&mut parts, &scoped));
    group.bench_function("inject_scoped_again", |b| {
        b.iter(|| black_box(now(Inject::<Repo>::from_request_parts(&mut parts, &scoped)).is_ok()))
    });
    group.bench_function("resolve_singleton_sync", |b| {
        b.iter(|| black_box(container.resolve::<Db>().unwrap()))
    });
    group.bench_function("resolve_transient_sync", |b| {
        b.iter(|| black_box(container.resolve::<HashMap<u32, u32>>().unwrap()))
    });
    group.finish();
}

criterion_group!(benches, requests, middleware, di);
criterion_main!(benches);
