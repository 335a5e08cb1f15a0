//! Query-string and form parsing and the path-parameter castors, through an app in process: any
//! path, query and body gets an answer that is not a 500 (a panic would be one).
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use pulya_app::extract::{Form, Path, Query};
use pulya_app::{App, AppService};
use serde::Deserialize;

#[derive(Arbitrary, Debug)]
struct Input {
    route: u8,
    path: String,
    query: String,
    body: Vec<u8>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Filter {
    q: Option<String>,
    page: Option<u32>,
    tags: Option<Vec<String>>,
    ratio: Option<f64>,
    on: Option<bool>,
}

fn app() -> &'static (tokio::runtime::Runtime, AppService) {
    static APP: OnceLock<(tokio::runtime::Runtime, AppService)> = OnceLock::new();
    APP.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let app = App::new()
            .get("/n/{a}/{b}", |Path((a, b)): Path<(u64, i8)>| async move { format!("{a}{b}") })
            .get("/s/{name}", |Path(name): Path<String>| async move { name })
            .get("/m/{x}/{*rest}", |Path(m): Path<HashMap<String, String>>| async move {
                m.len().to_string()
            })
            .get("/q", |Query(f): Query<Filter>| async move { f.q.unwrap_or_default() })
            .get("/qm", |Query(m): Query<HashMap<String, String>>| async move {
                m.len().to_string()
            })
            .post("/f", |Form(f): Form<Filter>| async move { f.page.unwrap_or(0).to_string() })
            .body_limit(4096)
            .build()
            .unwrap();
        (runtime, app)
    })
}

fuzz_target!(|input: Input| {
    let prefix = ["/n/", "/s/", "/m/", "/q", "/qm", "/f"][usize::from(input.route) % 6];
    let uri = format!("{prefix}{}?{}", input.path, input.query);
    // Only URIs that http accepts can arrive from a server.
    let Ok(uri) = uri.parse::<http::Uri>() else {
        return;
    };
    let method = if prefix == "/f" { http::Method::POST } else { http::Method::GET };
    let req = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(pulya_app::Body::full(input.body))
        .unwrap();
    let (runtime, app) = app();
    let res = runtime.block_on(app.call(req));
    assert_ne!(res.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
});
