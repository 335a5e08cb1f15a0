//! Concurrent first use: a singleton (async or sync factory) and a scoped service are built
//! exactly once, however many tasks and threads ask at the same time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pulya_di::{Container, Resolver, Service};

struct Slow;
struct SyncBuilt;
struct PerRequest;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_use_builds_each_singleton_once() {
    let (async_builds, sync_builds) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (a, s) = (Arc::clone(&async_builds), Arc::clone(&sync_builds));
    let container = Container::builder()
        .provide(Service::singleton(move |()| {
            a.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok::<_, std::io::Error>(Slow)
            }
        }))
        .lazy_singleton(move |_: &dyn Resolver| {
            s.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            Ok(SyncBuilt)
        })
        .build()
        .unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(64));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (container, barrier) = (Arc::clone(&container), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let slow = container.get::<Slow>().await.unwrap();
                let sync = container.get::<SyncBuilt>().await.unwrap();
                (Arc::as_ptr(&slow) as usize, Arc::as_ptr(&sync) as usize)
            })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap());
    }
    assert_eq!(async_builds.load(Ordering::SeqCst), 1);
    assert_eq!(sync_builds.load(Ordering::SeqCst), 1);
    seen.dedup();
    assert_eq!(seen.len(), 1, "every task got the same instances");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_resolves_in_one_scope_build_once() {
    let builds = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&builds);
    let container = Container::builder()
        .provide(Service::scoped(move |()| {
            counted.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok::<_, std::io::Error>(PerRequest)
            }
        }))
        .build()
        .unwrap();
    let scope = container.scope();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let scope = scope.clone();
            tokio::spawn(async move { scope.get::<PerRequest>().await.unwrap() })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(builds.load(Ordering::SeqCst), 1);
    container.scope().get::<PerRequest>().await.unwrap();
    assert_eq!(builds.load(Ordering::SeqCst), 2, "a new scope builds anew");
}
