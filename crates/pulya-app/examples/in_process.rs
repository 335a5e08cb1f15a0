//! An app with a few routes, called in process through the test client: no sockets.
//!
//! Run with `cargo run -p pulya-app --example in_process`.

use pulya_app::extract::{Json, Path, Query};
use pulya_app::{App, TestResponse};
use serde::Deserialize;

#[derive(Deserialize)]
struct Search {
    q: String,
}

fn show(name: &str, res: &TestResponse) {
    println!(
        "{name}: {} {}",
        res.status(),
        String::from_utf8_lossy(res.bytes())
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = App::new()
        .get("/users/{id}", |Path(id): Path<u64>| async move {
            format!("user {id}")
        })
        .get("/search", |Query(s): Query<Search>| async move {
            format!("searching {}", s.q)
        })
        .post("/echo", |Json(v): Json<serde_json::Value>| async move {
            Json(v)
        })
        .test_client();
    show("GET /users/7", &client.get("/users/7").send().await);
    show("GET /users/x", &client.get("/users/x").send().await);
    show(
        "GET /search?q=rust",
        &client.get("/search?q=rust").send().await,
    );
    show(
        "POST /echo",
        &client
            .post("/echo")
            .json(&serde_json::json!({"a": 1}))
            .send()
            .await,
    );
    show("DELETE /echo", &client.delete("/echo").send().await);
}
