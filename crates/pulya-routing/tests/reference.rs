//! Property test: for random route sets and random paths, the router agrees with a naive
//! reference matcher written here.
//!
//! The reference: routes of the request's method whose pattern matches the path segment by
//! segment (a parameter takes one non-empty segment, a catch-all the non-empty rest); among them
//! the most specific wins, comparing segments left to right, static before parameter before
//! catch-all. No route of the method but routes of others: 405 with every such method.
//! Otherwise 404.

use http::Method;
use proptest::prelude::*;
use pulya_routing::{MatchError, Router};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    Static(u8),
    Param,
    CatchAll,
}

#[derive(Debug, Clone)]
struct Route {
    method: Method,
    segs: Vec<Seg>,
}

const WORDS: [&str; 3] = ["a", "b", "c"];

impl Route {
    fn pattern(&self) -> String {
        let mut out = String::new();
        for (i, seg) in self.segs.iter().enumerate() {
            out.push('/');
            match seg {
                Seg::Static(w) => out.push_str(WORDS[*w as usize]),
                Seg::Param => out.push_str(&format!("{{p{i}}}")),
                Seg::CatchAll => out.push_str(&format!("{{*c{i}}}")),
            }
        }
        out
    }

    /// The parameter values if the route matches `path` (segments without the leading `/`).
    fn matches(&self, path: &[&str]) -> Option<Vec<String>> {
        let mut values = Vec::new();
        for (i, seg) in self.segs.iter().enumerate() {
            match seg {
                Seg::Static(w) => {
                    if path.get(i) != Some(&WORDS[*w as usize]) {
                        return None;
                    }
                }
                Seg::Param => values.push(path.get(i)?.to_string()),
                Seg::CatchAll => {
                    let rest = path.get(i..)?;
                    if rest.is_empty() {
                        return None;
                    }
                    values.push(rest.join("/"));
                    return Some(values);
                }
            }
        }
        (self.segs.len() == path.len()).then_some(values)
    }
}

fn route() -> impl Strategy<Value = Route> {
    let seg = prop_oneof![(0u8..3).prop_map(Seg::Static), Just(Seg::Param)];
    (
        prop_oneof![Just(Method::GET), Just(Method::POST), Just(Method::PUT)],
        prop::collection::vec(seg, 1..4),
        any::<bool>(),
    )
        .prop_map(|(method, mut segs, catch_all)| {
            if catch_all {
                segs.push(Seg::CatchAll);
            }
            Route { method, segs }
        })
}

fn path() -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "x"]), 1..6)
}

/// What the reference expects: a route index with its values, a 405 set, or 404.
#[derive(Debug, PartialEq)]
enum Expected {
    Found(usize, Vec<String>),
    NotAllowed(Vec<Method>),
    NotFound,
}

fn reference(routes: &[Route], method: &Method, path: &[&str]) -> Expected {
    let best = routes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.method == *method)
        .filter_map(|(i, r)| r.matches(path).map(|v| (i, r, v)))
        .min_by(|a, b| a.1.segs.cmp(&b.1.segs));
    if let Some((i, _, values)) = best {
        return Expected::Found(i, values);
    }
    let mut others: Vec<Method> = routes
        .iter()
        .filter(|r| r.matches(path).is_some())
        .map(|r| r.method.clone())
        .collect();
    others.sort_by_key(|m| m.to_string());
    others.dedup();
    if others.is_empty() {
        Expected::NotFound
    } else {
        Expected::NotAllowed(others)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn router_agrees_with_the_reference(
        candidates in prop::collection::vec(route(), 1..10),
        paths in prop::collection::vec(path(), 1..20),
        cache in any::<bool>(),
    ) {
        let mut router = Router::new();
        if cache {
            router.set_cache_capacity(64);
        }
        // Routes the router refuses (duplicates, conflicts) are left out of the reference too.
        let mut kept = Vec::new();
        for route in candidates {
            if router.insert(route.method.clone(), &route.pattern(), kept.len()).is_ok() {
                kept.push(route);
            }
        }
        for path in &paths {
            let text = format!("/{}", path.join("/"));
            for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
                let got = match router.at(&method, &text) {
                    Ok(m) => Expected::Found(*m.value, m.params.iter().map(|(_, v)| v.to_owned()).collect()),
                    Err(MatchError::MethodNotAllowed(allowed)) => Expected::NotAllowed(
                        allowed.methods().iter().filter(|m| **m != Method::HEAD).cloned().collect(),
                    ),
                    Err(MatchError::NotFound) => Expected::NotFound,
                    Err(other) => panic!("unexpected {other:?}"),
                };
                let mut want = reference(&kept, &method, path);
                if let (Expected::NotAllowed(want), Expected::NotAllowed(got)) = (&mut want, &got) {
                    // The router lists the path's methods in insertion order; compare as sets.
                    want.sort_by_key(|m| m.to_string());
                    let mut got = got.clone();
                    got.sort_by_key(|m| m.to_string());
                    prop_assert_eq!(&*want, &*got, "{} {} in {:?}", method, text, kept);
                    continue;
                }
                prop_assert_eq!(got, want, "{} {} in {:?}", method, text, kept);
            }
        }
    }
}
