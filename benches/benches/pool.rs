//! Taking and returning a 4 KiB buffer: `pulya-pool` (its per-thread cache, its owned guard,
//! and its shared store alone), next to `lockfree-object-pool`'s linear and mutex pools and to
//! the allocator (`Vec::with_capacity`, `Box::new`); on one thread, then with a second thread
//! taking and returning from the same pool all the while.
//!
//! `cargo bench -p pulya-benches --bench pool`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lockfree_object_pool::{LinearObjectPool, MutexObjectPool};
use pulya_pool::Pool;

const SIZE: usize = 4096;

fn buffer() -> Vec<u8> {
    Vec::with_capacity(SIZE)
}

/// One use of a lent buffer, the same for every side.
fn touch(buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"Hello, World!");
    black_box(&*buf);
}

/// One take, use and return of a buffer.
type Use = Box<dyn Fn() + Send + Sync>;

/// The sides, by name.
fn sides() -> Vec<(&'static str, Use)> {
    let cached = Pool::new(64, buffer, Vec::clear);
    let owned = cached.clone();
    let shared = Pool::new(64, buffer, Vec::clear).per_thread(0);
    let linear = Arc::new(LinearObjectPool::new(buffer, Vec::clear));
    let mutex = Arc::new(MutexObjectPool::new(buffer, Vec::clear));
    vec![
        ("pulya_pool", Box::new(move || touch(&mut cached.get()))),
        (
            "pulya_pool_owned",
            Box::new(move || touch(&mut owned.get_owned())),
        ),
        (
            "pulya_pool_shared_only",
            Box::new(move || touch(&mut shared.get())),
        ),
        (
            "lockfree_linear",
            Box::new(move || touch(&mut linear.pull())),
        ),
        ("lockfree_mutex", Box::new(move || touch(&mut mutex.pull()))),
        ("vec_with_capacity", Box::new(|| touch(&mut buffer()))),
        (
            "box_new",
            Box::new(|| {
                let mut boxed = Box::new([0u8; SIZE]);
                boxed[..13].copy_from_slice(b"Hello, World!");
                black_box(&*boxed);
            }),
        ),
    ]
}

fn pools(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool/one_thread");
    for (name, take_and_return) in sides() {
        group.bench_function(name, |b| b.iter(&take_and_return));
    }
    group.finish();

    let mut group = c.benchmark_group("pool/two_threads");
    for (name, take_and_return) in sides() {
        let take_and_return = Arc::new(take_and_return);
        let stop = Arc::new(AtomicBool::new(false));
        let other = {
            let (take_and_return, stop) = (Arc::clone(&take_and_return), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    take_and_return();
                }
            })
        };
        group.bench_function(name, |b| b.iter(&*take_and_return));
        stop.store(true, Ordering::Relaxed);
        other.join().unwrap();
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = pools
}
criterion_main!(benches);
