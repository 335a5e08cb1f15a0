//! Loads the GitHub API route set of the classic router benchmark and looks up a few paths.
//!
//! Run with `cargo run -p pulya-routing --example github`.

use http::Method;
use pulya_routing::{MatchError, Router};

include!("../../../benches/src/route_sets.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut router = Router::new();
    for route in classic_set("github") {
        router.insert(route.method.parse()?, &route.route, route.route.clone())?;
    }
    println!("{} routes loaded", router.len());

    for (method, path) in [
        (Method::GET, "/repos/rust-lang/rust/issues/1"),
        (Method::GET, "/user/keys"),
        (Method::PUT, "/user/keys"),
        (Method::GET, "/nope"),
    ] {
        match router.at(&method, path) {
            Ok(m) => {
                let params: Vec<_> = m.params.iter().collect();
                println!("{method} {path} -> {} {params:?}", m.value);
            }
            Err(MatchError::MethodNotAllowed(allowed)) => {
                println!("{method} {path} -> 405, Allow: {}", allowed.header_value())
            }
            Err(other) => println!("{method} {path} -> {other}"),
        }
    }
    Ok(())
}
