//! Memory per map of the `headers` benchmark's eight request headers: `size_of` plus the heap
//! bytes its building allocated and still holds, Pulya's map next to `http::HeaderMap`.
//!
//! `cargo run --release -p pulya-benches --example header_memory`
#![allow(unsafe_code)]

use bytes::Bytes;

include!("../src/counting_alloc.rs");

fn main() {
    // The head is a static buffer, shared by both maps, so neither counts it.
    let raw = Bytes::from_static(pulya_benches::BROWSER_HEAD);
    let (ours, ours_heap) = heap_bytes(|| pulya_headers::HeaderMap::parse(raw.clone()).unwrap());
    let (theirs, theirs_heap) = heap_bytes(|| {
        let mut map = http::HeaderMap::new();
        for (name, value) in ours.clone().drain() {
            map.append(name, value);
        }
        map
    });
    println!(
        "pulya_headers::HeaderMap: {} + {} bytes",
        size_of_val(&ours),
        ours_heap
    );
    println!(
        "http::HeaderMap:          {} + {} bytes",
        size_of_val(&theirs),
        theirs_heap
    );
}
