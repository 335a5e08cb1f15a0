//! A plain loop over the `headers` benchmark's work, for callgrind (instructions) and for wall
//! time measured by alternating two builds (less noisy here than criterion's runs):
//!
//! - `header_loop pulya N` / `header_loop http N`: build the eight browser headers and look up
//!   four, N times, with Pulya's map or `http::HeaderMap`; prints nanoseconds per iteration.
//! - `header_loop parse N K`: parse only the first K of those headers, N times.
//! - `header_loop fresh R`: what the four lookups cost after the parse: the build alone, with the
//!   lookups on the new map, and with them on another map (not waiting for the new one), in R
//!   alternating rounds; prints the median round of each.
//! - `header_loop ratio R`: both sides in R alternating rounds of about 20 ms each; prints each
//!   side's median round and their ratio, which the machine's drift moves far less than runs
//!   minutes apart.
//!
//! `cargo build --release -p pulya-benches --example header_loop`, then for instance
//! `valgrind --tool=callgrind target/release/examples/header_loop pulya 10000` or
//! `target/release/examples/header_loop pulya 10000000`.

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use http::header;

/// The `headers` benchmark's four lookups in `$map`, either map type.
macro_rules! four_lookups {
    ($map:expr) => {{
        let map = $map;
        black_box(map.get(&header::HOST));
        black_box(map.get(&header::ACCEPT));
        black_box(map.get(&header::COOKIE));
        black_box(map.get(&header::CONTENT_TYPE));
    }};
}

/// Build and four lookups, as in the `headers` benchmark.
#[inline(never)]
fn pulya(raw: &Bytes) {
    let map = pulya_headers::HeaderMap::parse(black_box(raw.clone())).unwrap();
    four_lookups!(&map);
    black_box(map);
}

/// The same with `http::HeaderMap`.
#[inline(never)]
fn http(raw: &Bytes) {
    let map = pulya_benches::http_header_map(black_box(raw));
    four_lookups!(&map);
    black_box(map);
}

/// The build and four lookups on another, older map: the lookups need not wait for the new one.
#[inline(never)]
fn pulya_other(raw: &Bytes, other: &pulya_headers::HeaderMap) {
    let map = pulya_headers::HeaderMap::parse(black_box(raw.clone())).unwrap();
    four_lookups!(black_box(other));
    black_box(map);
}

/// The parse alone.
#[inline(never)]
fn parse(raw: &Bytes) {
    let map = pulya_headers::HeaderMap::parse(black_box(raw.clone())).unwrap();
    black_box(map);
}

/// Runs `f` `n` times and returns the nanoseconds per run.
fn measure(n: usize, mut f: impl FnMut(usize)) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// Runs `f` `n` times and prints the nanoseconds per run under `label`.
fn time(label: &str, n: usize, f: impl FnMut(usize)) {
    println!("{label}: {:.1} ns", measure(n, f));
}

/// The middle value of `v`.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `rounds` alternating rounds of each side; the median round of each and their ratio.
fn ratio(raw: &Bytes, rounds: usize) {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(measure(120_000, |_| pulya(raw)));
        theirs.push(measure(40_000, |_| http(raw)));
    }
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "pulya {ours:.1} ns, http {theirs:.1} ns: {:.3}× (medians of {rounds} rounds)",
        ours / theirs
    );
}

/// `rounds` alternating rounds of the build alone, with four lookups on the new map, and with
/// them on another map; the median round of each.
fn fresh(raw: &Bytes, rounds: usize) {
    let other = pulya_headers::HeaderMap::parse(raw.clone()).unwrap();
    let mut times = [(); 3].map(|()| Vec::new());
    for _ in 0..rounds {
        times[0].push(measure(120_000, |_| parse(raw)));
        times[1].push(measure(120_000, |_| pulya(raw)));
        times[2].push(measure(120_000, |_| pulya_other(raw, &other)));
    }
    let [build, on_it, on_other] = times.map(median);
    println!(
        "build {build:.1} ns, + 4 lookups on it {on_it:.1} ns, + 4 lookups on another map \
         {on_other:.1} ns (medians of {rounds} rounds)"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: header_loop pulya|http N, header_loop parse N K, or header_loop ratio|fresh R";
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).expect(usage);
    let raw = Bytes::from_static(pulya_benches::BROWSER_HEAD);
    match args[1].as_str() {
        "pulya" => time("pulya", n, |_| pulya(&raw)),
        "http" => time("http", n, |_| http(&raw)),
        "ratio" => ratio(&raw, n),
        "fresh" => fresh(&raw, n),
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
