//! Out of file descriptors, the accept loop backs off instead of spinning, and recovers.
//!
//! Its own test binary, because it lowers this process's descriptor limit. The connections come
//! from a child process (bash's `/dev/tcp`), which keeps its own limit.

use std::io::Write;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pulya_app::App;
use pulya_server::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Counts the server's "backing off" warnings in what the log writes.
#[derive(Clone, Default)]
struct Warnings {
    count: Arc<AtomicUsize>,
    pending: Arc<Mutex<Vec<u8>>>,
}

impl Write for Warnings {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut pending = self.pending.lock().unwrap();
        pending.extend_from_slice(buf);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            if String::from_utf8_lossy(&line).contains("backing off") {
                self.count.fetch_add(1, Ordering::SeqCst);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_descriptors_the_accept_loop_backs_off_and_recovers() {
    let warnings = Warnings::default();
    let writer = warnings.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(move || writer.clone())
        .init();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::from_listener(listener).with_graceful_shutdown(std::future::pending());
    tokio::spawn(server.run(App::new().get("/ok", || async { "ok" })));
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Room for 10 more descriptors in this process.
    let limit = open_descriptors() + 10;
    let status = Command::new("prlimit")
        .args([
            "--pid",
            &std::process::id().to_string(),
            &format!("--nofile={limit}:"),
        ])
        .status()
        .expect("prlimit (util-linux) runs");
    assert!(status.success());

    // 60 connections held open for 3 s by a child process: the server accepts about 10 of them,
    // then every accept fails with EMFILE while the rest wait in the backlog.
    let script = format!(
        "for i in $(seq 60); do exec {{fd}}<>/dev/tcp/127.0.0.1/{}; done; sleep 3",
        addr.port()
    );
    let mut holder = Command::new("bash").args(["-c", &script]).spawn().unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let during = warnings.count.load(Ordering::SeqCst);
    // Backing off from 5 ms, doubling to 1 s, gives about eight warnings in 2.5 s; a loop
    // that spun would log thousands.
    assert!(
        (1..=30).contains(&during),
        "{during} accept-failure warnings in 2.5 s"
    );

    // The holder exits, its connections close, descriptors come back: the server serves again.
    tokio::task::spawn_blocking(move || holder.wait().unwrap())
        .await
        .unwrap();
    let served = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Ok(mut stream) = TcpStream::connect(addr).await {
                let _ = stream
                    .write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .await;
                let mut response = Vec::new();
                let _ = stream.read_to_end(&mut response).await;
                if response.starts_with(b"HTTP/1.1 200") {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(served.is_ok(), "the server did not recover");
}
