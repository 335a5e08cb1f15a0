//! Golden output of the `IntoResponse` implementations.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body::Body as _;
use pulya_responses::{Body, ErrorResponse, Html, IntoResponse, Json, JsonCodec, Response};

fn parts(res: Response) -> (StatusCode, Option<String>, Vec<u8>) {
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.body().as_bytes().expect("a full body").to_vec();
    (res.status(), ct, body)
}

#[test]
fn text_bytes_html_and_json() {
    let text = Some("text/plain; charset=utf-8".to_owned());
    assert_eq!(
        parts("hi".into_response()),
        (StatusCode::OK, text.clone(), b"hi".to_vec())
    );
    assert_eq!(
        parts(String::from("hi").into_response()),
        (StatusCode::OK, text, b"hi".to_vec())
    );
    let octets = Some("application/octet-stream".to_owned());
    assert_eq!(
        parts(Bytes::from_static(b"\x00").into_response()),
        (StatusCode::OK, octets, vec![0])
    );
    assert_eq!(
        parts(Html("<p>").into_response()).1.as_deref(),
        Some("text/html; charset=utf-8")
    );
    let (status, ct, body) = parts(
        Json(serde_json::json!({"message": "Hello, World!"}))
            .into_response_with(JsonCodec::DEFAULT_ENCODE),
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct.as_deref(), Some("application/json"));
    assert_eq!(body, br#"{"message":"Hello, World!"}"#);
}

#[test]
fn status_tuples_and_headers() {
    let res = StatusCode::NO_CONTENT.into_response();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.body().size_hint().exact(), Some(0));

    let res = (
        StatusCode::CREATED,
        [(header::LOCATION, HeaderValue::from_static("/u/1"))],
        "ok",
    )
        .into_response();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()[header::LOCATION], "/u/1");

    let mut headers = HeaderMap::new();
    headers.insert("x-a", HeaderValue::from_static("1"));
    let res = (StatusCode::ACCEPTED, headers, ()).into_response();
    assert_eq!(res.headers()["x-a"], "1");
}

#[test]
fn error_response_golden_bytes() {
    let res = ErrorResponse::new(StatusCode::NOT_FOUND, "no \"route\"").into_response();
    assert_eq!(
        parts(res),
        (
            StatusCode::NOT_FOUND,
            Some("application/json".to_owned()),
            br#"{"error":"no \"route\"","status":404}"#.to_vec()
        )
    );
    let none: Option<&str> = None;
    assert_eq!(none.into_response().status(), StatusCode::NOT_FOUND);
    let err: Result<&str, StatusCode> = Err(StatusCode::CONFLICT);
    assert_eq!(err.into_response().status(), StatusCode::CONFLICT);
}

#[test]
fn full_bodies_report_exact_length() {
    let body = Body::from("abc");
    assert_eq!(body.size_hint().exact(), Some(3));
    assert!(!body.is_end_stream());
    assert!(Body::from("").is_end_stream());
}

#[tokio::test]
async fn boxed_bodies_stream_their_frames() {
    use http_body_util::BodyExt;
    let inner = http_body_util::Full::new(Bytes::from_static(b"streamed"));
    let body = Body::new(inner);
    assert!(body.as_bytes().is_none());
    let collected = body.collect().await.unwrap().to_bytes();
    assert_eq!(collected, "streamed");
}

#[test]
fn failing_serialisation_is_a_500() {
    use std::collections::BTreeMap;
    // Maps with non-string keys cannot be JSON.
    let mut map = BTreeMap::new();
    map.insert(vec![1u8], 1);
    let res = Json(map).into_response_with(JsonCodec::SerdeJson);
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn redirects_golden_status_and_location() {
    use pulya_responses::Redirect;
    for (redirect, code) in [
        (Redirect::to("/a"), 303),
        (Redirect::temporary("/a"), 307),
        (Redirect::permanent("/a"), 308),
        (Redirect::moved_permanently("/a"), 301),
        (Redirect::found("/a"), 302),
    ] {
        let res = redirect.into_response();
        assert_eq!(res.status().as_u16(), code);
        assert_eq!(res.headers()[header::LOCATION], "/a");
        assert_eq!(res.body().size_hint().exact(), Some(0));
    }
    let res = Redirect::to("/bad\nlocation").into_response();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn stream_bodies_send_their_chunks_and_end_on_an_error() {
    use http_body_util::BodyExt;
    struct Chunks(std::collections::VecDeque<Result<&'static str, std::io::Error>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<&'static str, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.pop_front())
        }
    }
    let body = Body::from_stream(Chunks([Ok("a"), Ok("b")].into_iter().collect()));
    assert_eq!(body.collect().await.unwrap().to_bytes(), "ab");
    let failing = Body::from_stream(Chunks(
        [Ok("a"), Err(std::io::Error::other("disk gone"))]
            .into_iter()
            .collect(),
    ));
    let err = failing.collect().await.unwrap_err();
    assert_eq!(err.to_string(), "disk gone");
}
