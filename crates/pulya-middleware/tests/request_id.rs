//! The request id reaches the handler and the response, and a client's id is kept.

use pulya_app::App;
use pulya_middleware::request_id::RequestId;

#[tokio::test]
async fn generated_and_kept_ids() {
    let client = App::new()
        .get("/", |h: http::HeaderMap| async move {
            h.get("x-request-id").unwrap().to_str().unwrap().to_owned()
        })
        .middleware(RequestId::new())
        .test_client();
    let a = client.get("/").send().await;
    let b = client.get("/").send().await;
    assert_eq!(a.header("x-request-id"), Some(a.text()));
    assert_ne!(a.text(), b.text());
    let kept = client.get("/").header("x-request-id", "abc").send().await;
    assert_eq!(kept.text(), "abc");
    assert_eq!(kept.header("x-request-id"), Some("abc"));
    // 404s pass through the middleware too.
    assert!(
        client
            .get("/nope")
            .send()
            .await
            .header("x-request-id")
            .is_some()
    );
}
