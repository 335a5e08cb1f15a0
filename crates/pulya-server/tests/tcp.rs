//! The server over real TCP on 127.0.0.1, driven by hyper's client: HTTP/1.1 and HTTP/2, the
//! TechEmpower headers, errors, limits, panics and graceful shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use pulya_app::App;
use pulya_app::extract::{Json, Path};
use pulya_server::{ServeError, Server};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::{Running, start};

fn app() -> App {
    App::new()
        .get("/plaintext", || async { "Hello, World!" })
        .get("/json", || async {
            Json(json!({"message": "Hello, World!"}))
        })
        .get("/users/{id}", |Path(id): Path<u64>| async move {
            Json(json!({"id": id}))
        })
        .post("/echo", |Json(v): Json<Value>| async move { Json(v) })
        .get("/slow", || async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            "finally"
        })
        .get("/panic", || async {
            panic!("boom");
            #[allow(unreachable_code)]
            ""
        })
        .body_limit(1024)
}

/// The test app served with a 5 s shutdown timeout.
fn serve() -> Running {
    start(|s| s.shutdown_timeout(Duration::from_secs(5)), app())
}

async fn h1(addr: SocketAddr) -> http1::SendRequest<Full<Bytes>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (send, conn) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    send
}

async fn h2(addr: SocketAddr) -> http2::SendRequest<Full<Bytes>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (send, conn) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    send
}

struct Reply {
    status: StatusCode,
    version: Version,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

fn request(method: Method, path: &str, body: &'static [u8], json: bool) -> Request<Full<Bytes>> {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost");
    if json {
        req = req.header("content-type", "application/json");
    }
    req.body(Full::new(Bytes::from_static(body))).unwrap()
}

async fn read(res: http::Response<hyper::body::Incoming>) -> Reply {
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Reply {
        status: parts.status,
        version: parts.version,
        headers: parts.headers,
        body,
    }
}

async fn send1(c: &mut http1::SendRequest<Full<Bytes>>, req: Request<Full<Bytes>>) -> Reply {
    c.ready().await.unwrap();
    read(c.send_request(req).await.unwrap()).await
}

async fn get1(c: &mut http1::SendRequest<Full<Bytes>>, path: &str) -> Reply {
    send1(c, request(Method::GET, path, b"", false)).await
}

#[tokio::test]
async fn plaintext_and_json_carry_the_techempower_headers() {
    let server = serve();
    let mut c = h1(server.addr).await;
    let res = get1(&mut c, "/plaintext").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "Hello, World!");
    assert_eq!(res.header("server"), Some("pulya"));
    assert!(res.header("date").is_some_and(|d| d.ends_with(" GMT")));
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(res.header("content-length"), Some("13"));

