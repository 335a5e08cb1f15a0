//! Arbitrary bytes sent to the example app as one connection: hyper's server connection (the
//! auto builder with Pulya's limits, HTTP/1 and h2c) over an in-memory duplex stream. No panic,
//! no hang, and every complete HTTP/1 response that comes back is well formed: a status line,
//! headers, and a body framed as its headers say.
#![no_main]

use std::convert::Infallible;
use std::sync::OnceLock;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use libfuzzer_sys::fuzz_target;
use pulya::AppService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The example server's own app: the file `cargo run --example hello` serves.
#[allow(dead_code, unexpected_cfgs)]
#[path = "../../crates/pulya/examples/hello.rs"]
mod hello;

fn app() -> &'static (tokio::runtime::Runtime, AppService) {
    static APP: OnceLock<(tokio::runtime::Runtime, AppService)> = OnceLock::new();
    APP.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        (runtime, hello::app().build().unwrap())
    })
}

/// With the limits a Pulya server has by default.
fn builder() -> hyper_util::server::conn::auto::Builder<TokioExecutor> {
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .max_headers(pulya_server::DEFAULT_MAX_HEADERS)
        .max_buf_size(pulya_server::DEFAULT_MAX_HEADER_BYTES);
    builder
        .http2()
        .max_header_list_size(pulya_server::DEFAULT_MAX_HEADER_BYTES as u32);
    builder
}

fuzz_target!(|input: &[u8]| {
    let (runtime, app) = app();
    let output = runtime.block_on(async {
        let (mut client, server) = tokio::io::duplex(16 * 1024);
        let app = app.clone();
        let service = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.call(req.map(pulya::Body::from)).await) }
        });
        let connection = tokio::spawn(async move {
            // Errors are the client's fault here (bad bytes, an early end): only a panic counts.
            let _ = builder()
                .serve_connection(TokioIo::new(server), service)
                .await;
        });
        let (read, write) = tokio::io::split(&mut client);
        let (mut read, mut write) = (read, write);
        let send = async {
            // The server may close first (after a 400): a failed write is not a finding.
            let _ = write.write_all(input).await;
            let _ = write.shutdown().await;
        };
        let mut output = Vec::new();
        let receive = read.read_to_end(&mut output);
        let ((), received) = tokio::time::timeout(Duration::from_secs(10), async {
            tokio::join!(send, receive)
        })
        .await
        .expect("the connection ends within 10 s of its input's end");
        let _ = received;
        connection.await.expect("the connection's task does not panic");
        output
    });
    if !input.starts_with(b"PRI * HTTP/2.0") {
        check_responses(&output);
    }
});

/// Every response in `out` is complete and well framed, except that the last may stop short
/// (the server closes a connection it cannot read on, mid-way through nothing).
fn check_responses(mut out: &[u8]) {
    while !out.is_empty() {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut res = httparse::Response::new(&mut headers);
        let head = match res.parse(out) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => panic!("a response stops in its head: {out:?}"),
            Err(err) => panic!("a malformed response ({err}): {out:?}"),
        };
        let status = res.code.expect("a complete head has a status");
        assert!((100..600).contains(&status), "status {status}");
        let header = |name: &str| {
            res.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| std::str::from_utf8(h.value).expect("header values the server wrote are ASCII"))
        };
        let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
        let length = header("content-length").map(|v| v.parse::<usize>().expect("a numeric content-length"));
        assert!(!(chunked && length.is_some()), "both content-length and chunked");
        let rest = &out[head..];
        out = if (100..200).contains(&status) || status == 204 || status == 304 {
            rest
        } else if chunked {
            skip_chunked(rest)
        } else if let Some(length) = length {
            // A response to HEAD carries the length of the body it leaves out: the next
            // response (or the end) follows its head directly.
            if rest.is_empty() || rest.starts_with(b"HTTP/1.") {
                rest
            } else {
                assert!(rest.len() >= length, "a body shorter than its content-length");
                &rest[length..]
            }
        } else {
            // Delimited by the end of the connection: nothing may follow.
            &[]
        };
    }
}

/// The bytes after a chunked body that starts `body`.
fn skip_chunked(mut body: &[u8]) -> &[u8] {
    loop {
        let line_end = find_crlf(body).expect("a chunk-size line ends with CRLF");
        let size_text = std::str::from_utf8(&body[..line_end]).expect("an ASCII chunk size");
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).expect("a hexadecimal chunk size");
        body = &body[line_end + 2..];
        if size == 0 {
            // Trailers, then an empty line.
            loop {
                let end = find_crlf(body).expect("trailers end with an empty line");
                body = &body[end + 2..];
                if end == 0 {
                    return body;
                }
            }
        }
        assert!(body.len() >= size + 2, "a chunk shorter than its size");
        assert_eq!(&body[size..size + 2], b"\r\n", "a chunk ends with CRLF");
        body = &body[size + 2..];
    }
}

fn find_crlf(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"\r\n")
}
