//! The `api` example over TCP, with hyper-util's client: its routes, its bad input, the timeout,
//! the panic, CORS and compression, and one access-log line per request. The example file is
//! compiled into this test, so what is tested is what `cargo run --example api` serves.

#[allow(dead_code)]
#[path = "../examples/api.rs"]
mod api;

use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use pulya::prelude::*;

/// Counts the events of the access log, from every thread.
#[derive(Clone, Default)]
struct AccessLines(Arc<Mutex<Vec<String>>>);

impl tracing::Subscriber for AccessLines {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.target() == "pulya::access" || meta.is_span()
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Path<'a>(&'a mut String);
        impl tracing::field::Visit for Path<'_> {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                if field.name() == "path" {
                    self.0.push_str(value);
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        let mut path = String::new();
        event.record(&mut Path(&mut path));
        self.0.lock().unwrap().push(path);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), pulya::ServeError>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap().unwrap();
        }
    }
}

fn start() -> Running {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let app = api::app(&api::Options {
        cors_origins: vec!["https://app.example".to_owned()],
        ..Default::default()
    })
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = Server::from_listener(listener)
        .workers(2)
        .shutdown_timeout(Duration::from_secs(5))
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
    let thread = std::thread::spawn(move || server.serve(app));
    Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    }
}

type Answer = (StatusCode, http::HeaderMap, Bytes);

async fn send(req: http::Request<Full<Bytes>>) -> Answer {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let res = tokio::time::timeout(Duration::from_secs(10), client.request(req))
        .await
        .expect("the server answers in time")
        .expect("a response");
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, body)
}

fn req(method: Method, addr: SocketAddr, path: &str) -> http::request::Builder {
    http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
}

async fn get(addr: SocketAddr, path: &str) -> Answer {
    send(req(Method::GET, addr, path).body(Full::default()).unwrap()).await
}

async fn post_json(addr: SocketAddr, body: &'static str) -> Answer {
    let req = req(Method::POST, addr, "/items")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap();
    send(req).await
}

fn error_of(body: &Bytes) -> serde_json::Value {
    serde_json::from_slice(body).expect("Pulya's error shape")
}

#[test]
fn the_api_example_over_tcp() {
    let lines = AccessLines::default();
    tracing::subscriber::set_global_default(lines.clone()).unwrap();
    let server = start();
    let addr = server.addr;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sent = rt.block_on(async {
        let mut sent = 0;
        // The list: 1,000 items, compressed when asked.
        let (status, headers, body) = get(addr, "/items").await;
        sent += 1;
        assert_eq!(status, 200);
        let items: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
        assert_eq!(items.len(), 1000);
        assert_eq!(items[6], serde_json::json!({"id": 7, "name": "item-7"}));
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-request-id"].len(), 36);
        let gz = req(Method::GET, addr, "/items").header("accept-encoding", "gzip");
        let (_, headers, compressed) = send(gz.body(Full::default()).unwrap()).await;
        sent += 1;
        assert_eq!(headers["content-encoding"], "gzip");
        assert!(
            compressed.len() < body.len() / 4,
            "{} of {}",
            compressed.len(),
            body.len()
        );
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, body);

        // One item, and one that is absent.
        let (status, _, body) = get(addr, "/items/7").await;
        assert_eq!(
            (status, &body[..]),
            (StatusCode::OK, &br#"{"id":7,"name":"item-7"}"#[..])
        );
        let (status, _, body) = get(addr, "/items/5000").await;
        assert_eq!(status, 404);
        assert_eq!(error_of(&body)["error"], "no item 5000");
        let (status, _, _) = get(addr, "/items/abc").await;
        assert_eq!(status, 400);
        sent += 3;

        // Creation, and the bad input it refuses.
        let (status, _, body) = post_json(addr, r#"{"name":"new thing"}"#).await;
        assert_eq!(status, 201);
        assert_eq!(&body[..], br#"{"id":1001,"name":"new thing"}"#);
        let (status, _, body) = post_json(addr, r#"{"name":"#).await;
        assert_eq!(status, 400, "malformed JSON");
        assert_eq!(error_of(&body)["status"], 400);
        let (status, _, _) = post_json(addr, r#"{"title":"x"}"#).await;
        assert_eq!(status, 422, "a missing field");
        let (status, _, _) = post_json(addr, r#"{"name":"   "}"#).await;
        assert_eq!(status, 422, "an empty name");
        sent += 4;

        // The timeout (1 s) and the panic; the server serves on.
        let (status, _, body) = get(addr, "/slow?ms=10").await;
        assert_eq!((status, &body[..]), (StatusCode::OK, &b"slept 10 ms"[..]));
        let (status, _, body) = get(addr, "/slow?ms=5000").await;
        assert_eq!(status, 503);
        assert_eq!(error_of(&body)["status"], 503);
        let (status, _, body) = get(addr, "/panic").await;
        assert_eq!(status, 500);
        assert_eq!(error_of(&body)["error"], "internal server error");
        let (status, _, _) = get(addr, "/items/1").await;
        assert_eq!(status, 200);
        sent += 4;

        // CORS for the allowed origin, a preflight too.
        let from_app = req(Method::GET, addr, "/items/1").header("origin", "https://app.example");
        let (_, headers, _) = send(from_app.body(Full::default()).unwrap()).await;
        assert_eq!(
            headers["access-control-allow-origin"],
            "https://app.example"
        );
        assert_eq!(headers["access-control-expose-headers"], "x-request-id");
        let preflight = req(Method::OPTIONS, addr, "/items")
            .header("origin", "https://app.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type");
        let (status, headers, _) = send(preflight.body(Full::default()).unwrap()).await;
        assert_eq!(status, 204);
        assert_eq!(headers["access-control-allow-headers"], "content-type");
        let evil = req(Method::GET, addr, "/items/1").header("origin", "https://evil.example");
        let (status, headers, _) = send(evil.body(Full::default()).unwrap()).await;
        assert_eq!(status, 200);
        assert!(!headers.contains_key("access-control-allow-origin"));
        sent + 3
    });
    drop(server);
    // One access-log line per request, each with its path.
    let lines = lines.0.lock().unwrap();
    assert_eq!(lines.len(), sent, "{lines:?}");
    assert!(lines.iter().any(|p| p == "/panic"));
}

#[test]
fn a_malformed_cors_origin_is_refused_at_startup() {
    let err = api::app(&api::Options {
        cors_origins: vec!["not a url".to_owned()],
        ..Default::default()
    })
    .err()
    .unwrap();
    assert!(err.contains("not an origin"), "{err}");
}
