//! The example server: the TechEmpower plaintext and JSON endpoints, a path parameter and a JSON
//! echo.
//!
//! ```text
//! cargo run --release -p pulya --example hello -- [--addr 127.0.0.1:3000] [--workers N] [--per-core] [--http1-only]
//! cargo run --release -p pulya --features tls --example hello -- --tls-cert cert.pem --tls-key key.pem
//! cargo run --release -p pulya --example hello -- --static ./public     # files at /static/
//! cargo run --release -p pulya --features ws --example hello             # and an echo at /ws
//! curl -si localhost:3000/plaintext
//! curl -si localhost:3000/json
//! curl -si localhost:3000/users/7
//! curl -si localhost:3000/echo -H 'content-type: application/json' -d '{"a":1}'
//! ```
//!
//! Logs go to stderr; `RUST_LOG=debug` adds a span per request. `--noop-middleware N` wraps
//! the app in N middleware that only pass requests on, for measuring what one step of the
//! chain costs; `--standard` puts the standard preset and CORS in front, for measuring what
//! they cost (`benches/scripts/e2e-icount.sh`, docs/performance.md). With `--standard` each
//! request is an access-log line on stderr; `RUST_LOG=warn` turns them off. `--rate-limit N/s`
//! limits each client IP to N requests a second (a burst of N), as the `api` example does.
//! `--metrics` counts every request for Prometheus (scraped at `/metrics`), and `--cache-ttl
//! SECS` answers every `GET` from a response cache for that long: both there for measuring
//! what they cost.

use std::io::IsTerminal;
use std::process::ExitCode;

use pulya::prelude::*;
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

#[derive(Serialize)]
struct User {
    id: u64,
    name: String,
}

async fn plaintext() -> &'static str {
    "Hello, World!"
}

async fn json() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

async fn user(Path(id): Path<u64>) -> Json<User> {
    Json(User {
        id,
        name: format!("user-{id}"),
    })
}

async fn echo(Json(body): Json<serde_json::Value>) -> Json<serde_json::Value> {
    Json(body)
}

/// `GET /ws` (feature `ws`): echoes every text and binary message.
#[cfg(feature = "ws")]
async fn ws_echo(ws: pulya::ws::WebSocketUpgrade) -> Response {
    use pulya::ws::Message;
    ws.on_upgrade(|mut socket| async move {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Text(_) | Message::Binary(_))
                && socket.send(message).await.is_err()
            {
                break;
            }
        }
    })
}

/// The example app: its routes and handlers, without the server.
pub(crate) fn app() -> App {
    let app = App::new()
        .get("/plaintext", plaintext)
        .get("/json", json)
        .get("/users/{id}", user)
        .post("/echo", echo);
    // HTTP/1.1 upgrades with a GET, HTTP/2 with an extended CONNECT (RFC 8441).
    #[cfg(feature = "ws")]
    let app = app
        .get("/ws", ws_echo)
        .route(Method::CONNECT, "/ws", ws_echo);
    app
}

struct Args {
    addr: String,
    workers: Option<usize>,
    http1_only: bool,
    per_core: bool,
    tls: Option<(String, String)>,
    static_dir: Option<String>,
    noop_middleware: usize,
    standard: bool,
    /// `N/s` or `N/m`, parsed where the middleware is added (it needs the `middleware` feature).
    rate_limit: Option<String>,
    metrics: bool,
    cache_ttl: Option<u64>,
}

/// A middleware step that does nothing but run the rest of the chain.
struct PassOn;

