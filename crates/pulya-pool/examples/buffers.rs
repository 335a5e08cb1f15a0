//! Reuses byte buffers across simulated requests.
//!
//! Run with `cargo run -p pulya-pool --example buffers`.

use pulya_pool::Pool;

fn main() {
    let pool = Pool::new(4, || Vec::<u8>::with_capacity(4096), Vec::clear);
    for i in 0..3 {
        let mut buf = pool.get();
        buf.extend_from_slice(format!("request {i}").as_bytes());
        println!("{} bytes written, capacity {}", buf.len(), buf.capacity());
    }
    println!("idle buffers: {}", pool.idle());
}
