//! Runs route lookups in a loop, for counting instructions per lookup with callgrind:
//!
//! ```text
//! cargo build --release -p pulya-benches --example route_lookups
//! valgrind --tool=callgrind target/release/examples/route_lookups pulya github 100
//! ```
//!
//! Arguments: the router (`pulya`, `pulya_cache`, `matchit`, `hashmap` for static sets), the route set (`github`, `gplus`,
//! `parse`, `static`, or `github_varied`: 2,000 GitHub paths with random ids, or `one_param`), how many rounds over the set's paths, and `--params` to also read every
//! parameter of every match, as a framework does.

use std::hint::black_box;

use http::Method;
use pulya_benches::{ClassicRoute, classic_set, github_varied, matchit_router};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (router, set, rounds, read_params) = match &args[..] {
        [router, set, rounds] => (router, set, rounds, false),
        [router, set, rounds, flag] if flag == "--params" => (router, set, rounds, true),
        _ => {
            eprintln!("usage: route_lookups <pulya|pulya_cache|matchit> <set> <rounds> [--params]");
            std::process::exit(2);
        }
    };
    let rounds: usize = rounds.parse().expect("rounds is a number");
    let (routes, paths): (_, Vec<(Method, String)>) = if set == "one_param" {
        let route = ClassicRoute {
            method: "GET",
            route: "/user/{name}".into(),
            path: "/user/gordon".into(),
            params: vec![("name".into(), "gordon".into())],
        };
        (vec![route], vec![(Method::GET, "/user/gordon".to_owned())])
    } else if set == "github_varied" {
        let paths = github_varied(2000)
            .into_iter()
            .map(|(m, p)| (m.parse().unwrap(), p))
            .collect();
        (classic_set("github"), paths)
    } else {
        let routes = classic_set(set);
        let paths = routes
            .iter()
            .map(|r| (r.method.parse().unwrap(), r.path.clone()))
            .collect();
        (routes, paths)
    };
    match router.as_str() {
        "pulya" | "pulya_cache" => {
            let mut r = pulya_routing::Router::new();
            if router == "pulya_cache" {
                r.set_cache_capacity(pulya_routing::DEFAULT_CACHE_CAPACITY);
            }
            for (i, route) in routes.iter().enumerate() {
                r.insert(route.method.parse().unwrap(), &route.route, i)
                    .unwrap();
            }
            for _ in 0..rounds {
                for (method, path) in &paths {
                    let m = r.at(method, black_box(path)).unwrap();
                    black_box(m.value);
                    if read_params {
                        for param in m.params.iter() {
                            black_box(param);
                        }
                    }
                }
            }
        }
        "matchit" => {
            let r = matchit_router(&routes);
            for _ in 0..rounds {
                for (method, path) in &paths {
                    let m = r.at(black_box(path)).unwrap();
                    black_box(m.value.iter().find(|(mm, _)| mm == method).unwrap());
                    if read_params {
                        for param in m.params.iter() {
                            black_box(param);
                        }
                    }
                }
            }
        }
        "hashmap" => {
            let map: std::collections::HashMap<&str, usize> = routes
                .iter()
                .enumerate()
                .map(|(i, r)| (r.path.as_str(), i))
                .collect();
            for _ in 0..rounds {
                for (_, path) in &paths {
                    black_box(map.get(black_box(path.as_str())).unwrap());
                }
            }
        }
        other => panic!("unknown router {other}"),
    }
}
