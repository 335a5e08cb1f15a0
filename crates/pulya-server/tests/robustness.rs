//! The server under hostile or broken clients, over real TCP on 127.0.0.1, bounded in count
//! and time: malformed requests, panicking handlers and slow header senders.

use std::net::SocketAddr;
use std::time::Duration;

use pulya_app::App;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::{closed_by_server, start};

/// Sends one GET on `stream` and reads the response's status code and body (by
/// `Content-Length`).
async fn get(stream: &mut TcpStream, path: &str) -> (u16, Vec<u8>) {
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).await.unwrap(),
            1,
            "connection closed mid-response"
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let status = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_panics_then_a_normal_request_on_the_same_connection() {
    // The default hook would print a thousand backtraces; this test binary wants none.
    std::panic::set_hook(Box::new(|_| {}));
    let app = App::new()
        .get("/panic", || async {
            panic!("handler exploded");
            #[allow(unreachable_code)]
            ""
        })
        .get("/ok", || async { "ok" });
    let server = start(|s| s, app);
    let addr = server.addr;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for _ in 0..1000 {
        let (status, body) = get(&mut stream, "/panic").await;
        assert_eq!(status, 500);
        assert_eq!(body, br#"{"error":"Internal Server Error","status":500}"#);
    }
    assert_eq!(get(&mut stream, "/ok").await, (200, b"ok".to_vec()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_senders_neither_block_others_nor_stay_open() {
    let server = start(
        |s| s.header_read_timeout(Some(Duration::from_millis(2500))),
        App::new().get("/ok", || async { "ok" }),
    );
    let addr = server.addr;

    // 200 connections that start a request head and then send one byte a second, for longer
    // than the header-read timeout.
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /ok HTTP/1.1\r\nHo").await.unwrap();
        slow.push(stream);
    }
    let dribble = tokio::spawn(async move {
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            for stream in &mut slow {
                // Writes fail once the server has closed a connection; that is expected.
                let _ = stream.write_all(b"s").await;
            }
        }
        slow
    });

    // While they dribble, a normal client is served.
    let mut normal = TcpStream::connect(addr).await.unwrap();
    let served = tokio::time::timeout(Duration::from_secs(10), get(&mut normal, "/ok")).await;
    assert_eq!(
        served.expect("the normal request hung"),
        (200, b"ok".to_vec())
    );

    // Every slow connection is closed by the server at its header-read timeout.
    let mut slow = dribble.await.unwrap();
    for (i, stream) in slow.iter_mut().enumerate() {
        assert!(
            closed_by_server(stream).await,
            "slow connection {i} is still open"
        );
    }
    // And the server still serves.
    let mut after = TcpStream::connect(addr).await.unwrap();
    assert_eq!(get(&mut after, "/ok").await, (200, b"ok".to_vec()));
}

/// Sends `raw` on a new connection and reads until the server closes it (or the hang guard);
/// returns the status of the first response.
async fn status_of_raw(addr: SocketAddr, raw: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before it has read everything; a failed write is fine.
    let _ = stream.write_all(raw).await;
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => response.extend_from_slice(&buf[..n]),
            }
            if response.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer to {:?}",
        String::from_utf8_lossy(raw)
    );
    let text = String::from_utf8_lossy(&response);
    assert!(
        text.starts_with("HTTP/1.1 "),
        "{:?} got {text:?}",
        String::from_utf8_lossy(raw)
    );
    text[9..12].parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_a_4xx_and_the_server_serves_on() {
    use pulya_app::extract::Json;
    let app = App::new()
        .get("/ok", || async { "ok" })
        .post("/echo", |Json(v): Json<serde_json::Value>| async move {
            Json(v)
        })
        .post("/bytes", |body: bytes::Bytes| async move {
            body.len().to_string()
        })
        .body_limit(1024);
    let server = start(|s| s, app);
    let addr = server.addr;

    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9 * 1024));
    let uri_over_head = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70 * 1024));
    let big_header = format!(
        "GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(70 * 1024)
    );
    let chunked_over_limit = {
        let mut raw =
            b"POST /bytes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..4 {
            raw.extend_from_slice(b"200\r\n");
            raw.extend_from_slice(&[b'z'; 0x200]);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        raw
    };
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("a bad request line", b"GARBAGE\r\n\r\n".to_vec(), 400),
        ("a bad HTTP version", b"GET /ok HTTP/9.7\r\nHost: x\r\n\r\n".to_vec(), 400),
        ("a space in a header name", b"GET /ok HTTP/1.1\r\nBad Name: x\r\n\r\n".to_vec(), 400),
        ("a control byte in a value", b"GET /ok HTTP/1.1\r\nX-A: a\x01b\r\n\r\n".to_vec(), 400),
        (
            "two different Content-Lengths",
            b"POST /bytes HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd".to_vec(),
            400,
        ),
        (
            "an invalid chunk size",
            b"POST /bytes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n".to_vec(),
            400,
        ),
        ("a URI over the limit", long_uri.into_bytes(), 414),
        ("a URI over the head limit", uri_over_head.into_bytes(), 431),
        ("headers over the limit", big_header.into_bytes(), 431),
        (
            "a body over the limit, announced",
            b"POST /bytes HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n".to_vec(),
            413,
        ),
        ("a body over the limit, streamed", chunked_over_limit, 413),
        (
            "malformed JSON",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{\"a\":".to_vec(),
            400,
        ),
    ];
    for (what, raw, status) in cases {
        assert_eq!(status_of_raw(addr, &raw).await, status, "{what}");
        // Every time, the server still serves a normal request.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        assert_eq!(
            get(&mut stream, "/ok").await,
            (200, b"ok".to_vec()),
            "after {what}"
        );
    }
}

/// Content-Length next to chunked: hyper takes the chunked encoding, drops the length and
/// closes the connection after answering (RFC 9112, section 6.3), so no second request can be
/// smuggled behind the body a proxy may have measured differently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_length_with_chunked_follows_the_chunks_and_closes() {
    let app = App::new().post("/bytes", |body: bytes::Bytes| async move {
        body.len().to_string()
    });
    let server = start(|s| s, app);
    let addr = server.addr;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The "smuggled" request after the chunked body must never be answered.
    stream
        .write_all(
            b"POST /bytes HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\nTransfer-Encoding: chunked\r\n\r\n\
3\r\nabc\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .await
        .unwrap();
    let mut response = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    assert!(closed.is_ok(), "the connection stayed open");
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.ends_with("\r\n\r\n3"),
        "the chunked body counted, one response: {text}"
    );
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
}
