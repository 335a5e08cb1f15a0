//! A JSON service with the standard middleware: request ids, an access log on stderr, recovery,
//! a 1 s timeout, security headers, CORS for the given origins and compression; Prometheus
//! metrics at `/metrics`, liveness and readiness at `/health/live` and `/health/ready`.
//!
//! ```text
//! cargo run --release -p pulya --example api -- [--addr 127.0.0.1:3000] [--workers N] \
//!     [--cors-origin https://app.example]... [--rate-limit 20/s] [--cache-ttl 5] \
//!     [--redis redis://127.0.0.1:6379] [--drain-delay 5]
//! curl -si localhost:3000/items --compressed          # 1,000 items, compressed
//! curl -si localhost:3000/items/7
//! curl -si localhost:3000/items -H 'content-type: application/json' -d '{"name":"new"}'
//! curl -si 'localhost:3000/slow?ms=1500'               # 503 after 1 s
//! curl -si localhost:3000/panic                        # 500, and the server serves on
//! curl -s localhost:3000/metrics                       # counts by method, route and status
//! curl -si localhost:3000/health/ready                 # 200; 503 once shutdown begins
//! ```
//!
//! Every request is logged on stderr (target `pulya::access`); `RUST_LOG=warn` turns that off.
//! With `--rate-limit N/s` (or `N/m`), each client IP may make N requests a second (a minute),
//! N at once; over it, 429 with `Retry-After`. With `--cache-ttl SECS`, `GET /items` is
//! answered from a response cache for that long (a new item shows once the entry expires).
//! With `--redis URL`, the limits and the cache live in that Redis, so that every instance on
//! it shares them; when Redis is down or slower than 50 ms, requests go on (the limiter fails
//! open, the cache asks the handler). With `--drain-delay SECS`, a shutdown signal first turns
//! readiness to 503 for that long while the server still serves, then drains.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use pulya::middleware::cache::ResponseCache;
use pulya::middleware::compression::Compression;
use pulya::middleware::cors::Cors;
use pulya::middleware::health::Health;
use pulya::middleware::metrics::Metrics;
use pulya::middleware::rate_limit::{Quota, RateLimit};
use pulya::middleware::redis::RedisStore;
use pulya::middleware::timeout::Timeout;
use pulya::prelude::*;
use pulya::responses::ErrorResponse;
use serde::{Deserialize, Serialize};

/// The longest name an item may have, in characters.
const MAX_NAME: usize = 100;

#[derive(Clone, Serialize)]
struct Item {
    id: u64,
    name: String,
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

#[derive(Deserialize)]
struct SlowParams {
    ms: u64,
}

/// The items, by id: an in-memory store standing in for a database.
#[derive(Clone)]
pub(crate) struct Store(Arc<RwLock<BTreeMap<u64, Item>>>);

impl Store {
    /// A store of `n` items, `item-1` to `item-n`.
    pub(crate) fn seeded(n: u64) -> Self {
        let items = (1..=n)
            .map(|id| {
                (
                    id,
                    Item {
                        id,
                        name: format!("item-{id}"),
                    },
                )
            })
            .collect();
        Store(Arc::new(RwLock::new(items)))
    }
}

async fn list(State(store): State<Store>) -> Json<Vec<Item>> {
    let items = store.0.read().unwrap_or_else(|e| e.into_inner());
    Json(items.values().cloned().collect())
}

async fn get_item(
    State(store): State<Store>,
    Path(id): Path<u64>,
) -> Result<Json<Item>, ErrorResponse> {
    let items = store.0.read().unwrap_or_else(|e| e.into_inner());
    match items.get(&id) {
        Some(item) => Ok(Json(item.clone())),
        None => Err(ErrorResponse::new(
            StatusCode::NOT_FOUND,
            format!("no item {id}"),
        )),
    }
}

async fn create(
    State(store): State<Store>,
    Json(new): Json<NewItem>,
) -> Result<(StatusCode, Json<Item>), ErrorResponse> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        let message = format!("an item's name has 1 to {MAX_NAME} characters");
        return Err(ErrorResponse::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            message,
        ));
    }
    let mut items = store.0.write().unwrap_or_else(|e| e.into_inner());
    let id = items.last_key_value().map_or(1, |(id, _)| id + 1);
    let item = Item {
        id,
        name: name.to_owned(),
    };
    items.insert(id, item.clone());
    Ok((StatusCode::CREATED, Json(item)))
}

async fn slow(Query(params): Query<SlowParams>) -> String {
    tokio::time::sleep(Duration::from_millis(params.ms)).await;
    format!("slept {} ms", params.ms)
}

