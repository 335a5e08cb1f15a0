//! The server under hostile or broken clients, over real TCP on 127.0.0.1, bounded in count
//! and time: panicking handlers and slow header senders.

use std::net::SocketAddr;
use std::time::Duration;

use pulya_app::App;
use pulya_server::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn start(server: impl FnOnce(Server) -> Server, app: App) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server =
        server(Server::from_listener(listener)).with_graceful_shutdown(std::future::pending());
    tokio::spawn(server.run(app));
    addr
}

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
    let addr = start(|s| s, app);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for _ in 0..1000 {
        let (status, body) = get(&mut stream, "/panic").await;
        assert_eq!(status, 500);
        assert_eq!(body, br#"{"error":"Internal Server Error","status":500}"#);
    }
    assert_eq!(get(&mut stream, "/ok").await, (200, b"ok".to_vec()));
}

/// Whether the server closed `stream`: reads until end of stream or a reset. A connection the
/// server keeps open makes this wait for the hang guard (10 s), which fails the test.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 512];
    let read_to_end = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read_to_end)
        .await
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_senders_neither_block_others_nor_stay_open() {
    let addr = start(
        |s| s.header_read_timeout(Some(Duration::from_millis(800))),
        App::new().get("/ok", || async { "ok" }),
    );

    // 50 connections that start a request head and then send one byte every 200 ms, for longer
    // than the header-read timeout.
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /ok HTTP/1.1\r\nHo").await.unwrap();
        slow.push(stream);
    }
    let dribble = tokio::spawn(async move {
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(200)).await;
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
