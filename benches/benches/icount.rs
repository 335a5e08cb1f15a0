//! Instruction counts of the hot paths with gungraun (callgrind): route lookup, header build,
//! JSON encode with both implementations, a DI request scope, and one in-process request end
//! to end. Counts are exact for a build, so this suite gives the same answer twice on a noisy
//! machine.
//!
//! Needs valgrind and the runner of the same version as the library:
//! `cargo install --locked --version 0.18.2 gungraun-runner`, then
//! `cargo bench -p pulya-benches --bench icount` (add `-- --save-baseline=main` and later
//! `-- --baseline=main`; with a space instead of `=` it silently runs nothing).
//!
//! `cargo xtask profile <filter>` runs the matching benchmarks with a callgrind flamegraph and
//! a dhat heap profile each.

#![allow(
    missing_docs,
    reason = "gungraun's macros generate undocumented modules"
)]

use std::hint::black_box;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use gungraun::{library_benchmark, library_benchmark_group, main};
use http::Method;
use pulya_app::{App, AppService};
use pulya_benches::payloads;
use pulya_core::extract::FromRequestParts as _;
use pulya_responses::{Encoder, JsonCodec};
use pulya_routing::Router;

fn github_router() -> (Router<usize>, Vec<(Method, String)>) {
    let mut router = Router::new();
    let mut paths = Vec::new();
    for (i, r) in pulya_benches::classic_set("github").into_iter().enumerate() {
        let method = Method::from_bytes(r.method.as_bytes()).unwrap();
        router.insert(method.clone(), &r.route, i).unwrap();
        paths.push((method, r.path));
    }
    (router, paths)
}

// All 203 GitHub API paths once each.
#[library_benchmark(setup = github_router)]
fn route_lookup_github(
    (router, paths): (Router<usize>, Vec<(Method, String)>),
) -> (usize, Router<usize>, Vec<(Method, String)>) {
    let mut sum = 0;
    for (method, path) in &paths {
        sum += *router.at(method, black_box(path)).unwrap().value;
    }
    // Returned, so that dropping them is not measured.
    (sum, router, paths)
}

fn raw_headers() -> Bytes {
    Bytes::from_static(
        b"Host: localhost:3000\r\nUser-Agent: curl/8.5.0\r\nAccept: application/json\r\n\
Accept-Encoding: gzip\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n\
Content-Length: 27\r\nCookie: session=abc123\r\n\r\n",
    )
}

// Eight request headers parsed from raw bytes, then four lookups.
#[library_benchmark(setup = raw_headers)]
fn header_build_and_lookup(raw: Bytes) -> usize {
    // The map is dropped inside: building and dropping it is what a request costs.
    use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HOST};
    let map = pulya_headers::HeaderMap::parse(black_box(raw)).unwrap();
    [HOST, ACCEPT, CONTENT_TYPE, CONTENT_LENGTH]
        .iter()
        .filter(|name| map.get(*name).is_some())
        .count()
}

fn parsed_headers() -> pulya_headers::HeaderMap {
    pulya_headers::HeaderMap::parse(raw_headers()).unwrap()
}

// Four lookups by standard name (three present, one missing) in a parsed map.
#[library_benchmark(setup = parsed_headers)]
fn header_lookups(map: pulya_headers::HeaderMap) -> (usize, pulya_headers::HeaderMap) {
    use http::header::{ACCEPT, COOKIE, ORIGIN, USER_AGENT};
    let found = [USER_AGENT, ACCEPT, COOKIE, ORIGIN]
        .iter()
        .filter(|name| map.get(black_box(*name)).is_some())
        .count();
    (found, map)
}

// A payload built outside the measured function.
enum Payload {
    Small(payloads::Message),
    Order(payloads::Order),
}

fn payload(codec: JsonCodec, lines: usize) -> (JsonCodec, Payload, BytesMut) {
    let payload = if lines == 1 {
        Payload::Small(payloads::small())
    } else {
        Payload::Order(payloads::order(lines))
    };
    (codec, payload, BytesMut::with_capacity(128 * 1024))
}

#[library_benchmark]
#[bench::serde_json_small(args = (JsonCodec::SerdeJson, 1), setup = payload)]
#[bench::sonic_rs_small(args = (JsonCodec::SonicRs, 1), setup = payload)]
#[bench::serde_json_medium(args = (JsonCodec::SerdeJson, 10), setup = payload)]
#[bench::sonic_rs_medium(args = (JsonCodec::SonicRs, 10), setup = payload)]
#[bench::serde_json_large(args = (JsonCodec::SerdeJson, 1000), setup = payload)]
#[bench::sonic_rs_large(args = (JsonCodec::SonicRs, 1000), setup = payload)]
fn json_encode((codec, payload, mut buf): (JsonCodec, Payload, BytesMut)) -> (Payload, BytesMut) {
    match &payload {
        Payload::Small(m) => codec.encode(black_box(m), &mut buf).unwrap(),
        Payload::Order(o) => codec.encode(black_box(o), &mut buf).unwrap(),
    }
    (payload, buf)
}

