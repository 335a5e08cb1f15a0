//! tower-http's compression, CORS, timeout and trace layers stacked with Pulya middleware on a
//! group, served over TCP by `Server::serve_service`, checked with hyper-util's client.

use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use pulya::extract::{ConnectInfo, MatchedPath};
use pulya::prelude::*;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

fn app() -> App {
    App::new()
        .get("/big", || async { "pulya ".repeat(1000) })
        .get("/slow", || async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            "late"
        })
        .group("/api", |g| {
            g.middleware(from_fn(|req: Request, next: Next| async move {
                let route = next
                    .context()
                    .matched_path()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default();
                let mut res = next.run(req).await;
                res.headers_mut()
                    .insert("x-route", HeaderValue::try_from(route).unwrap());
                res
            }))
            .get(
                "/items/{id}",
                |Path(id): Path<u32>, route: MatchedPath| async move {
                    format!("item {id} at {}", route.as_str())
                },
            )
            .get(
                "/peer",
                |ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() },
            )
            .post("/echo", |Json(v): Json<serde_json::Value>| async move {
                Json(v)
            })
        })
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
    let service = ServiceBuilder::new()
        .layer(TraceLayer::new_for_http())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_millis(200),
        ))
        .layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list([HeaderValue::from_static(
                    "https://app.example",
                )]))
                .allow_methods([Method::GET, Method::POST]),
        )
        .layer(CompressionLayer::new())
        .service(app().build().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = Server::from_listener(listener)
        .workers(1)
        .shutdown_timeout(Duration::from_secs(5))
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
    let thread = std::thread::spawn(move || server.serve_service(service));
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

fn get(addr: SocketAddr, path: &str) -> http::request::Builder {
    http::Request::get(format!("http://{addr}{path}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tower_stack_around_an_app_over_tcp() {
    let server = start();
    let addr = server.addr;

    // Routing, extractors and group middleware behind the layers.
    let (status, headers, body) =
        send(get(addr, "/api/items/7").body(Full::default()).unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body, "item 7 at /api/items/{id}");
    assert_eq!(headers["x-route"], "/api/items/{id}");

    // The peer address reaches the app through the layers.
    let (_, _, body) = send(get(addr, "/api/peer").body(Full::default()).unwrap()).await;
    assert_eq!(body, "127.0.0.1");

    // Compression.
    let (status, headers, body) = send(
        get(addr, "/big")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Full::default())
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "pulya ".repeat(1000));

    // CORS: a preflight answered by the layer, an allowed and a disallowed origin.
    let (status, headers, _) = send(
        http::Request::builder()
            .method(Method::OPTIONS)
            .uri(format!("http://{addr}/api/items/1"))
            .header(header::ORIGIN, "https://app.example")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .body(Full::default())
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example"
    );
    let (_, headers, _) = send(
        get(addr, "/api/items/1")
            .header(header::ORIGIN, "https://evil.example")
            .body(Full::default())
            .unwrap(),
    )
    .await;
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));

    // Timeout: the layer answers 503 and the server goes on.
    let (status, _, _) = send(get(addr, "/slow").body(Full::default()).unwrap()).await;
    assert_eq!(status, 503);

    // Bad input keeps Pulya's error shape and a 4xx through every layer.
    let (status, _, body) = send(
        http::Request::post(format!("http://{addr}/api/echo"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from_static(b"{oops")))
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["status"], 400);
    let (status, _, body) = send(get(addr, "/nowhere").body(Full::default()).unwrap()).await;
    assert_eq!(status, 404);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["status"], 404);
    drop(server);
}
