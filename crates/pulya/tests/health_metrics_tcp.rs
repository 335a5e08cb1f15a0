//! What the server tells health checks and metrics, over TCP: the open connections it counts
//! (`pulya_connections_open`), and readiness that turns 503 when shutdown begins while the
//! server goes on serving for its `drain_delay`, then stops.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use pulya::middleware::health::Health;
use pulya::middleware::metrics::Metrics;
use pulya::prelude::*;

fn app() -> App {
    App::new()
        .get("/", || async { "home" })
        .middleware(Metrics::new())
        .middleware(Health::new())
}

/// One HTTP/1.1 request on `stream` (kept open): the status and the body.
fn exchange(stream: &mut TcpStream, path: &str) -> (u16, String) {
    write!(stream, "GET {path} HTTP/1.1\r\nhost: test\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "closed before the answer ended");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .map_or(0, |v| v.trim().parse().unwrap());
            if body.len() >= length {
                let status = head[9..12].parse().unwrap();
                return (status, body[..length].to_owned());
            }
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

#[test]
fn open_connections_are_counted_by_the_server() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let server = Server::from_listener(listener)
        .workers(1)
        .with_graceful_shutdown(async move {
            let _ = tokio::task::spawn_blocking(move || stopped.recv()).await;
        });
    let thread = std::thread::spawn(move || server.serve(app()));

    let mut held: Vec<TcpStream> = (0..2).map(|_| connect(addr)).collect();
    for stream in &mut held {
        assert_eq!(exchange(stream, "/").0, 200);
    }
    let mut scraper = connect(addr);
    let (status, text) = exchange(&mut scraper, "/metrics");
    assert_eq!(status, 200);
    assert!(text.contains("\npulya_connections_open 3\n"), "{text}");
    drop(held);
    // The server sees the two closes when it reads them; ask until it has.
    let mut seen = String::new();
    for _ in 0..200 {
        seen = exchange(&mut scraper, "/metrics").1;
        if seen.contains("\npulya_connections_open 1\n") {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(seen.contains("\npulya_connections_open 1\n"), "{seen}");
    drop(scraper);
    stop.send(()).unwrap();
    thread.join().unwrap().unwrap();
}

#[test]
fn readiness_turns_503_at_the_signal_and_the_server_serves_through_its_drain_delay() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let server = Server::from_listener(listener)
        .workers(1)
        .drain_delay(Duration::from_secs(3))
        .with_graceful_shutdown(async move {
            let _ = tokio::task::spawn_blocking(move || stopped.recv()).await;
        });
    let thread = std::thread::spawn(move || server.serve(app()));

    let mut probe = connect(addr);
    assert_eq!(exchange(&mut probe, "/health/ready").0, 200);
    stop.send(()).unwrap();
    // From the signal on, readiness says 503; new connections are still taken and served.
    let mut status = 200;
    for _ in 0..200 {
        status = exchange(&mut probe, "/health/ready").0;
        if status == 503 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(status, 503);
    let mut fresh = connect(addr);
    assert_eq!(exchange(&mut fresh, "/health/ready").0, 503);
    assert_eq!(exchange(&mut fresh, "/health/live").0, 200);
    assert_eq!(exchange(&mut fresh, "/"), (200, "home".to_owned()));
    drop((probe, fresh));
    // After the delay the server drains and stops; then nothing listens.
    thread.join().unwrap().unwrap();
    assert!(TcpStream::connect(addr).is_err());
}
