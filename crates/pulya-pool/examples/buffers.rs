//! Reuses byte buffers across simulated requests, on two threads, and prints the pool's counts.
//!
//! Run with `cargo run -p pulya-pool --example buffers`.

use pulya_pool::Pool;

fn main() {
    // Buffers that grew past 64 KiB are dropped rather than kept.
    let pool = Pool::new(4, || Vec::<u8>::with_capacity(4096), Vec::clear)
        .keep_if(|buf| buf.capacity() <= 64 * 1024);
    let workers: Vec<_> = (0..2)
        .map(|worker| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for i in 0..3 {
                    let mut buf = pool.get();
                    buf.extend_from_slice(format!("worker {worker}, request {i}").as_bytes());
                    println!("{} bytes written, capacity {}", buf.len(), buf.capacity());
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker");
    }
    println!("{:?}", pool.stats());
}
