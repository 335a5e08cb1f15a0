//! Compression: the coding chosen by `Accept-Encoding`, every coding decoded back, what is
//! never compressed, streams compressed as they stream, 406, malformed input.

#![cfg(feature = "compression")]

use std::io::Read as _;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::BodyExt as _;
use pulya_app::{App, TestClient};
use pulya_middleware::compression::{Coding, Compression, Level};

fn text() -> String {
    (0..200)
        .map(|i| format!("item {i} is a line of text; "))
        .collect()
}

fn client(compression: Compression) -> TestClient {
    App::new()
        .middleware(compression)
        .get("/text", || async { text() })
        .get("/tiny", || async { "tiny" })
        .get("/png", || async {
            let png = http::HeaderValue::from_static("image/png");
            ([(http::header::CONTENT_TYPE, png)], vec![0u8; 4096])
        })
        .get("/encoded", || async {
            let gz = http::HeaderValue::from_static("gzip");
            ([(http::header::CONTENT_ENCODING, gz)], text())
        })
        .get("/no-transform", || async {
            let cc = http::HeaderValue::from_static("no-transform");
            ([(http::header::CACHE_CONTROL, cc)], text())
        })
        .get("/tagged", || async {
            let tag = http::HeaderValue::from_static("\"v1\"");
            ([(http::header::ETAG, tag)], text())
        })
        .test_client()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn decode(coding: &str, bytes: &[u8]) -> String {
    match coding {
        "gzip" => gunzip(bytes),
        "br" => {
            let mut out = String::new();
            brotli::Decompressor::new(bytes, 4096)
                .read_to_string(&mut out)
                .unwrap();
            out
        }
        "zstd" => String::from_utf8(zstd::decode_all(bytes).unwrap()).unwrap(),
        other => panic!("unexpected coding {other}"),
    }
}

#[tokio::test]
async fn each_coding_round_trips() {
    let client = client(Compression::new());
    for (accept, coding) in [
        ("gzip", "gzip"),
        ("br", "br"),
        ("zstd", "zstd"),
        ("gzip, br, zstd", "br"),
    ] {
        let res = client
            .get("/text")
            .header("accept-encoding", accept)
            .send()
            .await;
        assert_eq!(res.header("content-encoding"), Some(coding), "{accept}");
        assert_eq!(res.header("vary"), Some("accept-encoding"));
        assert_eq!(
            res.header("content-length"),
            None,
            "a buffered body gets its new length from hyper"
        );
        assert!(
            res.bytes().len() < text().len() / 3,
            "{coding}: {}",
            res.bytes().len()
        );
        assert_eq!(decode(coding, res.bytes()), text());
    }
    for level in [Level::Fastest, Level::Best] {
        let client = self::client(Compression::new().level(level));
        let res = client
            .get("/text")
            .header("accept-encoding", "gzip")
            .send()
            .await;
        assert_eq!(gunzip(res.bytes()), text());
    }
}

#[tokio::test]
async fn q_values_and_refusals() {
    let client = client(Compression::new());
    for (accept, expected) in [
        ("gzip;q=1, br;q=0.5", Some("gzip")),
        ("br;q=0, *", Some("zstd")),
        ("identity", None),
        ("deflate", None),
        ("gzip;q=0", None),
        ("gzip;q=0.4, identity;q=0.5", None),
        // Malformed: read as identity, never an error.
        ("gzip;q=foo", None),
        ("gzip;q=2", None),
        ("g zip", None),
    ] {
        let res = client
            .get("/text")
            .header("accept-encoding", accept)
            .send()
            .await;
        assert_eq!(res.status(), 200, "{accept}");
        assert_eq!(res.header("content-encoding"), expected, "{accept}");
    }
    for refused in ["identity;q=0", "*;q=0", "deflate, identity;q=0"] {
        let res = client
            .get("/text")
            .header("accept-encoding", refused)
            .send()
            .await;
        assert_eq!(res.status(), StatusCode::NOT_ACCEPTABLE, "{refused}");
        assert!(res.text().contains(r#""status":406"#));
    }
    // Only the codings offered count.
    let gzip_only = self::client(Compression::new().codings([Coding::Gzip]));
    let res = gzip_only
        .get("/text")
        .header("accept-encoding", "br")
        .send()
        .await;
    assert_eq!(res.header("content-encoding"), None);
}

#[tokio::test]
async fn what_is_left_alone() {
    let client = client(Compression::new());
    let get = |path: &'static str| client.get(path).header("accept-encoding", "gzip").send();
    let tiny = get("/tiny").await;
    assert_eq!(tiny.header("content-encoding"), None);
    assert_eq!(
        tiny.header("vary"),
        Some("accept-encoding"),
        "it could have been"
    );
    let png = get("/png").await;
    assert_eq!(png.header("content-encoding"), None);
    assert_eq!(png.header("vary"), None);
    let encoded = get("/encoded").await;
    assert_eq!(encoded.header("content-encoding"), Some("gzip"));
    assert_eq!(encoded.text(), text(), "never twice");
    assert_eq!(get("/no-transform").await.header("content-encoding"), None);
    let head = client
        .head("/text")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(head.header("content-encoding"), None);
    let tagged = get("/tagged").await;
    assert_eq!(
        tagged.header("etag"),
        Some("W/\"v1\""),
        "the compressed bytes differ"
    );
    assert_eq!(
        client.get("/text").send().await.text(),
        text(),
        "no Accept-Encoding"
    );
}

/// Chunks handed out one per poll.
struct Chunks(Vec<String>);

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let next = (!self.0.is_empty()).then(|| Ok(Bytes::from(self.0.remove(0))));
        std::task::Poll::Ready(next)
    }
}

#[tokio::test]
async fn a_stream_is_compressed_as_it_streams() {
    let app = App::new()
        .middleware(Compression::new())
        .get("/events", || async {
            let chunks = (0..3).map(|i| format!("data: event {i}\n\n")).collect();
            let sse = http::HeaderValue::from_static("text/event-stream");
            (
                [(http::header::CONTENT_TYPE, sse)],
                pulya_core::Body::from_stream(Chunks(chunks)),
            )
        })
        .build()
        .unwrap();
    let req = http::Request::get("/events")
        .header("accept-encoding", "gzip")
        .body(pulya_core::Body::empty())
        .unwrap();
    let res = app.call(req).await;
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let mut body = res.into_body();
    let mut so_far = Vec::new();
    // Each event is decodable as soon as its frame arrives: it was flushed.
    for i in 0..3 {
        let frame = body.frame().await.unwrap().unwrap().into_data().unwrap();
        so_far.extend_from_slice(&frame);
        let mut partial = Vec::new();
        let _ = flate2::read::GzDecoder::new(&so_far[..]).read_to_end(&mut partial);
        let partial = String::from_utf8(partial).unwrap();
        assert!(
            partial.ends_with(&format!("data: event {i}\n\n")),
            "{partial:?}"
        );
    }
    while let Some(frame) = body.frame().await {
        so_far.extend_from_slice(&frame.unwrap().into_data().unwrap());
    }
    assert_eq!(
        gunzip(&so_far),
        "data: event 0\n\ndata: event 1\n\ndata: event 2\n\n"
    );
}
