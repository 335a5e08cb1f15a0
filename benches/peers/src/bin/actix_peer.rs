//! actix-web serving `/plaintext` and `/json` like Pulya's example, with `workers` workers.

use actix_web::{App, HttpResponse, HttpServer, web};
use pulya_peers::{Message, args};

async fn plaintext() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("server", "actix"))
        .content_type("text/plain; charset=utf-8")
        .body("Hello, World!")
}

async fn json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("server", "actix"))
        .json(Message {
            message: "Hello, World!",
        })
}

fn main() -> std::io::Result<()> {
    let (addr, workers) = args();
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                .route("/plaintext", web::get().to(plaintext))
                .route("/json", web::get().to(json))
        })
        .workers(workers)
        .bind(&addr)?
        .run()
        .await
    })
}
