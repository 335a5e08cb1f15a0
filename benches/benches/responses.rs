//! Responses: pre-encoded errors next to encoding them, gotap's render benchmarks, and JSON
//! encoding and decoding with both implementations.
//!
//! `cargo bench -p pulya-benches --bench responses`

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{Criterion, criterion_group, criterion_main};
use http::StatusCode;
use pulya_benches::payloads;
use pulya_responses::{Encoder, ErrorPages, ErrorResponse, IntoResponse, Json, JsonCodec};
use serde::Serialize;
use serde::de::DeserializeOwned;

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

/// gotap's StringRender, StatusOnly and JSONRender: a handler's return value to a response.
fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("responses/render");
    group.bench_function("string", |b| {
        b.iter(|| black_box(black_box("Hello, World!").into_response()))
    });
    group.bench_function("status_only", |b| {
        b.iter(|| black_box(black_box(StatusCode::NO_CONTENT).into_response()))
    });
    group.bench_function("json", |b| {
        b.iter(|| black_box(Json(black_box(payloads::small())).into_response()))
    });
    group.finish();
}

/// JSON encoding and decoding of the three payloads with both implementations, next to plain
/// serde_json `to_vec` and serde_json `to_writer` into a reused buffer.
fn json(c: &mut Criterion) {
    bench_json(c, "small", &payloads::small());
    bench_json(c, "medium", &payloads::medium());
    bench_json(c, "large", &payloads::large());
}

fn bench_json<T: Serialize + DeserializeOwned>(c: &mut Criterion, size: &str, value: &T) {
    let bytes = serde_json::to_vec(value).unwrap();
    let mut group = c.benchmark_group(format!("responses/json_encode_{size}"));
    group.bench_function("serde_json_to_vec", |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(value)).unwrap()))
    });
    let mut reused = Vec::with_capacity(bytes.len());
    group.bench_function("serde_json_to_writer_reused", |b| {
        b.iter(|| {
            reused.clear();
            serde_json::to_writer(&mut reused, black_box(value)).unwrap();
            black_box(&reused);
        })
    });
    for codec in [JsonCodec::SerdeJson, JsonCodec::SonicRs] {
        let mut buf = BytesMut::with_capacity(bytes.len());
        group.bench_function(format!("{codec:?}"), |b| {
            b.iter(|| {
                buf.clear();
                codec.encode(black_box(value), &mut buf).unwrap();
                black_box(&buf);
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group(format!("responses/json_decode_{size}"));
    for codec in [JsonCodec::SerdeJson, JsonCodec::SonicRs] {
        group.bench_function(format!("{codec:?}"), |b| {
            b.iter(|| black_box(codec.decode::<T>(black_box(&bytes)).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, errors, render, json);
criterion_main!(benches);
