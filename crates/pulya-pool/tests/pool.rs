//! Reuse, reset, the capacity bound and detaching.

use pulya_pool::Pool;

#[test]
fn values_are_reset_reused_and_bounded() {
    let pool = Pool::new(2, || String::with_capacity(8), |s| s.clear());
    let mut a = pool.get();
    a.push_str("xy");
    let b = pool.get();
    let c = pool.get();
    drop((a, b, c));
    assert_eq!(pool.idle(), 2, "the third value is dropped, not kept");
    let reused = pool.get();
    assert!(reused.is_empty());
    assert!(reused.capacity() >= 8);
}

#[test]
fn detached_values_do_not_return() {
    let pool = Pool::new(4, Vec::<u8>::new, Vec::clear);
    let v = pool.get().detach();
    drop(v);
    assert_eq!(pool.idle(), 0);
}

#[test]
fn shared_across_threads() {
    let pool = std::sync::Arc::new(Pool::new(8, Vec::<u8>::new, Vec::clear));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    pool.get().push(1);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(pool.idle() <= 8);
}