async fn panics() -> &'static str {
    panic!("GET /panic panics, as asked")
}

/// How long the middleware waits for Redis before it goes on without it.
const REDIS_TIMEOUT: Duration = Duration::from_millis(50);

/// What the flags configure.
#[derive(Default)]
pub(crate) struct Options {
    /// `--cors-origin`, repeated.
    pub(crate) cors_origins: Vec<String>,
    /// `--rate-limit N/s`: per client IP, burst N.
    pub(crate) rate_limit: Option<Quota>,
    /// `--cache-ttl SECS`: `GET /items` from a response cache.
    pub(crate) cache_ttl: Option<Duration>,
    /// `--redis URL`, connected: the store of the limiter and the cache.
    pub(crate) redis: Option<Arc<RedisStore>>,
}

/// The example app, without the server: its routes, its store, and its middleware.
pub(crate) fn app(options: &Options) -> Result<App, String> {
    // Health and metrics first: probes and scrapes are neither logged, limited nor compressed,
    // and the metrics time everything after them.
    let mut app = App::new()
        .state(Store::seeded(1_000))
        .middleware(Metrics::new())
        .middleware(Health::new())
        .middleware(
            pulya::middleware::standard().timeout(Some(Timeout::new(Duration::from_secs(1)))),
        );
    if let Some(quota) = options.rate_limit {
        let limit = RateLimit::new(quota);
        app = app.middleware(match &options.redis {
            Some(redis) => limit.shared(Arc::clone(redis) as _),
            None => limit,
        });
    }
    if !options.cors_origins.is_empty() {
        let cors = Cors::builder()
            .allow_origins(&options.cors_origins)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(["content-type"])
            .expose_headers(["x-request-id"])
            .max_age(Duration::from_secs(600))
            .build()
            .map_err(|err| format!("--cors-origin: {err}"))?;
        app = app.middleware(cors);
    }
    app = app.middleware(Compression::new()).get("/items", list);
    if let Some(ttl) = options.cache_ttl {
        let cache = ResponseCache::new(ttl);
        app = app.route_middleware(match &options.redis {
            Some(redis) => cache.shared(Arc::clone(redis) as _, REDIS_TIMEOUT),
            None => cache,
        });
    }
    Ok(app
        .post("/items", create)
        .get("/items/{id}", get_item)
        .get("/slow", slow)
        .get("/panic", panics))
}

struct Args {
    addr: String,
    workers: Option<usize>,
    options: Options,
    redis_url: Option<String>,
    drain_delay: Duration,
}

const USAGE: &str = "usage: api [--addr HOST:PORT] [--workers N] [--cors-origin URL]... \
                     [--rate-limit N/s] [--cache-ttl SECS] [--redis URL] [--drain-delay SECS]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:3000".to_owned(),
        workers: None,
        options: Options::default(),
        redis_url: None,
        drain_delay: Duration::ZERO,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag} takes a number, not `{v}`"))
        };
        match flag.as_str() {
            "--addr" => args.addr = value()?,
            "--workers" => match number(value()?)? {
                0 => return Err("--workers takes a number above 0".to_owned()),
                n => args.workers = Some(n as usize),
            },
            "--cors-origin" => args.options.cors_origins.push(value()?),
            "--rate-limit" => {
                let quota = value()?.parse().map_err(|e| format!("--rate-limit: {e}"))?;
                args.options.rate_limit = Some(quota);
            }
            "--cache-ttl" => {
                args.options.cache_ttl = Some(Duration::from_secs(number(value()?)?));
            }
            "--redis" => args.redis_url = Some(value()?),
            "--drain-delay" => args.drain_delay = Duration::from_secs(number(value()?)?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`; try --help")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let mut args = match parse_args() {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        runtime.worker_threads(n);
    }
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        // Redis's connection lives on this runtime, so it is made here, before serving.
        if let Some(url) = &args.redis_url {
            match RedisStore::connect(url).await {
                Ok(store) => args.options.redis = Some(Arc::new(store.prefix("pulya-api:"))),
                Err(err) => {
                    eprintln!("--redis {url}: {err}");
                    return ExitCode::from(2);
                }
            }
        }
        let app = match app(&args.options) {
            Ok(app) => app,
            Err(msg) => {
                eprintln!("{msg}");
                return ExitCode::from(2);
            }
        };
        let server = Server::bind(args.addr.as_str()).drain_delay(args.drain_delay);
        match server.run(app).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        }
    })
}
