// A global allocator that counts allocations and the bytes in use, for the tests that assert an
// allocation budget and the `header_memory` and `rate_limit_memory` examples. Plain std code, `include!`d by each (each
// test binary is its own crate).
//
// The including file needs `#![allow(unsafe_code)]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static IN_USE: AtomicIsize = AtomicIsize::new(0);

std::thread_local! {
    // Allocations made on this thread: what `allocations` counts, so that another thread of the
    // test binary (the harness, a runtime's worker) cannot add to a count. A const `Cell` needs
    // no allocation and no destructor, so the allocator may touch it.
    static THREAD_ALLOCATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn count_allocation() {
    // After this thread's locals are gone (its last frees), nothing is counted.
    let _ = THREAD_ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded to the system allocator with the same arguments; the counter
// is a side effect that touches no memory the allocator hands out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        IN_USE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` through `alloc`/`realloc` above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_allocation();
        IN_USE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as for `dealloc`; the new size is the caller's, as `GlobalAlloc` asks.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocations `f` makes on this thread (work it hands to other threads is not counted).
#[allow(dead_code, reason = "not every including crate counts allocations")]
fn allocations(f: impl FnOnce()) -> usize {
    let before = THREAD_ALLOCATIONS.with(std::cell::Cell::get);
    f();
    THREAD_ALLOCATIONS.with(std::cell::Cell::get) - before
}

/// What `build` returns, and the heap bytes that were allocated while it ran and are still held.
#[allow(dead_code, reason = "not every including crate measures bytes")]
fn heap_bytes<T>(build: impl FnOnce() -> T) -> (T, isize) {
    let before = IN_USE.load(Ordering::Relaxed);
    let value = build();
    (value, IN_USE.load(Ordering::Relaxed) - before)
}
