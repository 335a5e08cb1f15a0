//! Liveness and readiness: 200 while serving, readiness 503 once draining, both before routing
//! (no handler, no route of the app's needed), only for `GET` and `HEAD`.
#![cfg(feature = "health")]

use pulya_app::{App, AppService};
use pulya_middleware::health::Health;

fn app(health: Health) -> AppService {
    App::new()
        .get("/", || async { "home" })
        .middleware(health)
        .build()
        .unwrap()
}

#[tokio::test]
async fn live_and_ready_while_serving() {
    let client = app(Health::new()).test_client();
    let live = client.get("/health/live").send().await;
    assert_eq!(live.status(), 200);
    assert_eq!(live.text(), r#"{"status":"live"}"#);
    assert_eq!(live.header("content-type"), Some("application/json"));
    assert_eq!(live.header("cache-control"), Some("no-store"));
    assert_eq!(client.get("/health/ready").send().await.status(), 200);
    assert_eq!(client.head("/health/ready").send().await.status(), 200);
    assert_eq!(
        client.get("/").send().await.text(),
        "home",
        "other paths pass"
    );
}

#[tokio::test]
async fn ready_turns_503_when_draining_and_live_stays_200() {
    let app = app(Health::new());
    let client = app.test_client();
    app.serve_status().begin_drain();
    let ready = client.get("/health/ready").send().await;
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.header("cache-control"), Some("no-store"));
    let body: serde_json::Value = ready.json();
    assert_eq!(body["status"], 503, "Pulya's error shape: {body}");
    assert_eq!(body["error"], "shutting down");
    assert_eq!(client.get("/health/live").send().await.status(), 200);
    assert_eq!(
        client.get("/").send().await.status(),
        200,
        "requests in flight go on"
    );
}

#[tokio::test]
async fn other_methods_reach_the_app() {
    let client = app(Health::new()).test_client();
    assert_eq!(client.post("/health/live").send().await.status(), 404);
}

#[tokio::test]
async fn the_paths_are_configurable() {
    let client = app(Health::new().paths("/livez", "/readyz")).test_client();
    assert_eq!(client.get("/livez").send().await.status(), 200);
    assert_eq!(client.get("/readyz").send().await.status(), 200);
    assert_eq!(client.get("/health/live").send().await.status(), 404);
}
