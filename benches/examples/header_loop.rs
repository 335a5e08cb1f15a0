//! A plain loop over the `headers` benchmark's work, for callgrind (instructions) and for wall
//! time measured by alternating two builds (less noisy here than criterion's runs):
//!
//! - `header_loop pulya N` / `header_loop http N`: build the eight browser headers and look up
//!   four, N times, with Pulya's map or `http::HeaderMap`; prints nanoseconds per iteration.
//! - `header_loop parse N K`: parse only the first K of those headers, N times.
//!
//! `cargo build --release -p pulya-benches --example header_loop`, then for instance
//! `valgrind --tool=callgrind target/release/examples/header_loop pulya 10000` or
//! `target/release/examples/header_loop pulya 10000000`.

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use http::header;

/// Build and four lookups, as in the `headers` benchmark.
#[inline(never)]
fn pulya(raw: &Bytes) {
    let map = pulya_headers::HeaderMap::parse(black_box(raw.clone())).unwrap();
    black_box(map.get(&header::HOST));
    black_box(map.get(&header::ACCEPT));
    black_box(map.get(&header::COOKIE));
    black_box(map.get(&header::CONTENT_TYPE));
    black_box(map);
}

/// The same with `http::HeaderMap`.
#[inline(never)]
fn http(raw: &Bytes) {
    let map = pulya_benches::http_header_map(black_box(raw));
    black_box(map.get(&header::HOST));
    black_box(map.get(&header::ACCEPT));
    black_box(map.get(&header::COOKIE));
    black_box(map.get(&header::CONTENT_TYPE));
    black_box(map);
}

/// The parse alone.
#[inline(never)]
fn parse(raw: &Bytes) {
    let map = pulya_headers::HeaderMap::parse(black_box(raw.clone())).unwrap();
    black_box(map);
}

/// Runs `f` `n` times and prints the nanoseconds per run under `label`.
fn time(label: &str, n: usize, mut f: impl FnMut(usize)) {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    println!("{label}: {ns:.1} ns");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: header_loop pulya|http N, or header_loop parse N K";
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).expect(usage);
    let raw = Bytes::from_static(pulya_benches::BROWSER_HEAD);
    match args[1].as_str() {
        "pulya" => time("pulya", n, |_| pulya(&raw)),
        "http" => time("http", n, |_| http(&raw)),
        "parse" => {
            let k: usize = args.get(3).and_then(|k| k.parse().ok()).expect(usage);
            let lines: Vec<&[u8]> = pulya_benches::BROWSER_HEAD
                .split_inclusive(|&b| b == b'\n')
                .take(k)
                .collect();
            let mut head = lines.concat();
            head.extend_from_slice(b"\r\n");
            let raw = Bytes::from_static(head.leak());
            time(&format!("parse {k} headers"), n, |_| parse(&raw));
        }
        _ => panic!("{usage}"),
    }
}
