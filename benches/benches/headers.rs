//! Header maps: Pulya's next to `http::HeaderMap`.
//!
//! `cargo bench -p pulya-benches --bench headers`

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::header::{self, HeaderName, HeaderValue};
use pulya_benches::http_header_map as parse_http;

/// Eight headers as a browser sends them.
const REQUEST: &[u8] = pulya_benches::BROWSER_HEAD;

fn request(c: &mut Criterion) {
    let raw = Bytes::from_static(REQUEST);
    let mut group = c.benchmark_group("headers/request_8_build_4_lookups");
    group.bench_function("pulya", |b| {
        b.iter(|| {
            let map = pulya_headers::HeaderMap::parse(black_box(raw.clone())).unwrap();
            black_box(map.get(&header::HOST));
            black_box(map.get(&header::ACCEPT));
            black_box(map.get(&header::COOKIE));
            black_box(map.get(&header::CONTENT_TYPE));
            map
        })
    });
    group.bench_function("http", |b| {
        b.iter(|| {
            let map = parse_http(black_box(&raw));
            black_box(map.get(&header::HOST));
            black_box(map.get(&header::ACCEPT));
            black_box(map.get(&header::COOKIE));
            black_box(map.get(&header::CONTENT_TYPE));
            map
        })
    });
    group.finish();

    let ours = pulya_headers::HeaderMap::parse(raw.clone()).unwrap();
    let theirs = parse_http(&raw);
    let mut group = c.benchmark_group("headers/lookup_standard");
    group.bench_function("pulya", |b| {
        b.iter(|| black_box(black_box(&ours).get(&header::COOKIE)))
    });
    group.bench_function("http", |b| {
        b.iter(|| black_box(black_box(&theirs).get(&header::COOKIE)))
    });
    group.bench_function("pulya_missing", |b| {
        b.iter(|| black_box(black_box(&ours).get(&header::CONTENT_TYPE)))
    });
    group.bench_function("http_missing", |b| {
        b.iter(|| black_box(black_box(&theirs).get(&header::CONTENT_TYPE)))
    });
    group.finish();
}

fn response(c: &mut Criterion) {
    const DATE: HeaderValue = HeaderValue::from_static("Mon, 23 Nov 2026 18:51:38 GMT");
    let custom_a = HeaderName::from_static("x-request-id");
    let custom_b = HeaderName::from_static("x-powered-by");
    let mut group = c.benchmark_group("headers/response_6");
    // The same six appends into either map.
    macro_rules! build {
        ($map:expr) => {{
            let mut map = $map;
            map.append(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            map.append(header::CONTENT_LENGTH, HeaderValue::from(27u64));
            map.append(header::DATE, DATE);
            map.append(header::SERVER, HeaderValue::from_static("pulya"));
            map.append(custom_a.clone(), HeaderValue::from_static("abc-1"));
            map.append(custom_b.clone(), HeaderValue::from_static("pulya"));
            black_box(map)
        }};
    }
    group.bench_function("pulya", |b| {
        b.iter(|| build!(pulya_headers::HeaderMap::new()))
    });
    group.bench_function("http", |b| b.iter(|| build!(http::HeaderMap::new())));
    group.finish();
}

/// The seed project's "list creation" (a map from a list of pairs) and "dict creation" (a map
/// converted from `http::HeaderMap`, as a request arrives from hyper).
fn creation(c: &mut Criterion) {
    let raw = Bytes::from_static(REQUEST);
    let standard = parse_http(&raw);
    let pairs: Vec<(HeaderName, HeaderValue)> = standard
        .iter()
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let mut group = c.benchmark_group("headers/list_creation_8");
    group.bench_function("pulya", |b| {
        b.iter(|| {
            black_box(pulya_headers::HeaderMap::from_iter(
                black_box(&pairs).iter().cloned(),
            ))
        })
    });
    group.bench_function("http", |b| {
        b.iter(|| {
            black_box(http::HeaderMap::from_iter(
                black_box(&pairs).iter().cloned(),
            ))
        })
    });
    group.finish();
    let mut group = c.benchmark_group("headers/dict_creation_8");
    group.bench_function("pulya_from_http", |b| {
        b.iter(|| black_box(pulya_headers::HeaderMap::from(black_box(&standard).clone())))
    });
    group.bench_function("http_clone", |b| {
        b.iter(|| black_box(black_box(&standard).clone()))
    });
    group.finish();
}

criterion_group!(benches, request, response, creation);
criterion_main!(benches);
