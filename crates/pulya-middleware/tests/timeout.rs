//! Timeouts: 503 (or 408) at the deadline at every level, the handler's future dropped, the
//! body read cut too, and the shortest of several deadlines winning.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::StatusCode;
use pulya_app::App;
use pulya_middleware::timeout::Timeout;

async fn sleep_ms(ms: u64) -> &'static str {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "done"
}

#[tokio::test]
async fn fast_handlers_pass_and_slow_ones_get_503() {
    let client = App::new()
        .middleware(Timeout::new(Duration::from_millis(50)))
        .get("/fast", || sleep_ms(0))
        .get("/slow", || sleep_ms(5_000))
        .test_client();
    assert_eq!(client.get("/fast").send().await.text(), "done");
    let res = client.get("/slow").send().await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        res.text().contains("took longer than 50ms"),
        "{}",
        res.text()
    );
    assert!(res.text().contains(r#""status":503"#));
}

#[tokio::test]
async fn the_status_can_be_408_and_nothing_else() {
    let t = Timeout::new(Duration::from_millis(10)).status(StatusCode::REQUEST_TIMEOUT);
    let client = App::new()
        .middleware(t)
        .get("/", || sleep_ms(5_000))
        .test_client();
    assert_eq!(
        client.get("/").send().await.status(),
        StatusCode::REQUEST_TIMEOUT
    );
    let t = Timeout::new(Duration::from_millis(10)).status(StatusCode::IM_A_TEAPOT);
    let client = App::new()
        .middleware(t)
        .get("/", || sleep_ms(5_000))
        .test_client();
    assert_eq!(
        client.get("/").send().await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

/// Set when dropped: shows that the handler's resources are released.
struct Held(Arc<AtomicBool>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_handlers_future_is_dropped_at_the_deadline() {
    let released = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&released);
    let client = App::new()
        .get("/", move || {
            let held = Held(Arc::clone(&flag));
            async move {
                tokio::time::sleep(Duration::from_secs(60)).await;
                drop(held);
                "never"
            }
        })
        .route_middleware(Timeout::new(Duration::from_millis(10)))
        .test_client();
    assert_eq!(client.get("/").send().await.status(), 503);
    assert!(released.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_slow_body_read_is_cut_too() {
    let client = App::new()
        .middleware(Timeout::new(Duration::from_millis(20)))
        .post(
            "/",
            |body: bytes::Bytes| async move { body.len().to_string() },
        )
        .build()
        .unwrap();
    // A body that never ends.
    let (_tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(1);
    let stream = futures_stream(rx);
    let req = http::Request::post("/")
        .body(pulya_core::Body::from_stream(stream))
        .unwrap();
    let res = client.call(req).await;
    assert_eq!(res.status(), 503);
}

fn futures_stream<T: Send + 'static>(
    rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_core::Stream<Item = T> + Send {
    struct S<T>(tokio::sync::mpsc::Receiver<T>);
    impl<T> futures_core::Stream for S<T> {
        type Item = T;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<T>> {
            self.0.poll_recv(cx)
        }
    }
    S(rx)
}

#[tokio::test]
async fn the_shortest_of_several_deadlines_wins() {
    let client = App::new()
        .middleware(Timeout::new(Duration::from_secs(60)))
        .group("/api", |g| {
            g.middleware(Timeout::new(Duration::from_millis(20)))
                .get("/slow", || sleep_ms(5_000))
        })
        .get("/ok", || sleep_ms(30))
        .test_client();
    // The handler would answer 200 after 5 s under the app's minute alone.
    assert_eq!(client.get("/api/slow").send().await.status(), 503);
    // Outside the group the app's minute applies.
    assert_eq!(client.get("/ok").send().await.status(), 200);
}
