//! The `api` example's `--rate-limit N/s`, in process. Apart from `api_example.rs`, whose test
//! counts every access-log line of its process.

#[allow(dead_code)]
#[path = "../examples/api.rs"]
mod api;

#[tokio::test]
async fn the_rate_limit_flag() {
    let quota: pulya::middleware::rate_limit::Quota = "2/s".parse().unwrap();
    assert_eq!(quota.limit(), 2);
    let client = api::app(&api::Options {
        rate_limit: Some(quota),
        ..Default::default()
    })
    .unwrap()
    .test_client();
    assert_eq!(client.get("/items/1").send().await.status(), 200);
    let second = client.get("/items/1").send().await;
    assert_eq!(second.header("ratelimit-remaining"), Some("0"));
    let third = client.get("/items/1").send().await;
    assert_eq!(third.status(), 429);
    assert_eq!(third.header("retry-after"), Some("1"));
}
