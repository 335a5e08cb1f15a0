//! Connections over their life, over real TCP on 127.0.0.1: server-sent events with a slow
//! reader, graceful shutdown under load and with an open event stream, idle keep-alive
//! connections and the connection cap. Every wait has a hang guard; nothing asserts speed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pulya_app::App;
use pulya_responses::sse::{self, Event, KeepAlive};
use pulya_server::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::{GUARD, closed_by_server, guard, stalled, start};

/// Reads until the response head is complete; returns it and whatever body bytes came with it.
async fn read_head(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8(buf[..end].to_vec()).unwrap();
            return (head, buf[end + 4..].to_vec());
        }
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed before the response head");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Sends `GET path` on a new connection (with `Connection: close` when `close`) and reads the
/// response head, which must be a 200; returns the stream, the head and the body bytes read
/// with it.
async fn get_ok(addr: SocketAddr, path: &str, close: bool) -> (TcpStream, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let close = if close { "Connection: close\r\n" } else { "" };
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{close}\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let (head, body) = guard(path, read_head(&mut stream)).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    (stream, head, body)
}

/// Reads until the server closes the connection.
async fn read_to_close(stream: &mut TcpStream, mut buf: Vec<u8>) -> Vec<u8> {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return buf,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Decodes a chunked body that is complete (ends with the last chunk).
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..line_end]).ok()?, 16).ok()?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return raw.starts_with(b"\r\n").then_some(out);
        }
        out.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_event_reader_stalls_the_producer_instead_of_growing_a_buffer() {
    const EVENTS: usize = 1_000;
    const EVENT_BYTES: usize = 64 * 1024;
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&sent);
    let app = App::new().get("/events", move || {
        let sent = Arc::clone(&counter);
        async move {
            let (tx, sse) = sse::channel(8);
            tokio::spawn(async move {
                let data = "x".repeat(EVENT_BYTES);
                for i in 0..EVENTS {
                    let event = Event::new().id(&i.to_string()).unwrap().data(&data);
                    if tx.send(event).await.is_err() {
                        return;
                    }
                    sent.fetch_add(1, Ordering::SeqCst);
                }
            });
            sse
        }
    });
    let server = start(|s| s, app);
    let (mut stream, head, body) = get_ok(server.addr, "/events", true).await;
    assert!(head.contains("content-type: text/event-stream"), "{head}");

    // The client reads nothing more. The producer runs until the socket buffers, hyper's write
    // buffer and the 8-event queue are full, then waits: its count stops moving.
    let stalled = stalled("the producer to stall", || sent.load(Ordering::SeqCst)).await;
    assert!(
        stalled < EVENTS / 2,
        "the producer ran ahead by {stalled} events of {EVENT_BYTES} bytes"
    );
    eprintln!(
        "stalled after {stalled} events ({} KiB in flight)",
        stalled * EVENT_BYTES / 1024
    );

    // Reading again lets it finish; every event arrives, in order, once.
    let raw = guard("the rest of the stream", read_to_close(&mut stream, body)).await;
    let body = dechunk(&raw).expect("a complete chunked body");
    let text = String::from_utf8(body).unwrap();
    let ids: Vec<usize> = text
        .lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .map(|id| id.parse().unwrap())
        .collect();
    assert_eq!(ids, (0..EVENTS).collect::<Vec<_>>());
    assert_eq!(sent.load(Ordering::SeqCst), EVENTS);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_ends_an_open_event_stream_cleanly() {
    let app = App::new().get("/events", || async {
        // An endless stream: a keep-alive comment every 50 ms, no events.
        let (tx, sse) = sse::channel(1);
        tokio::spawn(async move {
            let _ = tx.send(Event::new().data("hello")).await;
            // Keep the sender, so the stream never ends by itself.
            std::future::pending::<()>().await;
        });
        sse.keep_alive(KeepAlive::new().interval(Duration::from_millis(50)))
    });
    // A shutdown timeout far beyond the guard: only a clean end lets the server exit in time.
    let mut server = start(|s| s.shutdown_timeout(Duration::from_secs(300)), app);
    let (mut stream, _, mut body) = get_ok(server.addr, "/events", false).await;
    while !body.windows(5).any(|w| w == b"hello") {
        let mut chunk = [0u8; 1024];
        let n = guard("first event", stream.read(&mut chunk)).await.unwrap();
        body.extend_from_slice(&chunk[..n]);
    }

    server.stop();
    let raw = guard("the stream to end", read_to_close(&mut stream, body)).await;
    let text = String::from_utf8(dechunk(&raw).expect("ends with the last chunk")).unwrap();
    assert!(text.starts_with("data: hello\n\n"), "{text:?}");
    assert!(
        text[13..]
            .split_inclusive("\n\n")
            .all(|c| c == ":keep-alive\n\n")
    );
    server.exited().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_under_load_completes_every_accepted_request() {
    const IN_FLIGHT: usize = 50;
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let app = App::new().get(
        "/work/{ms}",
        move |pulya_app::extract::Path(ms): pulya_app::extract::Path<u64>| {
            let started = Arc::clone(&counter);
            async move {
                started.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                format!("done after {ms} ms")
            }
        },
    );
    let mut server = start(|s| s.shutdown_timeout(Duration::from_secs(300)), app);
    let addr = server.addr;
    let clients: Vec<_> = (0..IN_FLIGHT)
        .map(|i| {
            // Some fast, some slow (up to 1.5 s).
            let ms = if i % 5 == 0 {
                1_500
            } else {
                (i as u64 % 7) * 40
            };
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let req = format!("GET /work/{ms} HTTP/1.1\r\nHost: x\r\n\r\n");
                stream.write_all(req.as_bytes()).await.unwrap();
                let (head, body) = read_head(&mut stream).await;
                let raw = read_to_close(&mut stream, body).await;
                (ms, head, raw)
            })
        })
        .collect();
    guard("every request to start", async {
        while started.load(Ordering::SeqCst) < IN_FLIGHT {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;

    server.stop();
    for client in clients {
        let (ms, head, body) = guard("a response", client).await.unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("content-length"), "{head}");
        assert_eq!(body, format!("done after {ms} ms").into_bytes());
    }
    let addr = server.addr;
    server.exited().await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "new connections are refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_at_the_header_read_timeout() {
    let server = start(
        |s| s.header_read_timeout(Some(Duration::from_millis(500))),
        App::new().get("/ok", || async { "ok" }),
    );
    let (mut stream, _, _) = get_ok(server.addr, "/ok", false).await;
    // Kept alive, then idle: the server waits for the next head, and closes at the timeout.
    assert!(
        closed_by_server(&mut stream).await,
        "the idle connection stayed open"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_new_connections_wait_for_a_free_slot() {
    let server = start(
        |s| s.max_connections(2),
        App::new().get("/ok", || async { "ok" }),
    );
    let request = b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut first = TcpStream::connect(server.addr).await.unwrap();
    let mut second = TcpStream::connect(server.addr).await.unwrap();
    for stream in [&mut first, &mut second] {
        stream.write_all(request).await.unwrap();
        let (head, _) = guard("response", read_head(stream)).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    }

    // The third connection is queued in the listen backlog: connected, but not served.
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third.write_all(request).await.unwrap();
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(300), third.read(&mut byte)).await;
    assert!(early.is_err(), "served past the cap: {early:?}");

    // A slot frees up: it is served.
    drop(first);
    let (head, _) = guard("the queued connection", read_head(&mut third)).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stream_arrives_whole_and_in_order() {
    let app = App::new().get("/count", || async {
        let (tx, sse) = sse::channel(4);
        tokio::spawn(async move {
            for i in 0..3 {
                let _ = tx
                    .send(Event::new().event("n").unwrap().data(&i.to_string()))
                    .await;
            }
        });
        sse
    });
    let server = start(|s| s, app);
    let (mut stream, head, body) = get_ok(server.addr, "/count", true).await;
    assert!(head.contains("cache-control: no-cache"), "{head}");
    let raw = guard("body", read_to_close(&mut stream, body)).await;
    assert_eq!(
        dechunk(&raw).unwrap(),
        b"event: n\ndata: 0\n\nevent: n\ndata: 1\n\nevent: n\ndata: 2\n\n"
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_outlive_the_header_read_timeout() {
    let app = App::new()
        .get("/slow", || async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            "finally"
        })
        .get("/events", || async {
            let (tx, sse) = sse::channel(1);
            tokio::spawn(async move {
                for i in 0..20 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let _ = tx.send(Event::new().data(&i.to_string())).await;
                }
            });
            sse
        });
    let server = start(
        |s| s.header_read_timeout(Some(Duration::from_millis(400))),
        app,
    );

    // A handler that runs for almost four timeouts still answers.
    let (mut stream, _, body) = get_ok(server.addr, "/slow", true).await;
    let body = guard("slow body", read_to_close(&mut stream, body)).await;
    assert_eq!(body, b"finally");

    // A stream of events over five timeouts is not taken for an idle connection.
    let (mut stream, _, body) = get_ok(server.addr, "/events", false).await;
    let raw = guard("every event", async {
        let mut raw = body;
        let mut chunk = [0u8; 4096];
        while !raw.ends_with(b"0\r\n\r\n") {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(
                n > 0,
                "closed mid-stream after {:?}",
                String::from_utf8_lossy(&raw)
            );
            raw.extend_from_slice(&chunk[..n]);
        }
        raw
    })
    .await;
    let text = String::from_utf8(dechunk(&raw).unwrap()).unwrap();
    assert_eq!(text.matches("data: ").count(), 20, "{text}");
    // Then, idle, the connection is closed.
    assert!(closed_by_server(&mut stream).await);
    drop(server);
}

/// Serves an app with one slow route, starts a request on it, begins the graceful shutdown, and
/// while that request is still being answered tries a new connection: it must be refused at
/// once, whether the server bound its address itself or was handed a listener.
async fn a_connection_during_the_drain_is_refused(from_listener: bool) {
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let app = App::new().get("/slow", move || {
        let started = Arc::clone(&counter);
        async move {
            started.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            "done"
        }
    });
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    let server = if from_listener {
        Server::from_listener(probe)
    } else {
        // Free the port for the server to bind it itself.
        drop(probe);
        Server::bind(addr)
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = server
        .shutdown_timeout(Duration::from_secs(30))
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
    let task = tokio::spawn(server.run(app));
    let mut slow = guard("the server to listen", async {
        loop {
            if let Ok(stream) = TcpStream::connect(addr).await {
                return stream;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    slow.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    guard("the slow request to start", async {
        while started.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    stop.send(()).unwrap();
    // Until the accept loop has seen the signal, a connection may still be accepted (and one
    // caught in the backlog as the listener closes is reset); from then on, while the slow
    // request is still being answered, every one must be refused.
    let closed = tokio::time::timeout(Duration::from_secs(1), async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "connections were still accepted during the drain (from_listener: {from_listener})"
    );
    let again = TcpStream::connect(addr)
        .await
        .map(|_| ())
        .map_err(|e| e.kind());
    assert_eq!(again, Err(std::io::ErrorKind::ConnectionRefused));
    assert_eq!(
        started.load(Ordering::SeqCst),
        1,
        "the slow request is still the only one"
    );
    let (head, body) = read_head(&mut slow).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let body = read_to_close(&mut slow, body).await;
    assert_eq!(body, b"done");
    let result = tokio::time::timeout(GUARD, task).await;
    assert!(matches!(result, Ok(Ok(Ok(())))), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_during_the_drain_is_refused_with_bind() {
    a_connection_during_the_drain_is_refused(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_during_the_drain_is_refused_with_from_listener() {
    a_connection_during_the_drain_is_refused(true).await;
}
