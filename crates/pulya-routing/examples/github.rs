//! Loads the GitHub API route set of the classic router benchmark and looks up a few paths.
//!
//! Run with `cargo run -p pulya-routing --example github`.

use http::Method;
use pulya_routing::{MatchError, Router};

const ROUTES: &str = include_str!("../../../benches/data/routes/github.txt");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut router = Router::new();
    for line in ROUTES.lines().filter(|l| !l.trim().is_empty()) {
        let (method, path) = line.split_once(' ').ok_or("a line is `METHOD /path`")?;
        let path = convert(path);
        router.insert(method.parse::<Method>()?, &path, path.clone())?;
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
            Err(MatchError::NotFound) => println!("{method} {path} -> 404"),
        }
    }
    Ok(())
}

/// `:name` -> `{name}`, `*name` -> `{*name}`.
fn convert(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if let Some(name) = seg.strip_prefix(':') {
                format!("{{{name}}}")
            } else if let Some(name) = seg.strip_prefix('*') {
                format!("{{*{name}}}")
            } else {
                seg.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
