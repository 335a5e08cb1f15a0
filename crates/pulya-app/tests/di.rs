//! Dependency injection in handlers: `App::container`, `Inject<T>` of every lifetime, the
//! check at build, and request scopes that end after the response body, also when the
//! handler failed or panicked or the body was dropped mid-way.
#![cfg(feature = "di")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::BodyExt;
use pulya_app::extract::{Inject, Path};
use pulya_app::{App, Body, BuildProblem};
use pulya_core::extract::Need;
use pulya_di::{Container, Outcome, Service};

struct Counter(AtomicUsize);
struct Fresh(usize);
struct Tx(usize);

type Ends = Arc<Mutex<Vec<(usize, Outcome)>>>;

fn container(ends: &Ends) -> Arc<Container> {
    let ends = Arc::clone(ends);
    Container::builder()
        .singleton(Counter(AtomicUsize::new(0)))
        .provide(Service::transient(|counter: Arc<Counter>| async move {
            Ok::<_, std::io::Error>(Fresh(counter.0.fetch_add(1, Ordering::SeqCst)))
        }))
        .provide(
            Service::scoped(
                |fresh: Arc<Fresh>| async move { Ok::<_, std::io::Error>(Tx(fresh.0)) },
            )
            .dispose(move |tx: Arc<Tx>, outcome| {
                ends.lock().unwrap().push((tx.0, outcome));
                std::future::ready(())
            }),
        )
        .build()
        .unwrap()
}

/// The scope ends recorded so far, waiting (bounded) for `n`: disposes run on the runtime.
async fn ended(ends: &Ends, n: usize) -> Vec<(usize, Outcome)> {
    for _ in 0..200 {
        if ends.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    ends.lock().unwrap().clone()
}

fn ok(status: u16) -> Outcome {
    Outcome::Responded {
        status: StatusCode::from_u16(status).unwrap(),
        complete: true,
    }
}

async fn same_tx_twice(Inject(a): Inject<Tx>, Inject(b): Inject<Tx>) -> String {
    format!("{} {}", a.0, Arc::ptr_eq(&a, &b))
}

#[tokio::test]
async fn a_scoped_service_is_built_once_per_request_and_ends_after_the_response() {
    let ends = Ends::default();
    let client = App::new()
        .container(container(&ends))
        .get("/", same_tx_twice)
        .test_client();
    assert_eq!(client.get("/").send().await.text(), "0 true");
    assert_eq!(client.get("/").send().await.text(), "1 true");
    assert_eq!(ended(&ends, 2).await, [(0, ok(200)), (1, ok(200))]);
}

#[tokio::test]
async fn singletons_are_shared_and_transients_new() {
    async fn both(
        Inject(c): Inject<Counter>,
        Inject(a): Inject<Fresh>,
        Inject(b): Inject<Fresh>,
    ) -> String {
        format!("{} {} {}", a.0, b.0, c.0.load(Ordering::SeqCst))
    }
    let ends = Ends::default();
    let client = App::new()
        .container(container(&ends))
        .get("/", both)
        .test_client();
    assert_eq!(client.get("/").send().await.text(), "0 1 2");
    assert_eq!(client.get("/").send().await.text(), "2 3 4");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(ends.lock().unwrap().is_empty(), "no scope was made");
}

#[tokio::test]
async fn the_outcome_tells_a_failed_answer_and_a_panic() {
    async fn refuse(Inject(_): Inject<Tx>) -> StatusCode {
        StatusCode::CONFLICT
    }
    async fn boom(Inject(_): Inject<Tx>) -> &'static str {
        panic!("the handler failed")
    }
    let ends = Ends::default();
    let client = App::new()
        .container(container(&ends))
        .get("/refuse", refuse)
        .get("/boom", boom)
        .get("/", same_tx_twice)
        .test_client();
    assert_eq!(client.get("/refuse").send().await.status(), 409);
    assert_eq!(ended(&ends, 1).await, [(0, ok(409))]);
    assert_eq!(client.get("/boom").send().await.status(), 500);
    assert_eq!(ended(&ends, 2).await[1], (1, Outcome::Aborted));
    assert_eq!(client.get("/").send().await.status(), 200, "still serving");
}

#[tokio::test]
async fn the_scope_waits_for_a_streamed_body_and_sees_it_dropped_mid_way() {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(1);
    let rx = Arc::new(Mutex::new(Some(rx)));
    let stream = move |Inject(_): Inject<Tx>| {
        let rx = rx.lock().unwrap().take();
        async move {
            let rx = rx.expect("one request");
            let chunks = futures_stream(rx);
            pulya_app::Response::new(Body::from_stream(chunks))
        }
    };
    let ends = Ends::default();
    let app = App::new()
        .container(container(&ends))
        .get("/stream", stream)
        .build()
        .unwrap();
    let res = app
        .call(http::Request::get("/stream").body(Body::empty()).unwrap())
        .await;
    let mut body = res.into_body();
    tx.send(Bytes::from_static(b"first")).await.unwrap();
    let frame = body.frame().await.unwrap().unwrap();
    assert_eq!(frame.into_data().unwrap(), "first");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(
        ends.lock().unwrap().is_empty(),
        "not before the body is done"
    );
    drop(body); // the client went away
    assert_eq!(
        ended(&ends, 1).await,
        [(
            0,
            Outcome::Responded {
                status: StatusCode::OK,
                complete: false
            }
        )]
    );
}

/// The chunks of `rx` as a stream of results.
fn futures_stream(
    rx: tokio::sync::mpsc::Receiver<Bytes>,
) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    struct Chunks(tokio::sync::mpsc::Receiver<Bytes>);
    impl futures_core::Stream for Chunks {
        type Item = Result<Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            self.0.poll_recv(cx).map(|chunk| chunk.map(Ok))
        }
    }
    Chunks(rx)
}

#[tokio::test]
async fn a_factory_failing_at_request_time_is_a_500_and_the_app_keeps_serving() {
    struct Flaky;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let container = Container::builder()
        .provide(Service::transient(move |()| {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    Err(std::io::Error::other("database is down"))
                } else {
                    Ok(Flaky)
                }
            }
        }))
        .build()
        .unwrap();
    let client = App::new()
        .container(container)
        .get("/", |Inject(_): Inject<Flaky>| async { "up" })
        .test_client();
    let res = client.get("/").send().await;
    assert_eq!(res.status(), 500);
    assert_eq!(
        res.text(),
        r#"{"error":"the service `Flaky` could not be provided","status":500}"#
    );
    assert_eq!(client.get("/").send().await.text(), "up");
}

#[test]
fn a_route_injecting_an_unregistered_service_fails_the_build_naming_it() {
    struct Missing;
    async fn show(Path(_): Path<u64>, Inject(_): Inject<Missing>) -> &'static str {
        ""
    }
    let ends = Ends::default();
    for app in [
        App::new().get("/items/{id}", show),
        App::new()
            .container(container(&ends))
            .get("/items/{id}", show),
    ] {
        let err = app.build().unwrap_err();
        let [BuildProblem::Unmet { route, need }] = err.problems() else {
            panic!("one unmet need: {err}");
        };
        assert_eq!(route, "GET /items/{id}");
        assert!(matches!(need, Need::Service { .. }));
        assert!(err.to_string().contains("Missing"), "{err}");
    }
}
