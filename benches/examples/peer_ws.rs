//! The raw tokio-tungstenite peer of the WebSocket echo benchmark: accepts on `--addr`, echoes
//! every text and binary message, one worker thread (`--workers N` for more), until Ctrl-C.
//!
//! `cargo run --release -p pulya-benches --example peer_ws -- --addr 127.0.0.1:3002`

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let addr = flag("--addr").unwrap_or_else(|| "127.0.0.1:3002".to_owned());
    let workers: usize = flag("--workers").map_or(1, |w| w.parse().expect("a number"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .expect("the address is free");
        let shutdown = tokio::signal::ctrl_c();
        tokio::pin!(shutdown);
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => accepted.expect("accept"),
                _ = &mut shutdown => break,
            };
            stream.set_nodelay(true).expect("nodelay");
            tokio::spawn(async move {
                // Plain TCP connections (the start-up probe) fail the handshake; that is fine.
                let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(message)) = socket.next().await {
                    if matches!(message, Message::Text(_) | Message::Binary(_))
                        && socket.send(message).await.is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
}
