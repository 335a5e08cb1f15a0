//! Every route of the classic router-benchmark sets inserts without conflict and matches itself,
//! with and without the match cache.

use http::Method;
use pulya_routing::Router;

include!("../../../benches/src/route_sets.rs");

#[test]
fn every_route_set_inserts_and_matches_itself() {
    for (name, text) in CLASSIC_SETS {
        let routes = parse_classic(text);
        for cache in [0, 1024] {
            let mut router = Router::new();
            router.set_cache_capacity(cache);
            for r in &routes {
                let method: Method = r.method.parse().unwrap();
                router
                    .insert(method.clone(), &r.route, format!("{method} {}", r.route))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            assert_eq!(router.len(), routes.len(), "{name}");
            // Twice: the second round is served from the cache when it is on.
            for _ in 0..2 {
                for r in &routes {
                    let method: Method = r.method.parse().unwrap();
                    let m = router
                        .at(&method, &r.path)
                        .unwrap_or_else(|e| panic!("{name}: {method} {}: {e}", r.path));
                    assert_eq!(
                        *m.value,
                        format!("{method} {}", r.route),
                        "{name}: {}",
                        r.path
                    );
                    assert_eq!(m.route, r.route);
                    let got: Vec<(String, String)> = m
                        .params
                        .iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect();
                    assert_eq!(got, r.params, "{name}: {}", r.path);
                }
            }
        }
    }
}
