//! Static files over real TCP: what hyper passes through unnormalised (`..`, `%2e%2e`) reaches
//! `ServeDir` as sent, and is refused there.

use std::time::Duration;

use pulya::middleware::serve_dir::ServeDir;
use pulya::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("the server answers")
        .unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traversal_over_tcp_is_refused() {
    let base = std::env::temp_dir().join(format!("pulya-static-tcp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("root")).unwrap();
    std::fs::create_dir_all(base.join("outside")).unwrap();
    std::fs::write(base.join("root/app.js"), "console.log(1)").unwrap();
    std::fs::write(base.join("outside/secret.txt"), "secret").unwrap();
    // Larger than many chunks: streamed, with its whole length announced.
    let big: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    std::fs::write(base.join("root/big.bin"), &big).unwrap();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let app = App::new().route_endpoint(
        http::Method::GET,
        "/static/{*path}",
        ServeDir::new(base.join("root")).strip_prefix("/static"),
    );
    let server = Server::from_listener(listener).with_graceful_shutdown(std::future::pending());
    tokio::spawn(server.run(app));

    let ok = raw_get(addr, "/static/app.js").await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("content-type: text/javascript"), "{ok}");
    assert!(ok.contains("content-length: 14"), "{ok}");
    assert!(ok.ends_with("console.log(1)"), "{ok}");

    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /static/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers")
        .unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    assert!(
        head.contains(&format!("content-length: {}", big.len())),
        "{head}"
    );
    assert!(
        raw[split..] == big[..],
        "the file arrives whole and in order"
    );

    for path in [
        "/static/../outside/secret.txt",
        "/static/%2e%2e/outside/secret.txt",
        "/static/..%2foutside%2fsecret.txt",
        "/static/..%5coutside%5csecret.txt",
    ] {
        let res = raw_get(addr, path).await;
        assert!(res.starts_with("HTTP/1.1 404"), "{path}: {res}");
        assert!(
            !res.contains("secret\r") && !res.ends_with("secret"),
            "{path}: {res}"
        );
    }
}
