//! HTTPS over real TCP on 127.0.0.1 (feature `tls`), with a certificate made by the test:
//! HTTP/1.1 and HTTP/2 chosen by ALPN, plaintext sent to the TLS port, a handshake that stalls,
//! and certificates and keys that are wrong.
#![cfg(feature = "tls")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use pulya_app::App;
use pulya_server::rustls::pki_types::ServerName;
use pulya_server::rustls::{ClientConfig, RootCertStore};
use pulya_server::{ServeError, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

mod common;
use common::{GUARD, Running, start};

struct Cert {
    cert_pem: String,
    key_pem: String,
    der: pulya_server::rustls::pki_types::CertificateDer<'static>,
}

fn cert() -> Cert {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    Cert {
        cert_pem: made.cert.pem(),
        key_pem: made.signing_key.serialize_pem(),
        der: made.cert.der().clone(),
    }
}

fn app() -> App {
    App::new().get(
        "/hello",
        |v: Version| async move { format!("hello over {v:?}") },
    )
}

fn serve(server: impl FnOnce(Server) -> Server) -> Running {
    start(server, app())
}

async fn connect(
    addr: SocketAddr,
    cert: &Cert,
    alpn: &[&[u8]],
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut roots = RootCertStore::empty();
    roots.add(cert.der.clone()).unwrap();
    let mut config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let stream = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    tokio::time::timeout(
        GUARD,
        TlsConnector::from(Arc::new(config)).connect(name, stream),
    )
    .await
    .expect("no hang")
    .expect("the handshake succeeds")
}

async fn body(res: http::Response<hyper::body::Incoming>) -> Bytes {
    res.into_body().collect().await.unwrap().to_bytes()
}

fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(format!("https://localhost{path}"))
        .body(Full::default())
        .unwrap()
}

#[tokio::test]
async fn http1_over_tls() {
    let cert = cert();
    let server = serve(|s| s.tls(cert.cert_pem.clone(), cert.key_pem.clone()));
    let tls = connect(server.addr, &cert, &[b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let (mut send, conn) = http1::handshake(TokioIo::new(tls)).await.unwrap();
    tokio::spawn(conn);
    let res = send.send_request(get("/hello")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "hello over HTTP/1.1");
}

#[tokio::test]
async fn http2_over_tls_by_alpn() {
    let cert = cert();
    let server = serve(|s| s.tls(cert.cert_pem.clone(), cert.key_pem.clone()));
    let tls = connect(server.addr, &cert, &[b"h2", b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) = http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    let res = send.send_request(get("/hello")).await.unwrap();
    assert_eq!(res.version(), Version::HTTP_2);
    assert_eq!(body(res).await, "hello over HTTP/2.0");
}

#[tokio::test]
async fn plaintext_to_the_tls_port_gets_no_http_answer_and_the_server_goes_on() {
    let cert = cert();
    let server = serve(|s| s.tls(cert.cert_pem.clone(), cert.key_pem.clone()));
    let mut plain = TcpStream::connect(server.addr).await.unwrap();
    plain
        .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(GUARD, plain.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection is closed, not left hanging");
    assert!(
        !buf.starts_with(b"HTTP/"),
        "a plaintext request was answered"
    );
    // A proper client still gets through.
    let tls = connect(server.addr, &cert, &[b"http/1.1"]).await;
    let (mut send, conn) = http1::handshake(TokioIo::new(tls)).await.unwrap();
    tokio::spawn(conn);
    assert_eq!(
        send.send_request(get("/hello")).await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_stalled_handshake_is_closed_at_the_timeout() {
    let cert = cert();
    let server = serve(|s| {
        s.tls(cert.cert_pem.clone(), cert.key_pem.clone())
            .tls_handshake_timeout(Duration::from_millis(200))
    });
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(GUARD, silent.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "the server closes a connection that never shakes hands: {read:?}"
    );
}

async fn start_error(server: Server) -> String {
    let result = tokio::time::timeout(GUARD, server.run(app()))
        .await
        .expect("the server stops at once");
    match result {
        Err(err @ ServeError::Tls { .. }) => err.to_string(),
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_certificates_and_keys_stop_the_server_naming_what_and_why() {
    let cert = cert();
    let other = self::cert();
    let bind = || Server::bind("127.0.0.1:0");

    let text = start_error(bind().tls("not pem", cert.key_pem.clone())).await;
    assert!(text.contains("certificate chain"), "{text}");

    let text = start_error(bind().tls(cert.cert_pem.clone(), "-----BEGIN NOTHING-----")).await;
    assert!(text.contains("private key"), "{text}");

    let text = start_error(bind().tls(cert.cert_pem.clone(), other.key_pem.clone())).await;
    assert!(
        text.contains("certificate chain and the private key"),
        "{text}"
    );

    let dir = std::env::temp_dir().join(format!("pulya-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert_file = dir.join("cert.pem");
    std::fs::write(&cert_file, &cert.cert_pem).unwrap();
    let missing = dir.join("missing-key.pem");
    let text = start_error(bind().tls_files(&cert_file, &missing)).await;
    assert!(
        text.contains("missing-key.pem"),
        "the file is named: {text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A connector for hyper-util's client: TCP to the test server, then TLS with the test's root
/// and `alpn`; it tells the client when ALPN chose HTTP/2.
#[derive(Clone)]
struct Connector {
    addr: SocketAddr,
    config: Arc<ClientConfig>,
}

struct TlsConn(TokioIo<tokio_rustls::client::TlsStream<TcpStream>>);

impl hyper_util::client::legacy::connect::Connection for TlsConn {
    fn connected(&self) -> hyper_util::client::legacy::connect::Connected {
        let connected = hyper_util::client::legacy::connect::Connected::new();
        if self.0.inner().get_ref().1.alpn_protocol() == Some(b"h2") {
            connected.negotiated_h2()
        } else {
            connected
        }
    }
}

impl hyper::rt::Read for TlsConn {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for TlsConn {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl tower_service::Service<http::Uri> for Connector {
    type Response = TlsConn;
    type Error = std::io::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<TlsConn>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let tcp = TcpStream::connect(this.addr).await?;
            let name = ServerName::try_from("localhost").expect("a name");
            let tls = TlsConnector::from(this.config).connect(name, tcp).await?;
            Ok(TlsConn(TokioIo::new(tls)))
        })
    }
}

#[tokio::test]
async fn hyper_utils_client_over_tls_gets_http1_or_http2_by_alpn() {
    let cert = cert();
    let server = serve(|s| s.tls(cert.cert_pem.clone(), cert.key_pem.clone()));
    for (alpn, version) in [
        (&[&b"http/1.1"[..]][..], "HTTP/1.1"),
        (&[&b"h2"[..], &b"http/1.1"[..]][..], "HTTP/2.0"),
    ] {
        let mut roots = RootCertStore::empty();
        roots.add(cert.der.clone()).unwrap();
        let mut config = ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let connector = Connector {
            addr: server.addr,
            config: Arc::new(config),
        };
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build::<_, Full<Bytes>>(connector);
        for _ in 0..2 {
            let res = tokio::time::timeout(GUARD, client.request(get("/hello")))
                .await
                .expect("no hang")
                .expect("a response");
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(body(res).await, format!("hello over {version}"));
        }
    }
}
