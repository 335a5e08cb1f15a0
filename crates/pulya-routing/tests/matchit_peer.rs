//! matchit's own match tests (its `tests/match.rs`, as data in `tests/data/matchit-match.jsonl`),
//! run against this router: same routes, same paths, same matches and parameters.
//!
//! Deliberate difference: this router requires routes to start with `/` (matchit accepts `""`
//! and `{*foo}`), so blocks with such routes are skipped, and each skip is listed by name below.
//! Parameter values are compared raw; decoding is `Params::decoded`'s job.

use http::Method;
use pulya_routing::{MatchError, Router};
use serde_json::Value;

const CASES: &str = include_str!("data/matchit-match.jsonl");
const SKIPPED: [&str; 2] = ["empty_route", "bare_catchall"];

#[test]
fn agrees_with_matchit() {
    let mut checked = 0;
    for line in CASES.lines() {
        let block: Value = serde_json::from_str(line).unwrap();
        let name = block["name"].as_str().unwrap();
        let routes: Vec<&str> = block["routes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        if routes.iter().any(|r| !r.starts_with('/')) {
            assert!(
                SKIPPED.contains(&name),
                "block `{name}` has a route without `/`: list it in SKIPPED"
            );
            continue;
        }
        for cache in [0, 8] {
            let mut router = Router::new();
            router.set_cache_capacity(cache);
            for route in &routes {
                router
                    .insert(Method::GET, route, *route)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            for _ in 0..2 {
                for case in block["matches"].as_array().unwrap() {
                    let path = case[0].as_str().unwrap();
                    let result = router.at(&Method::GET, path);
                    match case[1].as_str() {
                        None => assert!(
                            matches!(result, Err(MatchError::NotFound)),
                            "{name}: {path} should not match, got {result:?}"
                        ),
                        Some(expected) => {
                            let m = result.unwrap_or_else(|e| panic!("{name}: {path}: {e}"));
                            assert_eq!(*m.value, expected, "{name}: {path}");
                            let got: Vec<(&str, &str)> = m.params.iter().collect();
                            let want: Vec<(&str, &str)> = case[2]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|p| (p[0].as_str().unwrap(), p[1].as_str().unwrap()))
                                .collect();
                            assert_eq!(got, want, "{name}: {path}");
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} matches checked");
}
