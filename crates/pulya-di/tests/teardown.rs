//! Disposal: scoped services when their scope ends (latest built first, told the outcome),
//! singletons at shutdown (reverse order of creation, once), a panicking dispose contained.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;
use pulya_di::{Container, Outcome, Service};

struct First;
struct Second;
struct Third;

type Log = Arc<Mutex<Vec<(&'static str, Outcome)>>>;

fn logging<T: Send + Sync + 'static>(
    name: &'static str,
    log: &Log,
) -> impl Fn(Arc<T>, Outcome) -> std::future::Ready<()> + Send + Sync + 'static {
    let log = Arc::clone(log);
    move |_, outcome| {
        log.lock().unwrap().push((name, outcome));
        std::future::ready(())
    }
}

fn ok<T>(value: T) -> std::future::Ready<Result<T, std::convert::Infallible>> {
    std::future::ready(Ok(value))
}

/// Waits, bounded, until `log` holds `n` entries: disposes run on the runtime.
async fn settled(log: &Log, n: usize) -> Vec<(&'static str, Outcome)> {
    for _ in 0..200 {
        if log.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    log.lock().unwrap().clone()
}

fn scoped_container(log: &Log) -> Arc<Container> {
    Container::builder()
        .provide(Service::scoped(|()| ok(First)).dispose(logging("first", log)))
        .provide(Service::scoped(|_: Arc<First>| ok(Second)).dispose(logging("second", log)))
        .provide(Service::scoped(|()| ok(Third)).dispose(logging("third", log)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_scope_disposes_what_it_built_latest_first_with_its_outcome() {
    let log = Log::default();
    let container = scoped_container(&log);
    let scope = container.scope();
    scope.get::<Second>().await.unwrap(); // builds First, then Second
    let done = Outcome::Responded {
        status: StatusCode::OK,
        complete: true,
    };
    scope.end(done);
    assert_eq!(
        settled(&log, 2).await,
        [("second", done), ("first", done)],
        "Third was never built, so it is not disposed"
    );
}

#[tokio::test]
async fn a_scope_dropped_without_an_outcome_was_aborted() {
    let log = Log::default();
    let container = scoped_container(&log);
    let scope = container.scope();
    scope.get::<Third>().await.unwrap();
    drop(scope);
    assert_eq!(settled(&log, 1).await, [("third", Outcome::Aborted)]);
}

#[tokio::test]
async fn a_scope_that_built_nothing_disposes_nothing() {
    let log = Log::default();
    let container = scoped_container(&log);
    drop(container.scope());
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(log.lock().unwrap().is_empty());
}

#[test]
fn a_scope_ended_outside_a_runtime_disposes_at_once() {
    let log = Log::default();
    let container = Container::builder()
        .scoped(|_: &dyn pulya_di::Resolver| Ok(First))
        .build()
        .unwrap();
    // A sync factory, resolved synchronously, with no runtime anywhere.
    let scope = container.scope();
    scope.resolve::<First>().unwrap();
    drop(scope);
    assert!(log.lock().unwrap().is_empty(), "no dispose registered");

    let container = Container::builder()
        .provide(Service::scoped(|()| ok(First)).dispose(logging("first", &log)))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let scope = container.scope();
    runtime.block_on(scope.get::<First>()).unwrap();
    drop(runtime);
    drop(scope);
    assert_eq!(*log.lock().unwrap(), [("first", Outcome::Aborted)]);
}

#[tokio::test]
async fn singletons_are_disposed_at_shutdown_latest_built_first_and_once() {
    let log = Log::default();
    let container = Container::builder()
        .provide(Service::value(First).dispose(logging("first", &log)))
        .provide(Service::singleton(|()| ok(Second)).dispose(logging("second", &log)))
        .provide(Service::singleton(|()| ok(Third)).dispose(logging("third", &log)))
        .build()
        .unwrap();
    container.get::<Third>().await.unwrap();
    container.get::<Second>().await.unwrap();
    container.shutdown().await;
    container.shutdown().await;
    let shut = Outcome::Shutdown;
    assert_eq!(
        *log.lock().unwrap(),
        [("second", shut), ("third", shut), ("first", shut)]
    );
}

#[tokio::test]
async fn a_panicking_dispose_is_contained_and_the_others_still_run() {
    let log = Log::default();
    let container = Container::builder()
        .provide(Service::scoped(|()| ok(First)).dispose(logging("first", &log)))
        .provide(
            Service::scoped(|_: Arc<First>| ok(Second))
                .dispose(|_: Arc<Second>, _| async { panic!("dispose failed") }),
        )
        .build()
        .unwrap();
    let scope = container.scope();
    scope.get::<Second>().await.unwrap();
    drop(scope);
    assert_eq!(settled(&log, 1).await, [("first", Outcome::Aborted)]);
}
