//! Body limits per app, group and route, over the app's default: 413 at once by
//! `Content-Length`, else while reading.

use http::StatusCode;
use pulya_app::App;
use pulya_middleware::body_limit::BodyLimit;

async fn echo_len(body: bytes::Bytes) -> String {
    body.len().to_string()
}

#[tokio::test]
async fn the_route_limit_overrides_the_apps_both_ways() {
    let client = App::new()
        .body_limit(8)
        .post("/small", echo_len)
        .route_middleware(BodyLimit::new(2))
        .post("/large", echo_len)
        .route_middleware(BodyLimit::new(64))
        .post("/default", echo_len)
        .test_client();
    assert_eq!(client.post("/small").body("ab").send().await.text(), "2");
    assert_eq!(client.post("/small").body("abc").send().await.status(), 413);
    let twenty = "x".repeat(20);
    assert_eq!(
        client
            .post("/large")
            .body(twenty.clone())
            .send()
            .await
            .text(),
        "20"
    );
    assert_eq!(
        client.post("/default").body(twenty).send().await.status(),
        413
    );
}

#[tokio::test]
async fn content_length_over_the_limit_is_refused_before_the_handler() {
    let called = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = std::sync::Arc::clone(&called);
    let client = App::new()
        .middleware(BodyLimit::new(4))
        .post("/", move || {
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
            async { "ran" }
        })
        .test_client();
    let res = client.post("/").body("too long").send().await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        res.text(),
        r#"{"error":"the request body is larger than the limit of 4 bytes","status":413}"#
    );
    assert!(!called.load(std::sync::atomic::Ordering::SeqCst));
}

#[tokio::test]
async fn a_body_without_length_is_cut_while_reading() {
    let app = App::new()
        .group("/g", |g| {
            g.post("/up", echo_len).middleware(BodyLimit::new(4))
        })
        .build()
        .unwrap();
    let chunks = ["ab", "cd", "ef"].map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from(c)));
    let body = pulya_core::Body::from_stream(Iter(chunks.into_iter()));
    let res = app
        .call(http::Request::post("/g/up").body(body).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

struct Iter<I>(I);

impl<I: Iterator + Unpin> futures_core::Stream for Iter<I> {
    type Item = I::Item;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<I::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}
