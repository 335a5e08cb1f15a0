//! Router insert + lookup on arbitrary routes and paths: no panic, and every match is
//! consistent with the path it came from.
#![no_main]

use http::Method;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use pulya_routing::{Constraints, MatchError, ParamRule, Router, TrailingSlash};

#[derive(Arbitrary, Debug)]
struct Input {
    policy: u8,
    cache: bool,
    routes: Vec<(u8, String, bool)>,
    lookups: Vec<(u8, String)>,
    removals: Vec<(u8, String)>,
}

const METHODS: [Method; 4] = [Method::GET, Method::POST, Method::PUT, Method::HEAD];

fn method(i: u8) -> Method {
    METHODS[usize::from(i) % METHODS.len()].clone()
}

fn check(router: &Router<usize>, lookups: &[(u8, String)]) {
    for (m, path) in lookups {
        match router.at(&method(*m), path) {
            Ok(found) => {
                assert!(found.params.len() <= found.param_names.len());
                for (name, value) in found.params.iter() {
                    assert!(found.param_names.iter().any(|n| &**n == name));
                    // A value is a slice of the path.
                    let start = value.as_ptr() as usize - path.as_ptr() as usize;
                    assert!(start + value.len() <= path.len());
                }
            }
            Err(MatchError::MethodNotAllowed(allowed)) => assert!(!allowed.methods().is_empty()),
            Err(_) => {}
        }
    }
}

fuzz_target!(|input: Input| {
    let mut router = Router::new();
    router.set_trailing_slash(match input.policy % 3 {
        0 => TrailingSlash::Strict,
        1 => TrailingSlash::Redirect,
        _ => TrailingSlash::Ignore,
    });
    router.set_cache_capacity(if input.cache { 16 } else { 0 });
    for (i, (m, route, typed)) in input.routes.iter().enumerate() {
        let result = if *typed {
            // A rule on the first parameter, if the route has one; an error otherwise.
            let name = route
                .split_once('{')
                .and_then(|(_, rest)| rest.split_once('}'))
                .map(|(name, _)| name.trim_start_matches('*').to_owned())
                .unwrap_or_default();
            router.insert_with(method(*m), route, i, Constraints::new().param(&name, ParamRule::u64()))
        } else {
            router.insert(method(*m), route, i)
        };
        let _ = result;
    }
    check(&router, &input.lookups);
    for (m, route) in &input.removals {
        router.remove(&method(*m), route);
    }
    check(&router, &input.lookups);
    let _ = router.routes().count();
});
