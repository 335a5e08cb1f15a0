//! A dependency-injection container with singleton, transient and request-scoped services.
//!
//! Register services on a [`ContainerBuilder`], build an immutable [`Container`] once at startup,
//! then resolve services from it or from a [`Scope`] (one per request):
//!
//! - **singleton**: one instance for the whole container, given or built on first use;
//! - **transient**: a new instance on every resolve;
//! - **scoped**: one instance per [`Scope`], dropped with the scope.
//!
//! Services are resolved as `Arc<T>`; factories receive a [`Resolver`] to resolve what they
//! depend on.
//!
//! ```
//! use std::sync::Arc;
//! use pulya_di::{Container, Resolver};
//!
//! struct Config { url: String }
//! struct Db { url: String }
//!
//! let container = Container::builder()
//!     .singleton(Config { url: "postgres://localhost".into() })
//!     .scoped(|r: &dyn Resolver| {
//!         let config = r.resolve::<Config>()?;
//!         Ok(Db { url: config.url.clone() })
//!     })
//!     .build();
//!
//! let scope = container.scope();
//! let a = scope.resolve::<Db>()?;
//! let b = scope.resolve::<Db>()?;
//! assert!(Arc::ptr_eq(&a, &b));
//! assert!(!Arc::ptr_eq(&a, &container.scope().resolve::<Db>()?));
//! # Ok::<(), pulya_di::ResolveError>(())
//! ```

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

type AnyArc = Arc<dyn Any + Send + Sync>;
type Factory = Arc<dyn Fn(&dyn Resolver) -> Result<AnyArc, ResolveError> + Send + Sync>;

enum Registration {
    Singleton {
        cell: OnceLock<AnyArc>,
        factory: Option<Factory>,
    },
    Transient(Factory),
    Scoped(Factory),
}

/// Why a service could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolveError {
    /// No service of this type was registered.
    NotRegistered(&'static str),
    /// A scoped service was asked for outside a scope.
    NoScope(&'static str),
    /// A factory failed; the message says why.
    Factory(String),
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRegistered(ty) => write!(f, "no service of type `{ty}` is registered"),
            Self::NoScope(ty) => {
                write!(
                    f,
                    "`{ty}` is request-scoped: resolve it from a scope, not the container"
                )
            }
            Self::Factory(msg) => write!(f, "a service factory failed: {msg}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// Resolves services; implemented by [`Container`] and [`Scope`], and given to factories.
pub trait Resolver {
    /// Resolves a service by type id; use [`Resolver::resolve`] instead.
    #[doc(hidden)]
    fn resolve_any(&self, id: TypeId, name: &'static str) -> Result<AnyArc, ResolveError>;
}

impl dyn Resolver + '_ {
    /// Resolves the service of type `T`.
    pub fn resolve<T: Any + Send + Sync>(&self) -> Result<Arc<T>, ResolveError> {
        downcast(self.resolve_any(TypeId::of::<T>(), type_name::<T>())?)
    }
}

fn downcast<T: Any + Send + Sync>(value: AnyArc) -> Result<Arc<T>, ResolveError> {
    value.downcast::<T>().map_err(|_| {
        ResolveError::Factory(format!(
            "a factory for `{}` built another type",
            type_name::<T>()
        ))
    })
}

fn factory<T, F>(f: F) -> Factory
where
    T: Any + Send + Sync,
    F: Fn(&dyn Resolver) -> Result<T, ResolveError> + Send + Sync + 'static,
{
    Arc::new(move |r| f(r).map(|v| Arc::new(v) as AnyArc))
}

/// Collects registrations; [`ContainerBuilder::build`] makes the [`Container`].
#[derive(Default)]
pub struct ContainerBuilder {
    services: HashMap<TypeId, Registration>,
}

impl ContainerBuilder {
    /// Registers `value` as the one instance of `T`. A later registration of `T` replaces it.
    pub fn singleton<T: Any + Send + Sync>(mut self, value: T) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(Arc::new(value) as AnyArc);
        self.services.insert(
            TypeId::of::<T>(),
            Registration::Singleton {
                cell,
                factory: None,
            },
        );
        self
    }

    /// Registers a factory that builds the one instance of `T` on first use.
    pub fn lazy_singleton<T, F>(mut self, f: F) -> Self
    where
        T: Any + Send + Sync,
        F: Fn(&dyn Resolver) -> Result<T, ResolveError> + Send + Sync + 'static,
    {
        let reg = Registration::Singleton {
            cell: OnceLock::new(),
            factory: Some(factory(f)),
        };
        self.services.insert(TypeId::of::<T>(), reg);
        self
    }

    /// Registers a factory called on every resolve of `T`.
    pub fn transient<T, F>(mut self, f: F) -> Self
    where
        T: Any + Send + Sync,
        F: Fn(&dyn Resolver) -> Result<T, ResolveError> + Send + Sync + 'static,
    {
        self.services
            .insert(TypeId::of::<T>(), Registration::Transient(factory(f)));
        self
    }

    /// Registers a factory called once per [`Scope`] that resolves `T`.
    pub fn scoped<T, F>(mut self, f: F) -> Self
    where
        T: Any + Send + Sync,
        F: Fn(&dyn Resolver) -> Result<T, ResolveError> + Send + Sync + 'static,
    {
        self.services
            .insert(TypeId::of::<T>(), Registration::Scoped(factory(f)));
        self
    }

    /// Freezes the registrations.
    pub fn build(self) -> Arc<Container> {
        Arc::new(Container {
            services: self.services,
        })
    }
}

/// The immutable set of registered services.
pub struct Container {
    services: HashMap<TypeId, Registration>,
}

impl fmt::Debug for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Container")
            .field("services", &self.services.len())
            .finish()
    }
}