fn encoded(lines: usize) -> Vec<u8> {
    if lines == 1 {
        serde_json::to_vec(&payloads::small()).unwrap()
    } else {
        serde_json::to_vec(&payloads::order(lines)).unwrap()
    }
}

#[library_benchmark]
#[bench::serde_json_small(args = (JsonCodec::SerdeJson, 1), setup = with_bytes)]
#[bench::sonic_rs_small(args = (JsonCodec::SonicRs, 1), setup = with_bytes)]
#[bench::serde_json_medium(args = (JsonCodec::SerdeJson, 10), setup = with_bytes)]
#[bench::sonic_rs_medium(args = (JsonCodec::SonicRs, 10), setup = with_bytes)]
#[bench::serde_json_large(args = (JsonCodec::SerdeJson, 1000), setup = with_bytes)]
#[bench::sonic_rs_large(args = (JsonCodec::SonicRs, 1000), setup = with_bytes)]
fn json_decode((codec, lines, bytes): (JsonCodec, usize, Vec<u8>)) -> (Payload, Vec<u8>) {
    let decoded = if lines == 1 {
        Payload::Small(codec.decode(black_box(&bytes)).unwrap())
    } else {
        Payload::Order(codec.decode(black_box(&bytes)).unwrap())
    };
    (decoded, bytes)
}

fn with_bytes(codec: JsonCodec, lines: usize) -> (JsonCodec, usize, Vec<u8>) {
    (codec, lines, encoded(lines))
}

struct Db;
struct RequestState(#[allow(dead_code, reason = "held, not read")] Arc<Db>);

fn container() -> Arc<pulya_di::Container> {
    pulya_di::Container::builder()
        .singleton(Db)
        .scoped(|r: &dyn pulya_di::Resolver| Ok(RequestState(r.resolve::<Db>()?)))
        .build()
        .expect("the registrations are complete")
}

// A request scope: created, a scoped service resolved twice (built once), dropped.
#[library_benchmark(setup = container)]
fn di_request_scope(container: Arc<pulya_di::Container>) -> (bool, Arc<pulya_di::Container>) {
    let scope = container.scope();
    let a = scope.resolve::<RequestState>().unwrap();
    let b = scope.resolve::<RequestState>().unwrap();
    (Arc::ptr_eq(&a, &b), container)
}

struct SyncScoped(#[allow(dead_code, reason = "held, not read")] Arc<Db>);

/// A request's context in an app with state, a container of a singleton and two scoped
/// services (async and sync factories), and a request head.
fn di_context() -> DiInput {
    let container = pulya_di::Container::builder()
        .singleton(Db)
        .provide(pulya_di::Service::scoped(|db: Arc<Db>| async move {
            Ok::<_, std::convert::Infallible>(Scoped(db))
        }))
        .provide(pulya_di::Service::scoped_sync(|db: Arc<Db>| {
            Ok::<_, std::convert::Infallible>(SyncScoped(db))
        }))
        .build()
        .expect("the registrations are complete");
    let mut data = pulya_core::AppData::new(0);
    data.insert(container);
    data.insert(Arc::new(Db));
    let data = Arc::new(data);
    let cx = pulya_core::RequestContext::new(Arc::clone(&data));
    let (parts, ()) = http::Request::get("/").body(()).unwrap().into_parts();
    (cx, parts, data)
}

/// The context with the async scoped service already resolved once.
fn di_context_scoped() -> DiInput {
    let (cx, mut parts, data) = di_context();
    assert!(
        ready(pulya_di::Inject::<Scoped>::from_request_parts(
            &mut parts, &cx
        ))
        .is_ok()
    );
    (cx, parts, data)
}

/// Polls `fut` once: the extractors measured here answer at once.
fn ready<F: std::future::Future>(fut: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(fut).poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => unreachable!("the extractors here answer at once"),
    }
}

/// A context, a request head, and the app's data held apart so that dropping the context
/// (which ends a request scope, counted) does not drop the app (not counted: returned).
type DiInput = (
    pulya_core::RequestContext,
    http::request::Parts,
    Arc<pulya_core::AppData>,
);
type DiOutput = (bool, http::request::Parts, Arc<pulya_core::AppData>);

// One extraction and the end of its request's context, next to `State` (an `Arc` clone):
// `Inject` of a singleton; of a scoped service on its first use in a request (the scope made,
// the value built, the scope ended with the context); and again in the same request.
#[library_benchmark(setup = di_context)]
fn di_state((cx, mut parts, data): DiInput) -> DiOutput {
    let ok = ready(pulya_app::extract::State::<Arc<Db>>::from_request_parts(
        &mut parts, &cx,
    ))
    .is_ok();
    drop(cx);
    (ok, parts, data)
}

#[library_benchmark(setup = di_context)]
fn di_inject_singleton((cx, mut parts, data): DiInput) -> DiOutput {
    let ok = ready(pulya_di::Inject::<Db>::from_request_parts(&mut parts, &cx)).is_ok();
    drop(cx);
    (ok, parts, data)
}

#[library_benchmark(setup = di_context)]
fn di_inject_scoped_first((cx, mut parts, data): DiInput) -> DiOutput {
    let ok = ready(pulya_di::Inject::<Scoped>::from_request_parts(
        &mut parts, &cx,
    ))
    .is_ok();
    drop(cx);
    (ok, parts, data)
}

#[library_benchmark(setup = di_context)]
fn di_inject_scoped_sync_first((cx, mut parts, data): DiInput) -> DiOutput {
    let ok = ready(pulya_di::Inject::<SyncScoped>::from_request_parts(
        &mut parts, &cx,
    ))
    .is_ok();
    drop(cx);
    (ok, parts, data)
}

#[library_benchmark(setup = di_context_scoped)]
fn di_inject_scoped_again((cx, mut parts, data): DiInput) -> DiOutput {
    let ok = ready(pulya_di::Inject::<Scoped>::from_request_parts(
        &mut parts, &cx,
    ))
    .is_ok();
    drop(cx);
    (ok, parts, data)
}

fn app() -> (tokio::runtime::Runtime, AppService) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let app = App::new()
        .get("/plaintext", || async { "Hello, World!" })
        .get("/json", || async { pulya_app::Json(payloads::small()) })
        .build()
        .unwrap();
    (runtime, app)
}

