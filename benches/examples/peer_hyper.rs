//! The raw-hyper peer: `/plaintext` and `/json` served by hyper alone, with the same headers as
//! Pulya's example (Content-Type, Content-Length, Date from hyper, `Server`), for the
//! end-to-end comparison (`benches/scripts/e2e-icount.sh`).
//!
//! `cargo run --release -p pulya-benches --example peer_hyper -- --addr 127.0.0.1:3001 --workers 1`

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
            let mut res = Response::new(Full::new(Bytes::new()));
            *res.status_mut() = StatusCode::NOT_FOUND;
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
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let addr = flag("--addr").unwrap_or_else(|| "127.0.0.1:3001".to_owned());
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
        let builder = auto::Builder::new(TokioExecutor::new());
        let shutdown = tokio::signal::ctrl_c();
        tokio::pin!(shutdown);
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => accepted.expect("accept"),
                _ = &mut shutdown => break,
            };
            stream.set_nodelay(true).expect("nodelay");
            let builder = builder.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(handle);
                let _ = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}