impl Container {
    /// A builder for a container.
    pub fn builder() -> ContainerBuilder {
        ContainerBuilder::default()
    }

    /// Resolves a singleton or transient service of type `T`.
    pub fn resolve<T: Any + Send + Sync>(&self) -> Result<Arc<T>, ResolveError> {
        downcast(self.resolve_any(TypeId::of::<T>(), type_name::<T>())?)
    }

    /// A new request scope. It allocates nothing until a scoped service is resolved.
    pub fn scope(self: &Arc<Self>) -> Scope {
        Scope {
            container: Arc::clone(self),
            cache: Mutex::new(Vec::new()),
        }
    }

    fn resolve_in(
        &self,
        id: TypeId,
        name: &'static str,
        resolver: &dyn Resolver,
        scope: Option<&Scope>,
    ) -> Result<AnyArc, ResolveError> {
        match self.services.get(&id) {
            None => Err(ResolveError::NotRegistered(name)),
            Some(Registration::Singleton { cell, factory }) => {
                if let Some(value) = cell.get() {
                    return Ok(value.clone());
                }
                // Only a lazy singleton reaches here: a given one is set at registration.
                let factory = factory.as_ref().ok_or(ResolveError::NotRegistered(name))?;
                let value = factory(resolver)?;
                Ok(cell.get_or_init(|| value).clone())
            }
            Some(Registration::Transient(factory)) => factory(resolver),
            Some(Registration::Scoped(factory)) => {
                let scope = scope.ok_or(ResolveError::NoScope(name))?;
                if let Some(found) = scope.cached(id) {
                    return Ok(found);
                }
                let value = factory(resolver)?;
                Ok(scope.remember(id, value))
            }
        }
    }
}

impl Resolver for Container {
    fn resolve_any(&self, id: TypeId, name: &'static str) -> Result<AnyArc, ResolveError> {
        self.resolve_in(id, name, self, None)
    }
}

/// One request's services: scoped services are built at most once per scope and dropped with it.
pub struct Scope {
    container: Arc<Container>,
    cache: Mutex<Vec<(TypeId, AnyArc)>>,
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

impl Scope {
    /// Resolves a service of any lifetime.
    pub fn resolve<T: Any + Send + Sync>(&self) -> Result<Arc<T>, ResolveError> {
        downcast(self.resolve_any(TypeId::of::<T>(), type_name::<T>())?)
    }

    fn cached(&self, id: TypeId) -> Option<AnyArc> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.iter().find(|(t, _)| *t == id).map(|(_, v)| v.clone())
    }

    /// Stores `value` unless a factory run meanwhile stored one; returns the stored one.
    fn remember(&self, id: TypeId, value: AnyArc) -> AnyArc {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, v)) = cache.iter().find(|(t, _)| *t == id) {
            return v.clone();
        }
        cache.push((id, value.clone()));
        value
    }
}

impl Resolver for Scope {
    fn resolve_any(&self, id: TypeId, name: &'static str) -> Result<AnyArc, ResolveError> {
        self.container.resolve_in(id, name, self, Some(self))
    }
}
