//! Allocation budget of one in-process request, counted by a global allocator: what the
//! framework itself allocates between a request that arrived and the response body that goes
//! out (routing, extraction, the handler's future, the response). A change that adds an
//! allocation to these paths fails here.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use pulya::prelude::*;
use pulya::{RequestBody, Response};
use serde::Serialize;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator with the same arguments; the counter
// is a side effect that touches no memory the allocator hands out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through `alloc`/`realloc` above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `dealloc`; the new size is the caller's, as `GlobalAlloc` asks.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

/// Runs a future that never waits (the app's handlers here do not) to completion.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn request(path: &'static str) -> Request {
    http::Request::get(path).body(RequestBody::empty()).unwrap()
}

/// Allocations made by the app for one request, after a warm-up request.
fn allocations(app: &pulya::AppService, path: &'static str) -> usize {
    let warm: Response = block_on(app.call(request(path)));
    assert_eq!(warm.status(), StatusCode::OK, "{path}");
    let req = request(path);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let res = block_on(app.call(req));
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    drop(res);
    after - before
}

// One test function: the counter is global, and tests in one binary run on several threads.
#[test]
fn allocations_per_request() {
    let app = App::new()
        .get("/plaintext", || async { "Hello, World!" })
        .get("/json", || async {
            Json(Message {
                message: "Hello, World!",
            })
        })
        .get("/users/{id}", |Path(id): Path<u64>| async move { Json(id) })
        .build()
        .unwrap();
    let measured = [
        ("/plaintext", allocations(&app, "/plaintext")),
        ("/json", allocations(&app, "/json")),
        ("/users/{id}", allocations(&app, "/users/42")),
    ];
    // The budget, allocation by allocation:
    // - every route: the handler's boxed future (1) and the response's `http::HeaderMap`, which
    //   allocates its index and entry tables on the first insert (2);
    // - JSON: the buffer it is written into (1), and the shared header `bytes` adds when a
    //   buffer whose capacity is not its length becomes `Bytes` (1);
    // - path parameters: none (spans into the path; the decoded list is inline up to four).
    let budget = [("/plaintext", 3), ("/json", 5), ("/users/{id}", 5)];
    for ((route, got), (_, limit)) in measured.iter().zip(budget) {
        eprintln!("{route}: {got} allocations");
        assert!(*got <= limit, "{route}: {got} allocations, budget {limit}");
    }
}
