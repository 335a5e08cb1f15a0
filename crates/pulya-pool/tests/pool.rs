//! Reuse and reset, the bounds (per thread and shared), spoiled values, detaching, the owned
//! guard, the counts, a stress test over threads (no value lent twice, bounds kept), and a
//! panic while a value is lent.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pulya_pool::{Pool, PoolStats};

#[test]
fn returned_values_are_reset_and_reused() {
    let pool = Pool::new(2, || String::with_capacity(8), String::clear);
    let mut a = pool.get();
    a.push_str("xy");
    drop(a);
    let reused = pool.get();
    assert!(reused.is_empty(), "reset on return");
    assert!(reused.capacity() >= 8, "the same allocation");
    assert_eq!(pool.stats().misses, 1);
    assert_eq!(pool.stats().hits, 1);
}

#[test]
fn the_shared_store_keeps_at_most_capacity() {
    let pool = Pool::new(2, String::new, String::clear).per_thread(0);
    drop((pool.get(), pool.get(), pool.get()));
    assert_eq!(pool.idle(), 2, "the third value is dropped, not kept");
    assert_eq!(pool.stats().dropped, 1);
}

#[test]
fn a_thread_keeps_per_thread_values_then_the_shared_store_takes_the_rest() {
    let pool = Pool::new(3, Vec::<u8>::new, Vec::clear).per_thread(2);
    let lent: Vec<_> = (0..7).map(|_| pool.get()).collect();
    drop(lent);
    let stats = pool.stats();
    assert_eq!(
        stats.idle, 5,
        "2 in this thread's cache, 3 shared: {stats:?}"
    );
    assert_eq!((stats.returned, stats.dropped), (5, 2));
    // Another thread finds none of this thread's cache, but the shared store's.
    let other = pool.clone();
    let taken = std::thread::spawn(move || {
        let lent: Vec<_> = (0..4).map(|_| other.get()).collect();
        let stats = other.stats();
        drop(lent);
        stats
    })
    .join()
    .unwrap();
    assert_eq!(
        (taken.hits, taken.misses),
        (3, 8),
        "3 shared hits, then a new one"
    );
}

#[test]
fn per_thread_defaults_to_eight_or_the_capacity() {
    let small = Pool::new(3, Vec::<u8>::new, Vec::clear);
    drop((0..5).map(|_| small.get()).collect::<Vec<_>>());
    assert_eq!(small.idle(), 3 + 2, "3 in the cache, 2 of 3 shared");
    let large = Pool::new(100, Vec::<u8>::new, Vec::clear);
    drop((0..20).map(|_| large.get()).collect::<Vec<_>>());
    assert_eq!(large.idle(), 20);
}

#[test]
fn spoiled_values_are_dropped() {
    let pool = Pool::new(4, Vec::<u8>::new, Vec::clear).keep_if(|v| v.capacity() <= 64);
    pool.get().reserve(1_000);
    pool.get().push(1);
    let stats = pool.stats();
    assert_eq!((stats.dropped, stats.returned, stats.idle), (1, 1, 1));
}

#[test]
fn detached_values_do_not_return() {
    let pool = Pool::new(4, Vec::<u8>::new, Vec::clear);
    let v = pool.get().detach();
    drop(v);
    assert_eq!(pool.idle(), 0);
    let owned = pool.get_owned().detach();
    drop(owned);
    assert_eq!(pool.stats().returned, 0);
}

#[test]
fn an_owned_guard_returns_to_the_thread_that_drops_it() {
    let pool = Pool::new(4, Vec::<u8>::new, Vec::clear);
    let mut lent = pool.get_owned();
    lent.push(7);
    let other = pool.clone();
    std::thread::spawn(move || {
        drop(lent);
        // In this thread's cache now.
        assert!(other.get().is_empty());
        assert_eq!(other.stats().hits, 1);
    })
    .join()
    .unwrap();
    assert_eq!(
        pool.get().capacity(),
        0,
        "this thread's cache had none: a new one"
    );
}

#[test]
fn a_factory_or_reset_that_uses_the_pool_again_finds_it_usable() {
    let inner = Pool::new(4, Vec::<u8>::new, Vec::clear);
    let used = inner.clone();
    let outer = Pool::new(4, move || used.get().len(), |n: &mut usize| *n = 0);
    drop(outer.get());
    drop(outer.get());
    assert_eq!(
        inner.stats().returned,
        1,
        "the factory ran once, and gave its value back"
    );
}

#[test]
fn a_panic_while_a_value_is_lent_returns_it_and_poisons_nothing() {
    let pool = Pool::new(2, Vec::<u8>::new, Vec::clear).per_thread(0);
    let lender = pool.clone();
    let panicked = std::thread::spawn(move || {
        let mut v = lender.get();
        v.push(1);
        panic!("a handler fails while it holds a pooled buffer");
    })
    .join();
    assert!(panicked.is_err());
    assert_eq!(pool.stats().returned, 1, "given back while unwinding");
    assert!(
        pool.get().is_empty(),
        "reset, and the store's lock not poisoned"
    );
    assert_eq!(pool.idle(), 1);
}

#[test]
fn stats_start_at_zero() {
    let pool = Pool::new(1, String::new, String::clear);
    assert_eq!(pool.stats(), PoolStats::default());
}

/// A value that knows whether it is lent: lending it twice at once would be a bug.
struct Token {
    lent: Arc<AtomicBool>,
}

#[test]
fn under_threads_no_value_is_lent_twice_and_the_bounds_hold() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 20_000;
    let made = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&made);
    let pool = Pool::new(
        8,
        move || {
            counter.fetch_add(1, Ordering::Relaxed);
            Token {
                lent: Arc::new(AtomicBool::new(false)),
            }
        },
        |_| {},
    )
    .per_thread(2);
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for i in 0..ROUNDS {
                    // Hold one to three at once, an owned guard among them.
                    let n = 1 + (i + t) % 3;
                    let borrowed: Vec<_> = (0..n).map(|_| pool.get()).collect();
                    let owned = pool.get_owned();
                    for token in borrowed.iter().map(|g| &**g).chain([&*owned]) {
                        assert!(!token.lent.swap(true, Ordering::SeqCst), "lent twice");
                    }
                    for token in borrowed.iter().map(|g| &**g).chain([&*owned]) {
                        token.lent.store(false, Ordering::SeqCst);
                    }
                    drop((borrowed, owned));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let stats = pool.stats();
    assert!(
        stats.idle <= 8 + 2 * THREADS as u64,
        "at most capacity + per_thread × threads idle: {stats:?}"
    );
    assert_eq!(
        stats.misses,
        made.load(Ordering::Relaxed) as u64,
        "every miss built one value"
    );
}
