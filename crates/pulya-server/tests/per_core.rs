//! `Server::per_core`: one current-thread runtime per worker, each with a listener of its own,
//! over real TCP on 127.0.0.1: requests on many connections are answered by the workers, one
//! graceful shutdown stops them all, and new connections are refused after it.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

use pulya_app::App;
use pulya_server::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Answers with the name of the worker thread that served the request.
fn app() -> App {
    App::new().get("/who", || async {
        std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned()
    })
}

async fn who(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers")
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    text.rsplit("\r\n\r\n").next().unwrap().to_owned()
}

async fn serves_on_every_worker_and_stops_them_all(from_listener: bool) {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    let server = if from_listener {
        Server::from_listener(probe)
    } else {
        drop(probe);
        Server::bind(addr)
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = server
        .per_core(true)
        .workers(2)
        .shutdown_timeout(Duration::from_secs(5))
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
    let thread = std::thread::spawn(move || server.serve(app()));

    // Wait until it listens, then spread requests over many connections.
    for _ in 0..200 {
        if TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut workers = HashSet::new();
    for _ in 0..64 {
        let name = who(addr).await;
        assert!(name.starts_with("pulya-worker-"), "{name}");
        workers.insert(name);
    }
    if !from_listener {
        // `SO_REUSEPORT` spreads connections by their addresses' hash: over 64 connections,
        // both workers get some (the chance that one gets all is 2^-63).
        assert_eq!(workers.len(), 2, "{workers:?}");
    }

    stop.send(()).unwrap();
    let result = tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "connections are refused once every worker stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_core_with_bind() {
    serves_on_every_worker_and_stops_them_all(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_core_with_from_listener() {
    serves_on_every_worker_and_stops_them_all(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_workers_serve_too() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = Server::from_listener(listener)
        .per_core(true)
        .pin_workers(true)
        .workers(2)
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
    let thread = std::thread::spawn(move || server.serve(app()));
    for _ in 0..8 {
        assert!(who(addr).await.starts_with("pulya-worker-"));
    }
    stop.send(()).unwrap();
    let result = tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn per_core_on_a_busy_address_is_a_bind_error() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap();
    let err = Server::bind(addr)
        .per_core(true)
        .workers(2)
        .serve(app())
        .unwrap_err();
    assert!(
        matches!(err, pulya_server::ServeError::Bind { .. }),
        "{err}"
    );
}
