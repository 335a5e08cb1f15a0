//! A small app served over TCP until Ctrl-C.
//!
//! Run with `cargo run -p pulya-server --example serve -- [--addr 127.0.0.1:3000]`, then
//! `curl -s localhost:3000/` or `curl -s --http2-prior-knowledge localhost:3000/hello/you`.

use std::process::ExitCode;

use pulya_app::App;
use pulya_app::extract::Path;
use pulya_server::Server;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let addr = match args.iter().position(|a| a == "--addr") {
        Some(i) => args.get(i + 1).cloned().unwrap_or_default(),
        None => "127.0.0.1:3000".to_owned(),
    };
    let app = App::new()
        .get("/", || async { "Hello from pulya-server\n" })
        .get("/hello/{name}", |Path(name): Path<String>| async move {
            format!("Hello, {name}!\n")
        });
    println!("serving on http://{addr} (Ctrl-C stops)");
    match Server::bind(addr.as_str()).workers(1).serve(app) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