fn get(path: &'static str) -> pulya_app::Request {
    http::Request::get(path)
        .body(pulya_app::Body::empty())
        .unwrap()
}

// One in-process request through routing, the handler and the response (no I/O).
#[library_benchmark]
#[bench::plaintext(args = ("/plaintext"), setup = with_app)]
#[bench::json(args = ("/json"), setup = with_app)]
#[bench::standard_and_cors(args = ("/plaintext"), setup = with_standard_and_cors)]
#[bench::state(args = ("/state"), setup = with_di_app)]
#[bench::inject_singleton(args = ("/inject"), setup = with_di_app)]
#[bench::inject_scoped(args = ("/scoped"), setup = with_di_app)]
fn request_in_process(
    (runtime, app, path): (tokio::runtime::Runtime, AppService, &'static str),
) -> (u16, tokio::runtime::Runtime, AppService) {
    let status = runtime.block_on(app.call(get(black_box(path)))).status();
    (status.as_u16(), runtime, app)
}

struct Scoped(#[allow(dead_code, reason = "held, not read")] Arc<Db>);

/// The same handler reading a value three ways: `State` (an `Arc` clone), `Inject` of a
/// singleton, `Inject` of a request-scoped service built by an async factory.
fn with_di_app(path: &'static str) -> (tokio::runtime::Runtime, AppService, &'static str) {
    use pulya_app::extract::{Inject, State};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let container = pulya_di::Container::builder()
        .singleton(Db)
        .provide(pulya_di::Service::scoped(|db: Arc<Db>| async move {
            Ok::<_, std::convert::Infallible>(Scoped(db))
        }))
        .build()
        .expect("the registrations are complete");
    let app = App::new()
        .state(Arc::new(Db))
        .container(container)
        .get("/state", |State(_): State<Arc<Db>>| async {
            "Hello, World!"
        })
        .get("/inject", |Inject(_): Inject<Db>| async { "Hello, World!" })
        .get("/scoped", |Inject(_): Inject<Scoped>| async {
            "Hello, World!"
        })
        .build()
        .unwrap();
    (runtime, app, path)
}

fn with_app(path: &'static str) -> (tokio::runtime::Runtime, AppService, &'static str) {
    let (runtime, app) = app();
    (runtime, app, path)
}

/// The plaintext app behind `standard()` and CORS for one origin, nobody listening to the
/// access log: the middleware's own cost, next to `plaintext`.
fn with_standard_and_cors(
    path: &'static str,
) -> (tokio::runtime::Runtime, AppService, &'static str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let cors = pulya_middleware::cors::Cors::builder()
        .allow_origins(["https://app.example"])
        .build()
        .unwrap();
    let app = App::new()
        .middleware(pulya_middleware::standard())
        .middleware(cors)
        .get("/plaintext", || async { "Hello, World!" })
        .build()
        .unwrap();
    (runtime, app, path)
}

library_benchmark_group!(
    name = hot_paths,
    benchmarks = [
        route_lookup_github,
        header_build_and_lookup,
        header_lookups,
        json_encode,
        json_decode,
        di_request_scope,
        di_state,
        di_inject_singleton,
        di_inject_scoped_first,
        di_inject_scoped_sync_first,
        di_inject_scoped_again,
        request_in_process
    ]
);

/// With `PULYA_PROFILE` set (by `cargo xtask profile`), callgrind also draws a flamegraph of
/// each benchmark (SVG under `target/gungraun/`).
fn config() -> gungraun::LibraryBenchmarkConfig {
    let mut config = gungraun::LibraryBenchmarkConfig::default();
    if std::env::var_os("PULYA_PROFILE").is_some() {
        config
            .tool(gungraun::Callgrind::default().flamegraph(gungraun::FlamegraphConfig::default()));
    }
    config
}

main!(config = config(); library_benchmark_groups = hot_paths);
