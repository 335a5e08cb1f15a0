//! The raw tokio-tungstenite peer of the WebSocket echo benchmark: accepts on `--addr`, echoes
//! every text and binary message, one worker thread (`--workers N` for more), until Ctrl-C.
//!
//! `cargo run --release -p pulya-benches --example peer_ws -- --addr 127.0.0.1:3002`

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn main() {
    let (addr, runtime) = pulya_benches::peer_setup("127.0.0.1:3002");
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
