//! Every route of the classic router-benchmark sets inserts without conflict and matches itself.

use http::Method;
use pulya_routing::Router;

const SETS: [(&str, &str); 4] = [
    (
        "github",
        include_str!("../../../benches/data/routes/github.txt"),
    ),
    (
        "gplus",
        include_str!("../../../benches/data/routes/gplus.txt"),
    ),
    (
        "parse",
        include_str!("../../../benches/data/routes/parse.txt"),
    ),
    (
        "static",
        include_str!("../../../benches/data/routes/static.txt"),
    ),
];

/// Converts `:name`/`*name` to matchit syntax and builds a concrete path for it, returning
/// `(route, concrete path, expected params)`.
fn convert(path: &str) -> (String, String, Vec<(String, String)>) {
    let mut route = Vec::new();
    let mut concrete = Vec::new();
    let mut params = Vec::new();
    for (i, seg) in path.split('/').enumerate() {
        if let Some(name) = seg.strip_prefix(':') {
            route.push(format!("{{{name}}}"));
            let value = format!("v{i}");
            concrete.push(value.clone());
            params.push((name.to_owned(), value));
        } else if let Some(name) = seg.strip_prefix('*') {
            route.push(format!("{{*{name}}}"));
            concrete.push("a/b".to_owned());
            params.push((name.to_owned(), "a/b".to_owned()));
        } else {
            route.push(seg.to_owned());
            concrete.push(seg.to_owned());
        }
    }
    (route.join("/"), concrete.join("/"), params)
}

#[test]
fn every_route_set_inserts_and_matches_itself() {
    for (name, text) in SETS {
        let mut router = Router::new();
        let lines: Vec<(Method, &str)> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let (m, p) = l.split_once(' ').unwrap();
                (m.parse().unwrap(), p)
            })
            .collect();
        for (method, path) in &lines {
            let (route, _, _) = convert(path);
            router
                .insert(method.clone(), &route, format!("{method} {route}"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert_eq!(router.len(), lines.len(), "{name}");
        for (method, path) in &lines {
            let (route, concrete, params) = convert(path);
            let m = router
                .at(method, &concrete)
                .unwrap_or_else(|e| panic!("{name}: {method} {concrete}: {e}"));
            assert_eq!(*m.value, format!("{method} {route}"), "{name}: {concrete}");
            assert_eq!(m.route, route);
            let got: Vec<(String, String)> = m
                .params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            assert_eq!(got, params, "{name}: {concrete}");
        }
    }
}
