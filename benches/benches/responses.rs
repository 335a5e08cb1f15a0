//! Error responses: a pre-encoded page next to encoding the same error per request.
//!
//! `cargo bench -p pulya-benches --bench responses`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use http::StatusCode;
use pulya_responses::{ErrorPages, ErrorResponse, IntoResponse};

fn errors(c: &mut Criterion) {
    let pages = ErrorPages::default();
    let mut group = c.benchmark_group("responses/not_found");
    group.bench_function("pre_encoded", |b| {
        b.iter(|| black_box(pages.response(black_box(StatusCode::NOT_FOUND))))
    });
    group.bench_function("encoded_per_request", |b| {
        b.iter(|| {
            black_box(
                ErrorResponse::new(black_box(StatusCode::NOT_FOUND), "Not Found").into_response(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, errors);
criterion_main!(benches);
