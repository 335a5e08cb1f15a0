//! Renders a few handler return values and prints their status, headers and body.
//!
//! Run with `cargo run -p pulya-responses --example render`.

use http::StatusCode;
use pulya_responses::{ErrorResponse, Html, IntoResponse, Json, Response};

fn show(name: &str, res: Response) {
    let body = res
        .body()
        .as_bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    println!("{name}: {} {:?} {body}", res.status(), res.headers());
}

fn main() {
    show("text", "Hello, World!".into_response());
    show(
        "json",
        Json(serde_json::json!({"message": "Hello, World!"})).into_response(),
    );
    show("html", Html("<h1>Hi</h1>").into_response());
    show("created", (StatusCode::CREATED, "made").into_response());
    show(
        "error",
        ErrorResponse::new(StatusCode::NOT_FOUND, "no such user").into_response(),
    );
}
