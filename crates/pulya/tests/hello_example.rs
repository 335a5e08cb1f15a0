//! The example server's endpoints, in process: the example file itself is compiled into this
//! test, so what is tested is what `cargo run --example hello` serves.

#[allow(dead_code)]
#[path = "../examples/hello.rs"]
mod hello;

use pulya::prelude::*;

#[tokio::test]
async fn the_example_endpoints() {
    let client = hello::app().test_client();

    let res = client.get("/plaintext").send().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text(), "Hello, World!");
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );

    let res = client.get("/json").send().await;
    assert_eq!(res.text(), r#"{"message":"Hello, World!"}"#);
    assert_eq!(res.header("content-type"), Some("application/json"));

    assert_eq!(
        client.get("/users/7").send().await.text(),
        r#"{"id":7,"name":"user-7"}"#
    );

    let res = client
        .post("/echo")
        .json(&serde_json::json!({"a": [1, 2]}))
        .send()
        .await;
    assert_eq!(res.text(), r#"{"a":[1,2]}"#);
    let res = client
        .post("/echo")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn the_facade_reexports_every_crate() {
    let mut router = pulya::routing::Router::new();
    router.insert(Method::GET, "/", 1).unwrap();
    let headers = pulya::headers::HeaderMap::new();
    assert!(headers.is_empty());
    let pool = pulya::pool::Pool::new(1, String::new, String::clear);
    assert_eq!(pool.idle(), 0);
    let container = pulya::di::Container::builder()
        .singleton(5u8)
        .build()
        .unwrap();
    assert_eq!(*container.resolve::<u8>().unwrap(), 5);
    let _ = pulya::middleware::request_id::RequestId::new();
}
