//! WebSocket over real TCP on 127.0.0.1 (feature `ws`), with tokio-tungstenite as the client:
//! echo of text and binary, ping and pong, the client's close, a message over the limit
//! (1009), subprotocol negotiation, handshakes that are not ones (4xx), close 1001 at graceful
//! shutdown, an open socket counted as an open connection, and HTTP/2's extended CONNECT
//! (RFC 8441).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http::Method;
use pulya_app::App;
use pulya_server::ws::{CloseCode, Message, WebSocketUpgrade};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

mod common;
use common::{GUARD, Running, stalled, start, start_service};

async fn echo(ws: WebSocketUpgrade) -> pulya_app::Response {
    ws.max_message_size(1024)
        .protocols(["superchat", "chat"])
        .on_upgrade(|mut socket| async move {
            let tag = socket.protocol().unwrap_or("none").to_owned();
            if socket
                .send(Message::text(format!("hello, protocol {tag}")))
                .await
                .is_err()
            {
                return;
            }
            while let Some(Ok(message)) = socket.recv().await {
                if matches!(message, Message::Text(_) | Message::Binary(_))
                    && socket.send(message).await.is_err()
                {
                    break;
                }
            }
        })
}

fn serve() -> Running {
    start(
        |s| s.shutdown_timeout(Duration::from_secs(10)),
        App::new()
            .get("/ws", echo)
            .route(Method::CONNECT, "/ws", echo)
            .route(Method::POST, "/ws", echo)
            .get("/plain", || async { "plain" }),
    )
}

type Client = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

async fn connect(server: &Running, protocols: Option<&str>) -> (Client, Option<String>) {
    let mut req = format!("ws://{}/ws", server.addr)
        .into_client_request()
        .unwrap();
    if let Some(protocols) = protocols {
        req.headers_mut()
            .insert("sec-websocket-protocol", protocols.parse().unwrap());
    }
    let (client, res) = tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(req))
        .await
        .expect("no hang")
        .expect("the handshake succeeds");
    let chosen = res
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_owned());
    (client, chosen)
}

