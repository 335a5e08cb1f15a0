//! The load client of the WebSocket echo benchmark: `CONNECTIONS` sockets to `ws://ADDR/ws`,
//! each sending `MESSAGES` small text messages one after another and waiting for each echo;
//! prints the echoes per second over all of them.
//!
//! `cargo run --release -p pulya-benches --example ws_load -- ADDR MESSAGES CONNECTIONS`

use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = args
        .get(1)
        .expect("usage: ws_load ADDR MESSAGES CONNECTIONS")
        .clone();
    let messages: usize = args.get(2).map_or(10_000, |n| n.parse().expect("a number"));
    let connections: usize = args.get(3).map_or(8, |n| n.parse().expect("a number"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let echoes = runtime.block_on(async move {
        let mut sockets = Vec::new();
        for _ in 0..connections {
            let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
                .await
                .expect("the handshake succeeds");
            sockets.push(socket);
        }
        let start = Instant::now();
        let tasks: Vec<_> = sockets
            .into_iter()
            .map(|mut socket| {
                tokio::spawn(async move {
                    for _ in 0..messages {
                        socket
                            .send(Message::text("hello, echo"))
                            .await
                            .expect("sent");
                        let echo = socket.next().await.expect("an echo").expect("no error");
                        assert_eq!(echo, Message::text("hello, echo"));
                    }
                    let _ = socket.close(None).await;
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("the socket's task ends");
        }
        (messages * connections) as f64 / start.elapsed().as_secs_f64()
    });
    println!("{echoes:.0}");
}
