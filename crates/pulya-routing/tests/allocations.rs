//! Heap allocations per lookup, counted by a global allocator.
//!
//! Lookups of routes with up to three parameters allocate nothing, with or without the warm
//! cache. One caveat belongs to matchit: its lookup keeps a backtracking stack in a `Vec`, which
//! allocates when the walk passes a node with both a static and a parameter child (as in the
//! GitHub routes; with one trie per method, 2 of its 203 lookups do). That count is pinned
//! below so that a change in it is noticed.
#![allow(unsafe_code)]

use http::Method;
use pulya_routing::Router;

include!("../../../benches/src/route_sets.rs");
include!("../../../benches/src/counting_alloc.rs");

// The counter counts the calling thread's allocations only, so other threads cannot add to it.
#[test]
fn lookups_allocate_nothing_up_to_three_params() {
    let routes = [
        "/",
        "/health",
        "/users/{id}",
        "/users/{id}/posts/{post}",
        "/orgs/{org}/teams/{team}/members/{member}",
        "/files/{*path}",
        "/img/{name}.png",
    ];
    let paths = [
        "/",
        "/health",
        "/users/7",
        "/users/7/posts/9",
        "/orgs/rust/teams/core/members/ada",
        "/files/a/b/c.txt",
        "/img/cat.png",
    ];
    for cache in [0, 64] {
        let mut router = Router::new();
        router.set_cache_capacity(cache);
        for (i, route) in routes.iter().enumerate() {
            router.insert(Method::GET, route, i).unwrap();
        }
        let lookups = |router: &Router<usize>| {
            for (i, path) in paths.iter().enumerate() {
                let m = router.at(&Method::GET, path).unwrap();
                assert_eq!(*m.value, i);
                for param in m.params.iter() {
                    std::hint::black_box(param);
                }
            }
            std::hint::black_box(router.at(&Method::GET, "/nothing/here").is_err());
            std::hint::black_box(router.at(&Method::HEAD, "/users/1").is_ok());
        };
        // Warm-up, twice, with the very lookups that are counted: the first cached lookup on a
        // thread sets up its table, and a slot's path buffer grows to the longest path that
        // uses it (which paths share a slot depends on the process's random hash seed).
        for _ in 0..2 {
            lookups(&router);
        }
        let n = allocations(|| {
            for _ in 0..100 {
                lookups(&router);
            }
        });
        assert_eq!(n, 0, "cache {cache}: {n} allocations in 900 lookups");
    }

    // The GitHub set: matchit's backtracking stack allocates for 2 of its paths. With the cache
    // warm, the trie is skipped (paths that share a slot of the direct-mapped table evict each
    // other and go through the trie; none of those 2 paths is among them).
    let set = parse_classic(CLASSIC_SETS[0].1);
    for (cache, expected) in [(0, 2), (1024, 0)] {
        let mut router = Router::new();
        router.set_cache_capacity(cache);
        for (i, r) in set.iter().enumerate() {
            router
                .insert(r.method.parse().unwrap(), &r.route, i)
                .unwrap();
        }
        let lookups: Vec<(Method, &str)> = set
            .iter()
            .map(|r| (r.method.parse().unwrap(), r.path.as_str()))
            .collect();
        // Two warm-up rounds: a slot's path buffer grows to the longest path that uses it.
        for _ in 0..2 {
            for (method, path) in &lookups {
                router.at(method, path).unwrap();
            }
        }
        let n = allocations(|| {
            for (method, path) in &lookups {
                std::hint::black_box(router.at(method, path).unwrap().value);
            }
        });
        assert_eq!(
            n,
            expected,
            "GitHub set, cache {cache}: allocations in {} lookups",
            lookups.len()
        );
    }
}
