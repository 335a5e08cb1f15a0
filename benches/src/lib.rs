//! Shared inputs of the Pulya benchmarks: the classic router-benchmark route sets and the
//! synthetic route trees of gotap's suite.

include!("route_sets.rs");
include!("payloads.rs");

/// Eight request headers as a browser sends them (one custom name with capitals,
/// `Sec-Fetch-Mode`), ended by the empty line: the `headers` benchmark's request.
pub const BROWSER_HEAD: &[u8] = b"Host: localhost:3000\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\r\n\
Accept: text/html,application/xhtml+xml\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Connection: keep-alive\r\n\
Cookie: session=abc123; theme=dark\r\n\
Sec-Fetch-Mode: navigate\r\n\r\n";

/// The same parse as `pulya_headers::HeaderMap::parse`, into an `http::HeaderMap`: names
/// through `HeaderName::from_bytes`, values sliced out of the buffer. The `http` side of the
/// header benchmarks.
pub fn http_header_map(raw: &bytes::Bytes) -> http::HeaderMap {
    use http::header::{HeaderName, HeaderValue};
    let mut map = http::HeaderMap::new();
    let mut start = 0;
    while start < raw.len() {
        let end = raw[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |i| start + i);
        let content_end = if end > start && raw[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        if content_end == start {
            break;
        }
        let colon = start
            + raw[start..content_end]
                .iter()
                .position(|&b| b == b':')
                .expect("a header line has a colon");
        let name = HeaderName::from_bytes(&raw[start..colon]).expect("a valid name");
        let (mut vs, mut ve) = (colon + 1, content_end);
        while vs < ve && matches!(raw[vs], b' ' | b'\t') {
            vs += 1;
        }
        while ve > vs && matches!(raw[ve - 1], b' ' | b'\t') {
            ve -= 1;
        }
        map.append(
            name,
            HeaderValue::from_maybe_shared(raw.slice(vs..ve)).expect("a valid value"),
        );
        start = end + 1;
    }
    map
}

/// gotap's `RouteTree100Routes`: 100 routes mixing static segments and parameters, 10 resources
/// of 10 routes each, with a lookup path for each.
pub fn route_tree_100() -> Vec<(String, String)> {
    let mut routes = Vec::with_capacity(100);
    for r in 0..10 {
        let base = format!("/api/v1/resource{r}");
        routes.push((base.clone(), base.clone()));
        routes.push((format!("{base}/{{id}}"), format!("{base}/42")));
        routes.push((format!("{base}/{{id}}/edit"), format!("{base}/42/edit")));
        routes.push((format!("{base}/{{id}}/items"), format!("{base}/42/items")));
        routes.push((
            format!("{base}/{{id}}/items/{{item}}"),
            format!("{base}/42/items/7"),
        ));
        routes.push((format!("{base}/search"), format!("{base}/search")));
        routes.push((format!("{base}/stats"), format!("{base}/stats")));
        routes.push((format!("{base}/{{id}}/owner"), format!("{base}/42/owner")));
        routes.push((
            format!("{base}/files/{{*path}}"),
            format!("{base}/files/a/b.txt"),
        ));
        routes.push((
            format!("{base}/{{id}}/history/{{rev}}"),
            format!("{base}/42/history/3"),
        ));
    }
    routes
}

/// A realistic mix for caches: `n` lookups of GitHub routes chosen at random (fixed seed), each
/// parameter a number below 100,000, so that repeated paths are rare.
pub fn github_varied(n: usize) -> Vec<(&'static str, String)> {
    let routes = classic_set("github");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..n)
        .map(|_| {
            let r = &routes[(next() % routes.len() as u64) as usize];
            let segments: Vec<String> = r
                .route
                .split('/')
                .map(|seg| match seg.starts_with('{') {
                    true if seg.starts_with("{*") => "a/b".to_owned(),
                    true => (next() % 100_000).to_string(),
                    false => seg.to_owned(),
                })
                .collect();
            (r.method, segments.join("/"))
        })
        .collect()
}

/// matchit used directly, the way a framework uses it: one trie of paths, each path with the
/// values of its methods in a small vector (the value is the route's index in `routes`).
pub fn matchit_router(routes: &[ClassicRoute]) -> matchit::Router<Vec<(http::Method, usize)>> {
    let mut by_path: Vec<(String, Vec<(http::Method, usize)>)> = Vec::new();
    for (i, r) in routes.iter().enumerate() {
        let method: http::Method = r.method.parse().expect("a method");
        match by_path.iter_mut().find(|(p, _)| *p == r.route) {
            Some((_, methods)) => methods.push((method, i)),
            None => by_path.push((r.route.clone(), vec![(method, i)])),
        }
    }
    let mut router = matchit::Router::new();
    for (path, methods) in by_path {
        router
            .insert(path, methods)
            .expect("the classic sets insert");
    }
    router
}

/// The value after `--name` on the command line of a peer server, if given.
pub fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// A peer server's address (`--addr`, else `default`) and its multi-thread runtime of
/// `--workers` threads (1 by default).
pub fn peer_setup(default: &str) -> (String, tokio::runtime::Runtime) {
    let addr = flag("--addr").unwrap_or_else(|| default.to_owned());
    let workers: usize = flag("--workers").map_or(1, |w| w.parse().expect("a number"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a runtime");
    (addr, runtime)
}
