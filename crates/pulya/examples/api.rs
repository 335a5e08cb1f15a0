//! A JSON service with the standard middleware: request ids, an access log on stderr, recovery,
//! a 1 s timeout, security headers, CORS for the given origins and compression.
//!
//! ```text
//! cargo run --release -p pulya --example api -- [--addr 127.0.0.1:3000] [--workers N] \
//!     [--cors-origin https://app.example]... [--rate-limit 20/s]
//! curl -si localhost:3000/items --compressed          # 1,000 items, compressed
//! curl -si localhost:3000/items/7
//! curl -si localhost:3000/items -H 'content-type: application/json' -d '{"name":"new"}'
//! curl -si 'localhost:3000/slow?ms=1500'               # 503 after 1 s
//! curl -si localhost:3000/panic                        # 500, and the server serves on
//! ```
//!
//! Every request is logged on stderr (target `pulya::access`); `RUST_LOG=warn` turns that off.
//! With `--rate-limit N/s` (or `N/m`), each client IP may make N requests a second (a minute),
//! N at once; over it, 429 with `Retry-After`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use pulya::middleware::compression::Compression;
use pulya::middleware::cors::Cors;
use pulya::middleware::rate_limit::{Quota, RateLimit};
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

/// The example app, without the server: its routes, its store, and its middleware.
pub(crate) fn app(cors_origins: &[String], rate_limit: Option<Quota>) -> Result<App, String> {
    let mut app = App::new().state(Store::seeded(1_000)).middleware(
        pulya::middleware::standard().timeout(Some(Timeout::new(Duration::from_secs(1)))),
    );
    if let Some(quota) = rate_limit {
        app = app.middleware(RateLimit::new(quota));
    }
    if !cors_origins.is_empty() {
        let cors = Cors::builder()
            .allow_origins(cors_origins)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(["content-type"])
            .expose_headers(["x-request-id"])
            .max_age(Duration::from_secs(600))
            .build()
            .map_err(|err| err.to_string())?;
        app = app.middleware(cors);
    }
    Ok(app
        .middleware(Compression::new())
        .get("/items", list)
        .post("/items", create)
        .get("/items/{id}", get_item)
        .get("/slow", slow)
        .get("/panic", panics))
}

struct Args {
    addr: String,
    workers: Option<usize>,
    cors_origins: Vec<String>,
    rate_limit: Option<Quota>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:3000".to_owned(),
        workers: None,
        cors_origins: Vec::new(),
        rate_limit: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => args.addr = value()?,
            "--workers" => {
                let v = value()?;
                args.workers = Some(
                    v.parse()
                        .map_err(|_| format!("--workers takes a number, not `{v}`"))?,
                );
            }
            "--cors-origin" => args.cors_origins.push(value()?),
            "--rate-limit" => {
                let quota = value()?.parse().map_err(|e| format!("--rate-limit: {e}"))?;
                args.rate_limit = Some(quota);
            }
            "-h" | "--help" => {
                return Err(
                    "usage: api [--addr HOST:PORT] [--workers N] [--cors-origin URL]... \
                     [--rate-limit N/s]"
                        .to_owned(),
                );
            }
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

    let args = match parse_args() {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let app = match app(&args.cors_origins, args.rate_limit) {
        Ok(app) => app,
        Err(msg) => {
            eprintln!("--cors-origin: {msg}");
            return ExitCode::from(2);
        }
    };
    let mut server = Server::bind(args.addr.as_str());
    if let Some(n) = args.workers {
        server = server.workers(n);
    }
    match server.serve(app) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
