//! Allocation budget of one in-process request, counted by a global allocator: what the
//! framework itself allocates between a request that arrived and the response body that goes
//! out (routing, extraction, the handler's future, the response). A change that adds an
//! allocation to these paths fails here. It counts with an allocator of its own, so it does not
//! build with the `mimalloc` feature, which sets the program's allocator too.
#![cfg(not(feature = "mimalloc"))]
#![allow(unsafe_code)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use pulya::prelude::*;
use pulya::{Body, Response};
use serde::Serialize;

include!("../../../benches/src/counting_alloc.rs");

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
    http::Request::get(path).body(Body::empty()).unwrap()
}

/// Allocations made by the app for one request, after a warm-up request.
fn request_allocations(app: &pulya::AppService, path: &'static str) -> usize {
    let warm: Response = block_on(app.call(request(path)));
    assert_eq!(warm.status(), StatusCode::OK, "{path}");
    let req = request(path);
    let mut res = None;
    let n = allocations(|| res = Some(block_on(app.call(req))));
    drop(res);
    n
}

// The counter counts the calling thread's allocations only, so other threads cannot add to it.
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
        ("/plaintext", request_allocations(&app, "/plaintext")),
        ("/json", request_allocations(&app, "/json")),
        ("/users/{id}", request_allocations(&app, "/users/42")),
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

    // Middleware steps that only pass the request on allocate nothing, at any level: the
    // chains are composed at build, and a step returns the rest's future as its own.
    let mut chained = App::new();
    for _ in 0..3 {
        chained = chained.middleware(PassOn);
    }
    let chained = chained
        .group("/api", |g| {
            g.middleware(PassOn)
                .get("/plaintext", || async { "Hello, World!" })
                .route_middleware(PassOn)
        })
        .build()
        .unwrap();
    let got = request_allocations(&chained, "/api/plaintext");
    eprintln!("/api/plaintext behind 5 pass-through steps: {got} allocations");
    assert_eq!(got, measured[0].1, "pass-through steps allocate nothing");
}

struct PassOn;

impl pulya::middleware::Middleware for PassOn {
    fn call(
        &self,
        req: Request,
        next: pulya::middleware::Next,
    ) -> pulya::BoxFuture<'static, pulya::Response> {
        next.run(req)
    }
}
