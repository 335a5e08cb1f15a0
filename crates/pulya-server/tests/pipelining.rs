//! HTTP/1.1 pipelining over real TCP on 127.0.0.1: many requests in one write are answered
//! in order, each whole; answers that wait to be sent together never wait on a request that
//! is still being served; a client that pipelines and never reads stalls the server instead of
//! growing its memory. Every wait has a hang guard; nothing asserts speed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pulya_app::App;
use pulya_app::extract::Path;
use pulya_responses::sse::{self, Event};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::{guard, stalled, start};

/// Reads from `stream` until `buf` holds `count` occurrences of `marker`.
async fn read_until(stream: &mut TcpStream, buf: &mut Vec<u8>, marker: &[u8], count: usize) {
    let mut chunk = [0u8; 16 * 1024];
    while buf.windows(marker.len()).filter(|w| *w == marker).count() < count {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed after {} bytes", buf.len());
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn pipelined(paths: impl IntoIterator<Item = String>) -> Vec<u8> {
    paths
        .into_iter()
        .flat_map(|path| format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_requests_in_one_write_are_answered_in_order() {
    let app = App::new().get(
        "/n/{n}",
        |Path(n): Path<u32>| async move { format!("<{n}>") },
    );
    let server = start(|s| s, app);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&pipelined((0..64).map(|n| format!("/n/{n}"))))
        .await
        .unwrap();
    let mut buf = Vec::new();
    guard(
        "64 answers",
        read_until(&mut stream, &mut buf, b"HTTP/1.1 200", 64),
    )
    .await;
    guard(
        "the last body",
        read_until(&mut stream, &mut buf, b"<63>", 1),
    )
    .await;
    let text = String::from_utf8(buf).unwrap();
    let bodies: Vec<&str> = text
        .split("HTTP/1.1 200 OK\r\n")
        .skip(1)
        .map(|answer| answer.split("\r\n\r\n").nth(1).unwrap())
        .collect();
    let expected: Vec<String> = (0..64).map(|n| format!("<{n}>")).collect();
    assert_eq!(bodies, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_does_not_wait_for_a_slow_request_behind_it() {
    let app = App::new()
        .get("/fast", || async { "fast" })
        .get("/slow", || async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "slow"
        });
    let server = start(|s| s, app);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let paths = ["/fast", "/fast", "/slow"].map(str::to_owned);
    stream.write_all(&pipelined(paths)).await.unwrap();
    let mut buf = Vec::new();
    // Both answers before the slow one arrive, although the slow one never ends.
    guard(
        "the two fast answers",
        read_until(&mut stream, &mut buf, b"fast", 2),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_answer_flows_while_pipelined_requests_wait_behind_it() {
    let app = App::new()
        .get("/events", || async {
            let (tx, events) = sse::channel(8);
            tokio::spawn(async move {
                for i in 0..3 {
                    let event = Event::new().data(&format!("event {i}"));
                    if tx.send(event).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                // Open until the client goes.
                while !tx.is_closed() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
            events
        })
        .get("/fast", || async { "fast" });
    let server = start(|s| s, app);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let paths = ["/events", "/fast"].map(str::to_owned);
    stream.write_all(&pipelined(paths)).await.unwrap();
    let mut buf = Vec::new();
    // Each event arrives while the stream is open and `/fast` is still waiting behind it.
    guard(
        "three events",
        read_until(&mut stream, &mut buf, b"data: event", 3),
    )
    .await;
    assert!(!buf.windows(4).any(|w| w == b"fast"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_pipelines_and_never_reads_stalls_the_server() {
    const BODY: usize = 64 * 1024;
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let app = App::new().get("/big", move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "x".repeat(BODY) }
    });
    let server = start(|s| s, app);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // 2,000 requests of 64 KiB answers each (125 MiB), written while nothing is read.
    let requests = pipelined((0..2_000).map(|_| "/big".to_owned()));
    let (mut reader, mut writer) = stream.split();
    let send = async {
        // The server stops reading once its buffers are full, so this write stalls too.
        let _ = tokio::time::timeout(Duration::from_secs(2), writer.write_all(&requests)).await;
    };
    send.await;
    // The count stops moving well short of the 2,000.
    let stalled = stalled("the server to stall", || served.load(Ordering::SeqCst)).await;
    assert!(
        stalled < 1_000,
        "{stalled} answers of 64 KiB made while the client read nothing"
    );
    // Reading again lets it go on.
    let mut chunk = vec![0u8; 256 * 1024];
    let mut total = 0;
    guard("more answers once read", async {
        while served.load(Ordering::SeqCst) <= stalled {
            total += reader.read(&mut chunk).await.unwrap();
        }
    })
    .await;
    assert!(total > 0);
}
