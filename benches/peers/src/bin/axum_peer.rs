//! axum serving `/plaintext` and `/json` like Pulya's example, on `workers` runtime threads.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use pulya_peers::{Message, args};

async fn plaintext() -> impl IntoResponse {
    (
        [(header::SERVER, HeaderValue::from_static("axum"))],
        "Hello, World!",
    )
}

async fn json() -> impl IntoResponse {
    (
        [(header::SERVER, HeaderValue::from_static("axum"))],
        axum::Json(Message {
            message: "Hello, World!",
        }),
    )
}

fn main() {
    let (addr, workers) = args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let app = Router::new()
            .route("/plaintext", get(plaintext))
            .route("/json", get(json));
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .expect("the address is free");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .expect("serves");
    });
}