    let res = get1(&mut c, "/json").await;
    assert_eq!(res.body, r#"{"message":"Hello, World!"}"#);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("content-length"), Some("27"));
    assert_eq!(res.header("server"), Some("pulya"));
    assert!(res.header("date").is_some());
}

#[tokio::test]
async fn path_params_404_405_and_head() {
    let server = serve();
    let mut c = h1(server.addr).await;
    assert_eq!(get1(&mut c, "/users/42").await.body, r#"{"id":42}"#);
    assert_eq!(
        get1(&mut c, "/users/x").await.status,
        StatusCode::BAD_REQUEST
    );

    let res = get1(&mut c, "/nothing").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.body, r#"{"error":"Not Found","status":404}"#);

    let res = send1(&mut c, request(Method::DELETE, "/plaintext", b"", false)).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.header("allow"), Some("GET, HEAD"));

    let res = send1(&mut c, request(Method::HEAD, "/plaintext", b"", false)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-length"), Some("13"));
    assert!(res.body.is_empty());
    // The connection is still in sync after the bodiless HEAD response.
    assert_eq!(get1(&mut c, "/plaintext").await.body, "Hello, World!");
}

#[tokio::test]
async fn echo_malformed_json_and_body_limit() {
    let server = serve();
    let mut c = h1(server.addr).await;
    let res = send1(
        &mut c,
        request(Method::POST, "/echo", br#"{"a":[1,2]}"#, true),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, r#"{"a":[1,2]}"#);

    let res = send1(&mut c, request(Method::POST, "/echo", b"{\"a\":", true)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let err: Value = serde_json::from_slice(&res.body).unwrap();
    assert!(
        err["error"].as_str().unwrap().contains("line 1 column 5"),
        "{err}"
    );

    static BIG: [u8; 4096] = [b' '; 4096];
    let res = send1(&mut c, request(Method::POST, "/echo", &BIG, true)).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_panic_is_a_500_and_the_same_connection_serves_the_next_request() {
    let server = serve();
    let mut c = h1(server.addr).await;
    let res = get1(&mut c, "/panic").await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        res.body,
        r#"{"error":"Internal Server Error","status":500}"#
    );
    let res = get1(&mut c, "/plaintext").await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn http2_prior_knowledge() {
    let server = serve();
    let mut c = h2(server.addr).await;
    for path in ["/plaintext", "/json"] {
        c.ready().await.unwrap();
        let req = Request::get(format!("http://localhost{path}"))
            .body(Full::default())
            .unwrap();
        let res = read(c.send_request(req).await.unwrap()).await;
        assert_eq!(res.version, Version::HTTP_2);
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.header("server"), Some("pulya"));
        assert!(res.header("date").is_some());
        assert!(res.header("content-length").is_some());
    }
    c.ready().await.unwrap();
    let req = Request::head("http://localhost/plaintext")
        .body(Full::default())
        .unwrap();
    let res = read(c.send_request(req).await.unwrap()).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.is_empty());
    c.ready().await.unwrap();
    let req = Request::get("http://localhost/panic")
        .body(Full::default())
        .unwrap();
    assert_eq!(
        read(c.send_request(req).await.unwrap()).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

#[tokio::test]
async fn too_many_headers_is_431() {
    let server = serve();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut raw = String::from("GET /plaintext HTTP/1.1\r\nhost: x\r\n");
    for i in 0..150 {
        raw.push_str(&format!("x-h{i}: v\r\n"));
    }
    raw.push_str("\r\n");
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut reply))
        .await
        .unwrap()
        .unwrap();
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests_then_refuses() {
    let mut server = serve();
    let mut c = h1(server.addr).await;
    c.ready().await.unwrap();
    let in_flight = tokio::spawn(c.send_request(request(Method::GET, "/slow", b"", false)));
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.stop();
    let res = read(in_flight.await.unwrap().unwrap()).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "finally");
    let addr = server.addr;
    server.exited().await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn binding_a_busy_address_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = Server::bind(addr).run(app()).await.unwrap_err();
    assert!(matches!(err, ServeError::Bind { .. }));
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("cannot listen on {addr}: ")),
        "{msg}"
    );

    let err = Server::bind("not an address").run(app()).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot listen on not an address: "),
        "{err}"
    );
}

#[tokio::test]
async fn an_invalid_app_is_an_error_before_binding() {
    let app = App::new()
        .get("/{a}", || async { "" })
        .get("/{b}", || async { "" });
    let err = Server::bind("127.0.0.1:0").run(app).await.unwrap_err();
    assert!(matches!(err, ServeError::App(_)), "{err}");
}

// With `ws`, connections are served with upgrades, and `http1_only`/`http2_only` do not apply
// (their setters say so).
#[cfg(not(feature = "ws"))]
#[tokio::test]
async fn http1_only_serves_http1_and_refuses_an_http2_preface() {
    let server = start(|s| s.http1_only(), app());
    let mut c = h1(server.addr).await;
    let res = get1(&mut c, "/plaintext").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.version, Version::HTTP_11);

    let stream = TcpStream::connect(server.addr).await.unwrap();
    let handshake = tokio::time::timeout(
        common::GUARD,
        http2::handshake::<_, _, Full<Bytes>>(TokioExecutor::new(), TokioIo::new(stream)),
    )
    .await
    .expect("no hang");
    // The handshake itself may pass (it only writes); the first request must fail.
    if let Ok((mut send, conn)) = handshake {
        tokio::spawn(conn);
        let req = Request::get("http://localhost/plaintext")
            .body(Full::default())
            .unwrap();
        let sent = tokio::time::timeout(common::GUARD, async {
            send.ready().await?;
            send.send_request(req).await
        })
        .await
        .expect("no hang");
        assert!(
            sent.is_err(),
            "an HTTP/2 request was served by an HTTP/1-only server"
        );
    }
}

// With `ws`, connections are served with upgrades, and `http1_only`/`http2_only` do not apply
// (their setters say so).
#[cfg(not(feature = "ws"))]
#[tokio::test]
async fn http2_only_serves_http2_and_refuses_http1() {
    let server = start(|s| s.http2_only(), app());
    let mut c = h2(server.addr).await;
    c.ready().await.unwrap();
    let req = Request::get("http://localhost/plaintext")
        .body(Full::default())
        .unwrap();
    let res = read(c.send_request(req).await.unwrap()).await;
    assert_eq!(res.version, Version::HTTP_2);
    assert_eq!(res.status, StatusCode::OK);

    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(common::GUARD, stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection is closed, not left hanging");
    assert!(
        !buf.starts_with(b"HTTP/1.1 200"),
        "an HTTP/1 request was served by an HTTP/2-only server"
    );
}
