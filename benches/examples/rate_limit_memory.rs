//! Memory of the in-memory rate limiter under a million distinct clients, each making one
//! request at one a second: the keys held at most and the heap bytes in use, when the clients
//! come over 100 s (10,000 a second; the full buckets are evicted as shards grow), and when they
//! all come within one second (every key live, so all are held).
//!
//! `cargo run --release -p pulya-benches --example rate_limit_memory`
#![allow(unsafe_code)]

use pulya_middleware::rate_limit::{MemoryStore, Quota};

include!("../src/counting_alloc.rs");

const CLIENTS: u64 = 1_000_000;

/// Sends one request from each client, `gap` nanoseconds apart; returns the most keys held and
/// the most heap bytes in use (sampled every 10,000 clients) and the bytes at the end.
fn run(gap: u64) -> (usize, isize, isize) {
    let before = IN_USE.load(Ordering::Relaxed);
    let store = MemoryStore::new();
    let quota = Quota::per_second(1);
    let (mut keys, mut bytes) = (0, 0);
    for i in 0..CLIENTS {
        // An IPv4 address of its own for every client.
        let key = u32::try_from(i).unwrap().to_be_bytes();
        assert!(store.check_at(&key, quota, i * gap).allowed);
        if i % 10_000 == 0 {
            keys = keys.max(store.len());
            bytes = bytes.max(IN_USE.load(Ordering::Relaxed) - before);
        }
    }
    let end = IN_USE.load(Ordering::Relaxed) - before;
    drop(store);
    (keys, bytes, end)
}

fn main() {
    for (what, gap) in [("over 100 s", 100_000), ("within 1 s", 1_000)] {
        let (keys, bytes, end) = run(gap);
        println!(
            "1,000,000 clients {what}: at most {keys} keys held, at most {:.1} MiB in use ({:.1} MiB at the end)",
            bytes as f64 / (1 << 20) as f64,
            end as f64 / (1 << 20) as f64,
        );
    }
}
