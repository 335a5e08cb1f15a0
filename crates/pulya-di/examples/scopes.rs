//! A singleton configuration, a transient id generator and a per-request unit of work that is
//! committed or rolled back when its scope ends.
//!
//! Run with `cargo run -p pulya-di --example scopes`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pulya_di::{Container, Outcome, Service};

struct Config {
    name: &'static str,
}
struct Ids(AtomicU64);
struct RequestId(u64);
struct UnitOfWork {
    request: u64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let container = Container::builder()
        .singleton(Config { name: "demo" })
        .singleton(Ids(AtomicU64::new(1)))
        .provide(Service::transient(|ids: Arc<Ids>| async move {
            Ok::<_, std::convert::Infallible>(RequestId(ids.0.fetch_add(1, Ordering::Relaxed)))
        }))
        .provide(
            Service::scoped(|id: Arc<RequestId>| async move {
                Ok::<_, std::convert::Infallible>(UnitOfWork { request: id.0 })
            })
            .dispose(|work: Arc<UnitOfWork>, outcome: Outcome| async move {
                let verdict = if outcome.is_success() {
                    "commit"
                } else {
                    "roll back"
                };
                println!("request {}: {verdict}", work.request);
            }),
        )
        .build()?;
    for status in [200, 201, 500] {
        let scope = container.scope();
        let work = scope.get::<UnitOfWork>().await?;
        let again = scope.get::<UnitOfWork>().await?;
        println!(
            "{}: request {} (same unit of work within the request: {})",
            container.get::<Config>().await?.name,
            work.request,
            Arc::ptr_eq(&work, &again)
        );
        scope.end(Outcome::Responded {
            status: http::StatusCode::from_u16(status)?,
            complete: true,
        });
        // The dispose runs on the runtime once the scope is gone.
        tokio::task::yield_now().await;
    }
    Ok(())
}
