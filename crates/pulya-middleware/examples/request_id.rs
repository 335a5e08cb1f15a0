//! Runs two requests through the request-id middleware in process and prints the ids.
//!
//! Run with `cargo run -p pulya-middleware --example request_id`.

use pulya_app::App;
use pulya_middleware::request_id::RequestId;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = App::new()
        .get("/", || async { "ok" })
        .middleware(RequestId::new())
        .test_client();
    for _ in 0..2 {
        let res = client.get("/").send().await;
        println!("x-request-id: {:?}", res.header("x-request-id"));
    }
}
