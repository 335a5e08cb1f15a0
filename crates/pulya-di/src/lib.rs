//! A dependency-injection container for Pulya: singleton, transient and request-scoped
//! services, built by async factories whose dependencies are checked when the container is
//! built, and disposed after the response (scoped) or at shutdown (singletons).
//!
//! Register services on a [`ContainerBuilder`], build an immutable [`Container`] once at
//! startup (it fails on a missing dependency or a cycle, naming the chain), and hand it to the
//! app (`App::container`); handlers then ask for services with [`Inject<T>`]:
//!
//! - **singleton**: one instance for the whole container: given ([`Service::value`]), built
//!   on first use ([`Service::singleton`], exactly once also under concurrent first use), or at
//!   [`Container::start`] ([`Service::eager`]); disposed at [`Container::shutdown`], the latest
//!   built first;
//! - **transient**: a new instance on every resolve ([`Service::transient`]);
//! - **scoped**: at most one instance per request ([`Service::scoped`]), disposed once the
//!   response body has been sent, told the [`Outcome`] (commit on success, roll back
//!   otherwise), also when the handler panicked or the client went away.
//!
//! A request's scope is made only when the request first asks for a scoped service: other
//! requests neither allocate nor pay for it. Resolving takes no lock once a service is built.
//!
//! ```
//! use std::sync::Arc;
//! use pulya_di::{Container, Outcome, Service};
//!
//! struct Config { url: String }
//! struct Pool { url: String }
//! struct Tx { pool: Arc<Pool> }
//!
//! let container = Container::builder()
//!     .singleton(Config { url: "postgres://localhost".into() })
//!     .provide(Service::singleton(|config: Arc<Config>| async move {
//!         Ok::<_, std::io::Error>(Pool { url: config.url.clone() })
//!     }))
//!     .provide(
//!         Service::scoped(|pool: Arc<Pool>| async move { Ok::<_, std::io::Error>(Tx { pool }) })
//!             .dispose(|_tx: Arc<Tx>, outcome: Outcome| async move {
//!                 let _commit = outcome.is_success();
//!             }),
//!     )
//!     .build()?;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let scope = container.scope();
//! let a = scope.get::<Tx>().await?;
//! let b = scope.get::<Tx>().await?;
//! assert!(Arc::ptr_eq(&a, &b));
//! assert_eq!(a.pool.url, "postgres://localhost");
//! # Ok::<(), pulya_di::ResolveError>(())
//! # }).unwrap();
//! # Ok::<(), pulya_di::ContainerError>(())
//! ```
//!
//! The sync factories of [`ContainerBuilder::lazy_singleton`], [`ContainerBuilder::transient`]
//! and [`ContainerBuilder::scoped`] resolve what they need through a [`Resolver`]; their
//! dependencies are not declared, so they are checked only when resolved.

mod builder;
mod container;
mod deps;
mod error;
mod inject;
mod scope;

use std::any::{Any, TypeId, type_name};
use std::sync::Arc;

pub use builder::{ContainerBuilder, Service};
pub use container::Container;
#[doc(hidden)]
pub use container::Cx;
pub use deps::Dependencies;
#[doc(hidden)]
pub use deps::Dependency;
pub use error::{ContainerError, Problem, ResolveError};
pub use inject::{Inject, InjectRejection};
pub use scope::{Outcome, Scope};

/// Resolves services synchronously; given to the sync factories of [`ContainerBuilder`].
pub trait Resolver {
    /// Resolves a service by type id; use [`Resolver::resolve`] instead.
    #[doc(hidden)]
    fn resolve_any(
        &self,
        id: TypeId,
        name: &'static str,
    ) -> Result<Arc<dyn Any + Send + Sync>, ResolveError>;
}

impl dyn Resolver + '_ {
    /// Resolves the service of type `T`.
    pub fn resolve<T: Any + Send + Sync>(&self) -> Result<Arc<T>, ResolveError> {
        container::downcast(self.resolve_any(TypeId::of::<T>(), type_name::<T>())?)
    }
}
