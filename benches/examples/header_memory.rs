//! Memory per map of the `headers` benchmark's eight request headers: `size_of` plus the heap
//! bytes its building allocated and still holds, Pulya's map next to `http::HeaderMap`.
//!
//! `cargo run --release -p pulya-benches --example header_memory`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use bytes::Bytes;

/// The system allocator, counting the bytes in use.
struct Counting;

static IN_USE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to `System` unchanged; the counter only observes sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        IN_USE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract for `layout` is `System::alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The eight headers of `benches/benches/headers.rs`.
const REQUEST: &[u8] = b"Host: localhost:3000\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\r\n\
Accept: text/html,application/xhtml+xml\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Connection: keep-alive\r\n\
Cookie: session=abc123; theme=dark\r\n\
Sec-Fetch-Mode: navigate\r\n\r\n";

/// The heap bytes `build`'s result holds, and the result.
fn heap<T>(build: impl FnOnce() -> T) -> (isize, T) {
    let before = IN_USE.load(Ordering::Relaxed);
    let value = build();
    (IN_USE.load(Ordering::Relaxed) - before, value)
}

fn main() {
    // The head is a static buffer, shared by both maps, so neither counts it.
    let raw = Bytes::from_static(REQUEST);
    let (ours_heap, ours) = heap(|| pulya_headers::HeaderMap::parse(raw.clone()).unwrap());
    let (theirs_heap, theirs) = heap(|| {
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
