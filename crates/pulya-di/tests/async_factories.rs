//! Async factories: dependencies resolved first, errors named, sync resolves of what is not
//! built yet refused, eager singletons built at start.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pulya_di::{Container, ResolveError, Resolver, Service};

#[derive(Debug)]
struct Config(&'static str);
#[derive(Debug)]
struct Pool(String);
#[derive(Debug)]
struct Repo(Arc<Pool>);

#[tokio::test]
async fn a_factory_gets_its_dependencies_built_first() {
    let container = Container::builder()
        .singleton(Config("db://"))
        .provide(Service::singleton(|config: Arc<Config>| async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            Ok::<_, std::io::Error>(Pool(config.0.to_owned()))
        }))
        .provide(Service::transient(|pool: Arc<Pool>| async move {
            Ok::<_, std::io::Error>(Repo(pool))
        }))
        .build()
        .unwrap();
    let a = container.get::<Repo>().await.unwrap();
    let b = container.get::<Repo>().await.unwrap();
    assert!(!Arc::ptr_eq(&a, &b), "transient: a new one each time");
    assert!(Arc::ptr_eq(&a.0, &b.0), "singleton: one pool");
    assert_eq!(a.0.0, "db://");
}

#[tokio::test]
async fn a_failing_factory_is_an_error_naming_the_service() {
    let container = Container::builder()
        .provide(Service::singleton(|()| async {
            Err::<Pool, _>(std::io::Error::other("connection refused"))
        }))
        .build()
        .unwrap();
    let err = container.get::<Pool>().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "a service factory failed: `Pool`: connection refused"
    );
    // Not cached: the next resolve tries again.
    assert!(container.get::<Pool>().await.is_err());
}

#[tokio::test]
async fn an_async_service_asked_for_synchronously_before_it_is_built_is_refused() {
    let container = Container::builder()
        .provide(Service::singleton(|()| async {
            Ok::<_, std::io::Error>(Pool("x".into()))
        }))
        .lazy_singleton(|r: &dyn Resolver| Ok(Repo(r.resolve::<Pool>()?)))
        .build()
        .unwrap();
    assert_eq!(
        container.resolve::<Repo>().unwrap_err(),
        ResolveError::NotBuilt("Pool")
    );
    container.get::<Pool>().await.unwrap();
    assert_eq!(container.resolve::<Repo>().unwrap().0.0, "x");
}

#[tokio::test]
async fn eager_singletons_are_built_at_start_in_order() {
    let built = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (b1, b2) = (Arc::clone(&built), Arc::clone(&built));
    let container = Container::builder()
        .provide(
            Service::singleton(move |()| {
                b1.lock().unwrap().push("config");
                async { Ok::<_, std::io::Error>(Config("c")) }
            })
            .eager(),
        )
        .provide(
            Service::singleton(move |_: Arc<Config>| {
                b2.lock().unwrap().push("pool");
                async { Ok::<_, std::io::Error>(Pool("p".into())) }
            })
            .eager(),
        )
        .build()
        .unwrap();
    assert!(
        built.lock().unwrap().is_empty(),
        "nothing built before start"
    );
    container.start().await.unwrap();
    assert_eq!(*built.lock().unwrap(), ["config", "pool"]);
}

#[tokio::test]
async fn a_failing_eager_singleton_stops_the_start() {
    let container = Container::builder()
        .provide(
            Service::singleton(|()| async { Err::<Pool, _>(std::io::Error::other("down")) })
                .eager(),
        )
        .build()
        .unwrap();
    assert!(container.start().await.is_err());
}

#[tokio::test]
async fn a_scoped_service_outside_a_scope_is_refused() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let container = Container::builder()
        .provide(Service::scoped(move |()| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, std::io::Error>(Pool("p".into())) }
        }))
        .build()
        .unwrap();
    assert_eq!(
        container.get::<Pool>().await.unwrap_err(),
        ResolveError::NoScope("Pool")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_sync_factory_gets_its_async_dependencies_built_first() {
    let container = Container::builder()
        .provide(Service::singleton(|()| async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            Ok::<_, std::io::Error>(Pool("async".into()))
        }))
        .provide(Service::scoped_sync(|pool: Arc<Pool>| {
            Ok::<_, std::io::Error>(Repo(pool))
        }))
        .build()
        .unwrap();
    let scope = container.scope();
    assert_eq!(
        scope.resolve::<Repo>().unwrap_err(),
        ResolveError::NotBuilt("Pool"),
        "synchronously, the async pool cannot be built"
    );
    let repo = scope.get::<Repo>().await.unwrap();
    assert_eq!(repo.0.0, "async");
    assert!(Arc::ptr_eq(&repo, &scope.resolve::<Repo>().unwrap()));
}
