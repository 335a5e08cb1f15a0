//! Route lookup: Pulya's router next to matchit used directly and a plain `HashMap`.
//!
//! `cargo bench -p pulya-benches --bench routing`

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::Method;
use pulya_benches::{ClassicRoute, classic_set, github_varied, matchit_router, route_tree_100};
use pulya_routing::{ParamRule, Router};

fn pulya_router(routes: &[ClassicRoute]) -> Router<usize> {
    pulya_router_cached(routes, 0)
}

fn pulya_router_cached(routes: &[ClassicRoute], cache: usize) -> Router<usize> {
    let mut router = Router::new();
    router.set_cache_capacity(cache);
    for (i, r) in routes.iter().enumerate() {
        router
            .insert(r.method.parse().unwrap(), &r.route, i)
            .unwrap();
    }
    router
}

fn lookups(routes: &[ClassicRoute]) -> Vec<(Method, String)> {
    routes
        .iter()
        .map(|r| (r.method.parse().unwrap(), r.path.clone()))
        .collect()
}

fn compare_set(c: &mut Criterion, name: &str) {
    let routes = classic_set(name);
    let paths = lookups(&routes);
    let pulya = pulya_router(&routes);
    let matchit = matchit_router(&routes);
    let mut group = c.benchmark_group(format!("routing/{name}"));
    group.throughput(Throughput::Elements(paths.len() as u64));
    group.bench_function("pulya", |b| {
        b.iter(|| {
            for (method, path) in &paths {
                let m = pulya.at(method, black_box(path)).unwrap();
                black_box(m.value);
                black_box(m.params.get("owner"));
            }
        })
    });
    if name == "github" {
        let cached = pulya_router_cached(&routes, pulya_routing::DEFAULT_CACHE_CAPACITY);
        group.bench_function("pulya_cache", |b| {
            b.iter(|| {
                for (method, path) in &paths {
                    let m = cached.at(method, black_box(path)).unwrap();
                    black_box(m.value);
                    black_box(m.params.get("owner"));
                }
            })
        });
    }
    group.bench_function("matchit", |b| {
        b.iter(|| {
            for (method, path) in &paths {
                let m = matchit.at(black_box(path)).unwrap();
                let value = m.value.iter().find(|(mm, _)| mm == method).unwrap();
                black_box(value);
                black_box(m.params.get("owner"));
            }
        })
    });
    if name == "static" {
        let map: HashMap<&str, usize> = routes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.path.as_str(), i))
            .collect();
        group.bench_function("hashmap", |b| {
            b.iter(|| {
                for (_, path) in &paths {
                    black_box(map.get(black_box(path.as_str())).unwrap());
                }
            })
        });
    }
    group.finish();
}

fn classic(c: &mut Criterion) {
    for name in ["github", "gplus", "parse", "static"] {
        compare_set(c, name);
    }
}

/// A realistic mix for the cache: GitHub paths whose parameter values vary over 100,000 ids, so
/// repeated paths are rare. 2,000 lookups per iteration.
fn varied(c: &mut Criterion) {
    let routes = classic_set("github");
    let paths: Vec<(Method, String)> = github_varied(2000)
        .into_iter()
        .map(|(m, p)| (m.parse().unwrap(), p))
        .collect();
    let plain = pulya_router(&routes);
    let cached = pulya_router_cached(&routes, pulya_routing::DEFAULT_CACHE_CAPACITY);
    let matchit = matchit_router(&routes);
    let mut group = c.benchmark_group("routing/github_varied");
    group.throughput(Throughput::Elements(paths.len() as u64));
    group.bench_function("pulya", |b| {
        b.iter(|| {
            for (method, path) in &paths {
                black_box(plain.at(method, black_box(path)).unwrap().value);
            }
        })
    });
    group.bench_function("pulya_cache", |b| {
        b.iter(|| {
            for (method, path) in &paths {
                black_box(cached.at(method, black_box(path)).unwrap().value);
            }
        })
    });
    group.bench_function("matchit", |b| {
        b.iter(|| {
            for (method, path) in &paths {
                let m = matchit.at(black_box(path)).unwrap();
                black_box(m.value.iter().find(|(mm, _)| mm == method).unwrap());
            }
        })
    });
    group.finish();
}

/// gotap's single-route benchmarks and a miss.
fn single(c: &mut Criterion) {
    let cases: [(&str, &str, &str); 4] = [
        ("simple_route", "/ping", "/ping"),
        ("one_param", "/user/{name}", "/user/gordon"),
        (
            "five_params",
            "/{a}/{b}/{c}/{d}/{e}",
            "/test/test/test/test/test",
        ),
        ("miss", "/user/{name}", "/nothing/here/at/all"),
    ];
    let mut group = c.benchmark_group("routing/single");
    for (name, route, path) in cases {
        let mut pulya = Router::new();
        pulya.insert(Method::GET, route, 1usize).unwrap();
        let mut matchit = matchit::Router::new();
        matchit.insert(route, 1usize).unwrap();
        group.bench_function(format!("{name}/pulya"), |b| {
            b.iter(|| {
                black_box(
                    pulya
                        .at(&Method::GET, black_box(path))
                        .ok()
                        .map(|m| *m.value),
                )
            })
        });
        group.bench_function(format!("{name}/matchit"), |b| {
            b.iter(|| black_box(matchit.at(black_box(path)).ok().map(|m| *m.value)))
        });
    }
    group.finish();
}

fn tree_100(c: &mut Criterion) {
    let routes = route_tree_100();
    let mut pulya = Router::new();
    let mut matchit = matchit::Router::new();
    for (i, (route, _)) in routes.iter().enumerate() {
        pulya.insert(Method::GET, route, i).unwrap();
        matchit.insert(route.as_str(), i).unwrap();
    }
    let mut group = c.benchmark_group("routing/tree_100");
    group.throughput(Throughput::Elements(routes.len() as u64));
    group.bench_function("pulya", |b| {
        b.iter(|| {
            for (_, path) in &routes {
                black_box(pulya.at(&Method::GET, black_box(path)).unwrap().value);
            }
        })
    });
    group.bench_function("matchit", |b| {
        b.iter(|| {
            for (_, path) in &routes {
                black_box(matchit.at(black_box(path)).unwrap().value);
            }
        })
    });
    group.finish();
}

fn build(c: &mut Criterion) {
    let routes = classic_set("github");
    c.bench_function("routing/build/github/pulya", |b| {
        b.iter(|| pulya_router(black_box(&routes)))
    });
    // gotap's router-group build: 10 groups (`/api/v1/resource{r}`) of 10 routes each, the
    // `id` parameters typed as u64 by a group rule.
    c.bench_function("routing/build/groups_10x10/pulya", |b| {
        b.iter(|| {
            let mut router = Router::new();
            for r in 0..10 {
                let mut group = router
                    .group(&format!("/api/v1/resource{r}"))
                    .rule("id", ParamRule::u64());
                for (i, route) in [
                    "",
                    "/{id}",
                    "/{id}/edit",
                    "/{id}/items",
                    "/{id}/items/{item}",
                    "/search",
                    "/stats",
                    "/{id}/owner",
                    "/files/{*path}",
                    "/{id}/history/{rev}",
                ]
                .iter()
                .enumerate()
                {
                    group.insert(Method::GET, route, r * 10 + i).unwrap();
                }
            }
            black_box(router)
        })
    });
}

criterion_group!(benches, classic, varied, single, tree_100, build);
criterion_main!(benches);
