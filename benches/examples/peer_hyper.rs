//! The raw-hyper peer: `/plaintext` and `/json` served by hyper alone, with the same headers as
//! Pulya's example (Content-Type, Content-Length, Date from hyper, `Server`), and any other path
//! answered with the same 404 as Pulya's, for the end-to-end comparison
//! (`benches/scripts/e2e-icount.sh`).
//!
//! `cargo run --release -p pulya-benches --example peer_hyper -- --addr 127.0.0.1:3001 --workers 1`
//! (`--tls-cert PATH --tls-key PATH`: HTTPS through tokio-rustls with ring and ALPN `h2`,
//! `http/1.1`, as Pulya's server has it, for `benches/scripts/tls-wrk.sh`; `--pipeline-flush`:
//! hyper's `http1::Builder::pipeline_flush(true)`, for `benches/scripts/pipelined-wrk.sh`)

use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (body, content_type) = match req.uri().path() {
        "/plaintext" => (
            Bytes::from_static(b"Hello, World!"),
            "text/plain; charset=utf-8",
        ),
        "/json" => {
            let json = serde_json::to_vec(&Message {
                message: "Hello, World!",
            })
            .expect("serialises");
            (Bytes::from(json), "application/json")
        }
        _ => {
            // The same answer as Pulya's, its error shape, so that a 404 compares like for like.
            let mut res = Response::new(Full::new(Bytes::from_static(
                br#"{"error":"Not Found","status":404}"#,
            )));
            *res.status_mut() = StatusCode::NOT_FOUND;
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            res.headers_mut()
                .insert(header::SERVER, HeaderValue::from_static("hyper"));
            return Ok(res);
        }
    };
    let mut res = Response::new(Full::new(body));
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut()
        .insert(header::SERVER, HeaderValue::from_static("hyper"));
    Ok(res)
}

fn main() {
    let (addr, runtime) = pulya_benches::peer_setup("127.0.0.1:3001");
    let tls = match (
        pulya_benches::flag("--tls-cert"),
        pulya_benches::flag("--tls-key"),
    ) {
        (Some(cert), Some(key)) => Some(tls_acceptor(&cert, &key)),
        _ => None,
    };
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .expect("the address is free");
        let mut builder = auto::Builder::new(TokioExecutor::new());
        if std::env::args().any(|a| a == "--pipeline-flush") {
            builder.http1().pipeline_flush(true);
        }
        let shutdown = tokio::signal::ctrl_c();
        tokio::pin!(shutdown);
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => accepted.expect("accept"),
                _ = &mut shutdown => break,
            };
            stream.set_nodelay(true).expect("nodelay");
            let builder = builder.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(handle);
                match tls {
                    None => {
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            let _ = builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                    }
                }
            });
        }
    });
}

/// A rustls acceptor of the PEM chain and key, with ALPN `h2` and `http/1.1`.
fn tls_acceptor(cert: &str, key: &str) -> tokio_rustls::TlsAcceptor {
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .expect("a certificate file")
        .collect::<Result<Vec<_>, _>>()
        .expect("PEM certificates");
    let key = PrivateKeyDer::from_pem_file(key).expect("a PEM key");
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a matching certificate and key");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config))
}