async fn next(client: &mut Client) -> Message {
    tokio::time::timeout(GUARD, client.next())
        .await
        .expect("no hang")
        .expect("a message")
        .expect("no error")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoes_text_and_binary_and_answers_pings() {
    let server = serve();
    let (mut client, chosen) = connect(&server, Some("chat, superchat")).await;
    // The client's order decides among the protocols the server speaks.
    assert_eq!(chosen.as_deref(), Some("chat"));
    assert_eq!(
        next(&mut client).await,
        Message::text("hello, protocol chat")
    );
    client.send(Message::text("ping me")).await.unwrap();
    assert_eq!(next(&mut client).await, Message::text("ping me"));
    client.send(Message::binary(vec![0u8, 1, 2])).await.unwrap();
    assert_eq!(next(&mut client).await, Message::binary(vec![0u8, 1, 2]));
    client
        .send(Message::Ping(b"p".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(next(&mut client).await, Message::Pong(b"p".to_vec().into()));
    client.close(None).await.unwrap();
    let end = tokio::time::timeout(GUARD, client.next())
        .await
        .expect("no hang");
    assert!(matches!(end, None | Some(Ok(Message::Close(_)))), "{end:?}");
    // The server still serves plain requests.
    let mut plain = TcpStream::connect(server.addr).await.unwrap();
    plain
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    plain.read_to_end(&mut raw).await.unwrap();
    assert!(raw.ends_with(b"plain"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_protocol_is_chosen_when_none_is_shared() {
    let server = serve();
    let answer = raw_handshake(
        &server,
        "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: mqtt\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 101"), "{answer}");
    // RFC 6455's sample key and its accept value.
    assert!(answer.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{answer}");
    assert!(
        !answer.to_lowercase().contains("sec-websocket-protocol"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_limit_closes_with_1009() {
    let server = serve();
    let (mut client, _) = connect(&server, None).await;
    next(&mut client).await;
    client.send(Message::text("x".repeat(2048))).await.unwrap();
    match next(&mut client).await {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Size),
        other => panic!("expected close 1009, got {other:?}"),
    }
}

/// Sends `request` and reads the response's head and, by its `Content-Length`, its body.
async fn raw_handshake(server: &Running, request: &str) -> String {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(GUARD, async {
        let mut buf = [0u8; 1024];
        loop {
            let text = String::from_utf8_lossy(&raw).to_lowercase();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if raw.len() >= end + 4 + length {
                    return;
                }
            }
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("no hang");
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshakes_that_are_not_ones_are_4xx_in_the_error_shape() {
    let server = serve();
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let up = "Connection: Upgrade\r\nUpgrade: websocket\r\n";
    for (request, status) in [
        (
            format!(
                "GET /ws HTTP/1.1\r\nHost: x\r\n{key}Sec-WebSocket-Version: 13\r\nConnection: close\r\n\r\n"
            ),
            "400",
        ),
        (
            format!("GET /ws HTTP/1.1\r\nHost: x\r\n{up}Sec-WebSocket-Version: 13\r\n\r\n"),
            "400",
        ),
        (
            format!("GET /ws HTTP/1.1\r\nHost: x\r\n{up}{key}Sec-WebSocket-Version: 8\r\n\r\n"),
            "426",
        ),
        (
            format!(
                "POST /ws HTTP/1.1\r\nHost: x\r\n{up}{key}Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n"
            ),
            "405",
        ),
    ] {
        let answer = raw_handshake(&server, &request).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{request}\n{answer}"
        );
        assert!(answer.contains(&format!("\"status\":{status}")), "{answer}");
    }
    let answer = raw_handshake(
        &server,
        &format!("GET /ws HTTP/1.1\r\nHost: x\r\n{up}{key}Sec-WebSocket-Version: 7\r\n\r\n"),
    )
    .await;
    assert!(
        answer.to_lowercase().contains("sec-websocket-version: 13"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_closes_open_sockets_with_1001_and_waits_for_them() {
    let mut server = serve();
    let (mut first, _) = connect(&server, None).await;
    let (mut second, _) = connect(&server, None).await;
    next(&mut first).await;
    next(&mut second).await;
    server.stop();
    for client in [&mut first, &mut second] {
        match next(client).await {
            Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Away),
            other => panic!("expected close 1001, got {other:?}"),
        }
    }
    let addr = server.addr;
    server.exited().await;
    assert!(TcpStream::connect(addr).await.is_err());
}

/// A socket outlives the HTTP connection it was upgraded from (hyper's connection task ends at
/// the hand-over): it stays among the app's open connections, which `pulya_connections_open`
/// reports, until it closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_socket_stays_an_open_connection_until_it_closes() {
    let app = App::new().get("/ws", echo).build().unwrap();
    let status = app.clone();
    let open = || status.serve_status().connections_open();
    let server = start_service(|s| s, app);
    let (mut client, _) = connect(&server, None).await;
    assert!(matches!(next(&mut client).await, Message::Text(_)));
    assert_eq!(stalled("the count to settle", open).await, 1);

    client.close(None).await.unwrap();
    while tokio::time::timeout(GUARD, client.next())
        .await
        .expect("no hang")
        .is_some()
    {}
    assert_eq!(stalled("the count to settle", open).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_extended_connect_carries_a_websocket() {
    use bytes::Bytes;
    use http_body_util::Empty;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use tokio_tungstenite::tungstenite::protocol::Role;

    let server = serve();
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let mut req = http::Request::builder()
        .method(Method::CONNECT)
        .uri(format!("http://{}/ws", server.addr))
        .header("sec-websocket-version", "13")
        .header("sec-websocket-protocol", "superchat")
        .body(Empty::<Bytes>::new())
        .unwrap();
    req.extensions_mut()
        .insert(hyper::ext::Protocol::from_static("websocket"));
    send.ready().await.unwrap();
    let res = tokio::time::timeout(GUARD, send.send_request(req))
        .await
        .expect("no hang")
        .expect("the server enables extended CONNECT");
    assert_eq!(res.status(), http::StatusCode::OK);
    assert_eq!(res.headers()["sec-websocket-protocol"], "superchat");
    let upgraded = hyper::upgrade::on(res).await.unwrap();
    let mut client = tokio_tungstenite::WebSocketStream::from_raw_socket(
        TokioIo::new(upgraded),
        Role::Client,
        None,
    )
    .await;
    let hello = tokio::time::timeout(GUARD, client.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(hello, Message::text("hello, protocol superchat"));
    client.send(Message::text("over h2")).await.unwrap();
    let echoed = tokio::time::timeout(GUARD, client.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(echoed, Message::text("over h2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_stalls_the_sender_instead_of_growing_memory() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    const MESSAGES: usize = 200;
    const SIZE: usize = 128 * 1024;
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&sent);
    let app = App::new().get("/ws", move |ws: WebSocketUpgrade| {
        let sent = Arc::clone(&counter);
        async move {
            ws.max_write_buffer_size(256 * 1024)
                .on_upgrade(move |mut socket| async move {
                    for _ in 0..MESSAGES {
                        if socket.send(Message::binary(vec![7u8; SIZE])).await.is_err() {
                            return;
                        }
                        sent.fetch_add(1, Ordering::SeqCst);
                    }
                })
        }
    });
    let server = start(|s| s, app);
    let (mut client, _) = connect(&server, None).await;
    // The client reads nothing: sends go on until the buffers fill, then stop.
    let mut last = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = sent.load(Ordering::SeqCst);
        if now == last {
            break;
        }
        last = now;
    }
    assert!(
        last < MESSAGES,
        "{last} of {MESSAGES} messages of {SIZE} bytes were accepted with no reader: the send side is not bounded"
    );
    // Reading lets the sender finish.
    for _ in 0..MESSAGES {
        let message = next(&mut client).await;
        assert_eq!(message.len(), SIZE);
    }
    assert_eq!(sent.load(Ordering::SeqCst), MESSAGES);
}
