//! A singleton configuration, a transient id generator and a per-request unit of work.
//!
//! Run with `cargo run -p pulya-di --example scopes`.

use std::sync::atomic::{AtomicU64, Ordering};

use pulya_di::{Container, ResolveError, Resolver};

struct Config {
    name: &'static str,
}
struct Ids(AtomicU64);
struct RequestId(u64);
struct UnitOfWork {
    request: u64,
}

fn main() -> Result<(), ResolveError> {
    let container = Container::builder()
        .singleton(Config { name: "demo" })
        .singleton(Ids(AtomicU64::new(1)))
        .transient(|r: &dyn Resolver| {
            Ok(RequestId(
                r.resolve::<Ids>()?.0.fetch_add(1, Ordering::Relaxed),
            ))
        })
        .scoped(|r: &dyn Resolver| {
            Ok(UnitOfWork {
                request: r.resolve::<RequestId>()?.0,
            })
        })
        .build();
    for _ in 0..3 {
        let scope = container.scope();
        let work = scope.resolve::<UnitOfWork>()?;
        let again = scope.resolve::<UnitOfWork>()?;
        println!(
            "{}: request {} (same unit of work within the request: {})",
            container.resolve::<Config>()?.name,
            work.request,
            std::sync::Arc::ptr_eq(&work, &again)
        );
    }
    Ok(())
}
