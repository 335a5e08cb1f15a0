//! The server and the app's container: eager singletons built before the server listens (a
//! failing one stops the start with `ServeError::Start`), singletons disposed after the
//! graceful drain, with the multi-thread runtime and with per-core workers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pulya::ServeError;
use pulya::di::{Container, Service};
use pulya::prelude::*;

struct Pool;

/// A container whose eager `Pool` counts its builds and disposes.
fn counted(builds: &Arc<AtomicUsize>, disposes: &Arc<AtomicUsize>) -> Arc<Container> {
    let (b, d) = (Arc::clone(builds), Arc::clone(disposes));
    Container::builder()
        .provide(
            Service::singleton(move |()| {
                b.fetch_add(1, Ordering::SeqCst);
                async { Ok::<_, std::io::Error>(Pool) }
            })
            .eager()
            .dispose(move |_: Arc<Pool>, _| {
                d.fetch_add(1, Ordering::SeqCst);
                std::future::ready(())
            }),
        )
        .build()
        .unwrap()
}

#[test]
fn eager_singletons_are_built_before_serving_and_disposed_after_the_drain() {
    for per_core in [false, true] {
        let (builds, disposes) = (Arc::default(), Arc::default());
        let app = App::new()
            .container(counted(&builds, &disposes))
            .get("/", |Inject(_): Inject<Pool>| async { "ok" });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = Server::from_listener(listener)
            .workers(2)
            .per_core(per_core)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
        let thread = std::thread::spawn(move || server.serve(app));
        for _ in 0..200 {
            if builds.load(Ordering::SeqCst) == 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            builds.load(Ordering::SeqCst),
            1,
            "built at start, before any request"
        );
        assert_eq!(disposes.load(Ordering::SeqCst), 0);
        stop.send(()).unwrap();
        thread.join().unwrap().unwrap();
        assert_eq!(
            disposes.load(Ordering::SeqCst),
            1,
            "disposed at shutdown (per_core: {per_core})"
        );
    }
}

#[test]
fn a_failing_eager_singleton_stops_the_start() {
    let container = Container::builder()
        .provide(
            Service::singleton(|()| async {
                Err::<Pool, _>(std::io::Error::other("connection refused"))
            })
            .eager(),
        )
        .build()
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = Server::from_listener(listener)
        .serve(App::new().container(container))
        .unwrap_err();
    assert!(matches!(err, ServeError::Start(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot start the app: a service factory failed: `Pool`: connection refused"
    );
}