impl Middleware for PassOn {
    fn call(&self, req: Request, next: Next) -> pulya::BoxFuture<'static, Response> {
        next.run(req)
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:3000".to_owned(),
        workers: None,
        http1_only: false,
        per_core: false,
        tls: None,
        static_dir: None,
        noop_middleware: 0,
        standard: false,
        rate_limit: None,
        metrics: false,
        cache_ttl: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => args.addr = value()?,
            "--workers" => {
                let v = value()?;
                let n = v
                    .parse()
                    .map_err(|_| format!("--workers takes a number, not `{v}`"))?;
                args.workers = Some(n);
            }
            "--http1-only" => args.http1_only = true,
            "--per-core" => args.per_core = true,
            "--standard" => args.standard = true,
            "--rate-limit" => args.rate_limit = Some(value()?),
            "--static" => args.static_dir = Some(value()?),
            "--metrics" => args.metrics = true,
            "--cache-ttl" => {
                let v = value()?;
                let secs = v
                    .parse()
                    .map_err(|_| format!("--cache-ttl takes seconds, not `{v}`"))?;
                args.cache_ttl = Some(secs);
            }
            "--tls-cert" => {
                let cert = value()?;
                let key = args.tls.take().map(|(_, key)| key).unwrap_or_default();
                args.tls = Some((cert, key));
            }
            "--tls-key" => {
                let key = value()?;
                let cert = args.tls.take().map(|(cert, _)| cert).unwrap_or_default();
                args.tls = Some((cert, key));
            }
            "--noop-middleware" => {
                let v = value()?;
                args.noop_middleware = v
                    .parse()
                    .map_err(|_| format!("--noop-middleware takes a number, not `{v}`"))?;
            }
            "-h" | "--help" => {
                return Err(
                    "usage: hello [--addr HOST:PORT] [--workers N] [--per-core] [--http1-only] \
                     [--tls-cert PATH --tls-key PATH] [--static DIR] [--noop-middleware N] [--standard] \
                     [--rate-limit N/s] [--metrics] [--cache-ttl SECS]"
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
    let mut server = Server::bind(args.addr.as_str());
    if let Some(n) = args.workers {
        server = server.workers(n);
    }
    if args.http1_only {
        server = server.http1_only();
    }
    server = server.per_core(args.per_core);
    if let Some((cert, key)) = args.tls {
        if cert.is_empty() || key.is_empty() {
            eprintln!("--tls-cert and --tls-key go together");
            return ExitCode::from(2);
        }
        #[cfg(feature = "tls")]
        {
            // HTTPS only; a bad file stops the server with its name and the reason.
            server = server.tls_files(cert, key);
        }
        #[cfg(not(feature = "tls"))]
        {
            let _ = (cert, key);
            eprintln!("this build has no TLS: build with `--features tls`");
            return ExitCode::from(2);
        }
    }
    let mut app = app();
    if let Some(dir) = args.static_dir {
        #[cfg(feature = "middleware")]
        {
            // `DIR` at `/static/`, its `index.html` at `/static` itself.
            let files = pulya::middleware::serve_dir::ServeDir::new(dir).strip_prefix("/static");
            app = app
                .route_endpoint(Method::GET, "/static", files.clone())
                .route_endpoint(Method::GET, "/static/{*path}", files);
        }
        #[cfg(not(feature = "middleware"))]
        {
            let _ = dir;
            eprintln!("this build has no static files: build with the `middleware` feature");
            return ExitCode::from(2);
        }
    }
    for _ in 0..args.noop_middleware {
        app = app.middleware(PassOn);
    }
    if args.standard {
        #[cfg(feature = "middleware")]
        {
            let cors = pulya::middleware::cors::Cors::builder()
                .allow_origins(["https://app.example"])
                .build()
                .expect("a valid CORS configuration");
            app = app
                .middleware(pulya::middleware::standard())
                .middleware(cors);
        }
        #[cfg(not(feature = "middleware"))]
        {
            eprintln!("this build has no standard middleware: build with the `middleware` feature");
            return ExitCode::from(2);
        }
    }
    if let Some(quota) = args.rate_limit {
        #[cfg(feature = "middleware")]
        match quota.parse::<pulya::middleware::rate_limit::Quota>() {
            Ok(quota) => app = app.middleware(pulya::middleware::rate_limit::RateLimit::new(quota)),
            Err(err) => {
                eprintln!("--rate-limit: {err}");
                return ExitCode::from(2);
            }
        }
        #[cfg(not(feature = "middleware"))]
        {
            let _ = quota;
            eprintln!("this build has no rate limiter: build with the `middleware` feature");
            return ExitCode::from(2);
        }
    }
    if args.metrics || args.cache_ttl.is_some() {
        #[cfg(feature = "middleware")]
        {
            if args.metrics {
                app = app.middleware(pulya::middleware::metrics::Metrics::new());
            }
            if let Some(secs) = args.cache_ttl {
                let ttl = std::time::Duration::from_secs(secs);
                app = app.middleware(pulya::middleware::cache::ResponseCache::new(ttl));
            }
        }
        #[cfg(not(feature = "middleware"))]
        {
            eprintln!("this build has no metrics or cache: build with the `middleware` feature");
            return ExitCode::from(2);
        }
    }
    match server.serve(app) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
