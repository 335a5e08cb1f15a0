//! Prometheus metrics: counts that match the requests sent, labelled by the matched route (an
//! unknown path under one label, never its own), durations, requests in flight, the server's
//! open connections, and the scrape itself.
#![cfg(feature = "metrics")]

use std::sync::Arc;
use std::time::Duration;

use pulya_app::{App, AppService, Body};
use pulya_middleware::metrics::Metrics;
use tokio::sync::Semaphore;

fn app(metrics: Metrics) -> AppService {
    App::new()
        .get("/items", || async { "all" })
        .get("/items/{id}", || async { "one" })
        .post("/items", || async { (http::StatusCode::CREATED, "made") })
        .group("/admin", |g| g.get("/stats", || async { "stats" }))
        .middleware(metrics)
        .build()
        .unwrap()
}

async fn scrape(app: &AppService) -> String {
    let res = app.test_client().get("/metrics").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    res.text().to_owned()
}

/// The count of `pulya_http_requests_total{labels}` in `text`.
fn requests_total(text: &str, labels: &str) -> Option<f64> {
    sample(text, &format!("pulya_http_requests_total{{{labels}}}"))
}

/// The value of the sample `name{labels}` in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

#[tokio::test]
async fn counts_match_the_requests_sent_by_method_route_and_status() {
    let app = app(Metrics::new());
    let client = app.test_client();
    for id in 0..7 {
        client.get(&format!("/items/{id}")).send().await;
    }
    for _ in 0..3 {
        client.post("/items").send().await;
    }
    client.get("/items").send().await;
    client.get("/admin/stats").send().await;
    client.delete("/items").send().await;
    let text = scrape(&app).await;
    let count = |labels: &str| requests_total(&text, labels);
    assert_eq!(
        count(r#"method="GET",route="/items/{id}",status="200""#),
        Some(7.0)
    );
    assert_eq!(
        count(r#"method="POST",route="/items",status="201""#),
        Some(3.0)
    );
    assert_eq!(
        count(r#"method="GET",route="/items",status="200""#),
        Some(1.0)
    );
    assert_eq!(
        count(r#"method="GET",route="/admin/stats",status="200""#),
        Some(1.0)
    );
    // No route answered the 405 (its method has none): it counts as unmatched.
    assert_eq!(
        count(r#"method="DELETE",route="unmatched",status="405""#),
        Some(1.0)
    );
    let durations = |route: &str| {
        sample(
            &text,
            &format!("pulya_http_request_duration_seconds_count{{route=\"{route}\"}}"),
        )
    };
    assert_eq!(durations("/items/{id}"), Some(7.0));
    assert_eq!(durations("/items"), Some(4.0));
    assert!(
        text.contains(
            r#"pulya_http_request_duration_seconds_bucket{le="0.005",route="/items/{id}"}"#
        )
    );
    assert!(text.ends_with("# EOF\n"));
}

#[tokio::test]
async fn unknown_paths_are_counted_under_one_label() {
    let app = app(Metrics::new());
    let client = app.test_client();
    for i in 0..50 {
        client.get(&format!("/probe/{i}/wp-login.php")).send().await;
    }
    let text = scrape(&app).await;
    let unmatched = r#"method="GET",route="unmatched",status="404""#;
    assert_eq!(requests_total(&text, unmatched), Some(50.0));
    assert!(!text.contains("wp-login"), "no raw path becomes a label");
    let series = text
        .lines()
        .filter(|l| l.starts_with("pulya_http_requests_total{"))
        .count();
    assert_eq!(series, 1);
}

#[tokio::test]
async fn an_unusual_method_is_counted_as_other() {
    let app = app(Metrics::new());
    let req = http::Request::builder()
        .method("PURGE")
        .uri("/items")
        .body(Body::empty())
        .unwrap();
    app.call(req).await;
    let text = scrape(&app).await;
    let other = r#"method="other",route="unmatched",status="405""#;
    assert_eq!(requests_total(&text, other), Some(1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_are_a_gauge() {
    // Semaphores both ways: a permit added before anyone waits is not lost.
    let release = Arc::new(Semaphore::new(0));
    let entered = Arc::new(Semaphore::new(0));
    let (wait, enter) = (Arc::clone(&release), Arc::clone(&entered));
    let app = App::new()
        .get("/hold", move || {
            let (wait, enter) = (Arc::clone(&wait), Arc::clone(&enter));
            async move {
                enter.add_permits(1);
                wait.acquire().await.unwrap().forget();
                "released"
            }
        })
        .middleware(Metrics::new())
        .build()
        .unwrap();
    let held: Vec<_> = (0..3)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                app.call(http::Request::get("/hold").body(Body::empty()).unwrap())
                    .await
                    .status()
            })
        })
        .collect();
    let all_in = tokio::time::timeout(Duration::from_secs(10), entered.acquire_many(3));
    let _all = all_in.await.expect("the three handlers run").unwrap();
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "pulya_http_requests_in_flight"), Some(3.0));
    release.add_permits(3);
    for task in held {
        let status = tokio::time::timeout(Duration::from_secs(10), task).await;
        assert_eq!(status.expect("released").unwrap(), 200);
    }
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "pulya_http_requests_in_flight"), Some(0.0));
}

#[tokio::test]
async fn a_cancelled_request_leaves_the_in_flight_gauge() {
    let app = App::new()
        .get("/never", std::future::pending::<&'static str>)
        .middleware(Metrics::new())
        .build()
        .unwrap();
    let call = app.call(http::Request::get("/never").body(Body::empty()).unwrap());
    assert!(
        tokio::time::timeout(Duration::from_millis(20), call)
            .await
            .is_err()
    );
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "pulya_http_requests_in_flight"), Some(0.0));
}

#[tokio::test]
async fn open_connections_come_from_the_server_status() {
    let app = app(Metrics::new());
    app.serve_status().connection_opened();
    app.serve_status().connection_opened();
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "pulya_connections_open"), Some(2.0));
    app.serve_status().connection_closed();
    assert_eq!(
        sample(&scrape(&app).await, "pulya_connections_open"),
        Some(1.0)
    );
}

#[tokio::test]
async fn the_scrape_path_is_configurable_or_off() {
    let moved = app(Metrics::new().path(Some("/internal/metrics")));
    let client = moved.test_client();
    assert_eq!(client.get("/metrics").send().await.status(), 404);
    let res = client.get("/internal/metrics").send().await;
    assert!(res.text().contains("pulya_http_requests_total"));

    let metrics = Metrics::new().path(None);
    let off = app(metrics.clone());
    assert_eq!(off.test_client().get("/metrics").send().await.status(), 404);
    assert!(
        metrics
            .render(0)
            .contains(r#"route="unmatched",status="404"} 1"#)
    );
}

#[tokio::test]
async fn metrics_on_a_group_see_that_group_only() {
    let metrics = Metrics::new().path(None);
    let app = App::new()
        .get("/public", || async { "public" })
        .group("/api", |g| {
            g.get("/users/{id}", || async { "user" })
                .middleware(metrics.clone())
        })
        .build()
        .unwrap();
    let client = app.test_client();
    client.get("/public").send().await;
    client.get("/api/users/1").send().await;
    let text = metrics.render(0);
    assert!(
        text.contains(r#"route="/api/users/{id}",status="200"} 1"#),
        "{text}"
    );
    assert!(!text.contains("/public"));
}
