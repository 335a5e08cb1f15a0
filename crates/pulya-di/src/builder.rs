//! Registration: [`ContainerBuilder`] and the [`Service`] it is given.

use std::any::{Any, TypeId, type_name};
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use pulya_core::BoxError;

use crate::container::{AnyArc, AsyncFactory, Container, Dispose, Lifetime, Make, Registration};
use crate::deps::{Dependencies, Dependency, short_name};
use crate::{ContainerError, Outcome, ResolveError, Resolver};

/// One service to register with [`ContainerBuilder::provide`]: its lifetime, an async factory
/// of its declared [`Dependencies`] (checked at build), and optionally an async dispose.
///
/// ```
/// use std::sync::Arc;
/// use pulya_di::{Container, Outcome, Service};
///
/// struct Pool;
/// struct Tx { committed: std::sync::atomic::AtomicBool }
///
/// let container = Container::builder()
///     .provide(Service::value(Pool))
///     .provide(
///         Service::scoped(|_: Arc<Pool>| async {
///             Ok::<_, std::io::Error>(Tx { committed: false.into() })
///         })
///         .dispose(|tx: Arc<Tx>, outcome: Outcome| async move {
///             // Commit when the response was a success, roll back otherwise.
///             tx.committed.store(outcome.is_success(), std::sync::atomic::Ordering::SeqCst);
///         }),
///     )
///     .build()
///     .unwrap();
/// ```
pub struct Service<T> {
    lifetime: Lifetime,
    eager: bool,
    deps: Vec<Dependency>,
    make: Make,
    dispose: Option<Dispose>,
    _type: PhantomData<fn() -> T>,
}

impl<T: Any + Send + Sync> Service<T> {
    fn new<D, F, Fut, E>(lifetime: Lifetime, f: F) -> Self
    where
        D: Dependencies,
        F: Fn(D) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let mut deps = Vec::new();
        D::declare(&mut deps);
        let f = Arc::new(f);
        let make: AsyncFactory = Box::new(move |cx| {
            let f = Arc::clone(&f);
            Box::pin(async move {
                let deps = D::fetch(cx).await?;
                match f(deps).await {
                    Ok(value) => Ok(Arc::new(value) as AnyArc),
                    Err(err) => Err(factory_failed::<T>(err.into())),
                }
            })
        });
        Self {
            lifetime,
            eager: false,
            deps,
            make: Make::Async(make),
            dispose: None,
            _type: PhantomData,
        }
    }

    fn new_sync<D, F, E>(lifetime: Lifetime, f: F) -> Self
    where
        D: Dependencies,
        F: Fn(D) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        let mut deps = Vec::new();
        D::declare(&mut deps);
        let make = move |r: &dyn Resolver| match f(D::fetch_now(r)?) {
            Ok(value) => Ok(Arc::new(value) as AnyArc),
            Err(err) => Err(factory_failed::<T>(err.into())),
        };
        Self {
            lifetime,
            eager: false,
            deps,
            make: Make::Sync(Box::new(make)),
            dispose: None,
            _type: PhantomData,
        }
    }

    /// One instance for the whole container, built by `f` on first use (exactly once, also
    /// under concurrent first use), or at [`Container::start`] when [`eager`](Self::eager).
    pub fn singleton<D, F, Fut, E>(f: F) -> Self
    where
        D: Dependencies,
        F: Fn(D) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Self::new(Lifetime::Singleton, f)
    }

    /// `value` as the one instance: a given singleton, to which a [`dispose`](Self::dispose)
    /// can be attached (what [`ContainerBuilder::singleton`] cannot).
    pub fn value(value: T) -> Self {
        Self {
            lifetime: Lifetime::Singleton,
            eager: false,
            deps: Vec::new(),
            make: Make::Given(Arc::new(value)),
            dispose: None,
            _type: PhantomData,
        }
    }

    /// A new instance from `f` on every resolve.
    pub fn transient<D, F, Fut, E>(f: F) -> Self
    where
        D: Dependencies,
        F: Fn(D) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Self::new(Lifetime::Transient, f)
    }

    /// At most one instance per request (per [`Scope`](crate::Scope)), built by `f` on the
    /// request's first use, disposed after the response has been sent.
    pub fn scoped<D, F, Fut, E>(f: F) -> Self
    where
        D: Dependencies,
        F: Fn(D) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Self::new(Lifetime::Scoped, f)
    }

    /// [`singleton`](Self::singleton) with a sync factory: no future is made to build it.
    pub fn singleton_sync<D, F, E>(f: F) -> Self
    where
        D: Dependencies,
        F: Fn(D) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Self::new_sync(Lifetime::Singleton, f)
    }

    /// [`transient`](Self::transient) with a sync factory.
    pub fn transient_sync<D, F, E>(f: F) -> Self
    where
        D: Dependencies,
        F: Fn(D) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Self::new_sync(Lifetime::Transient, f)
    }

    /// [`scoped`](Self::scoped) with a sync factory: for a cheap per-request value, built with
    /// no future and no allocation but its `Arc` (and the request's scope, on its first
    /// scoped service).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pulya_di::{Container, Service};
    ///
    /// struct Clock(u64);
    /// struct Stamp(u64);
    ///
    /// let container = Container::builder()
    ///     .singleton(Clock(7))
    ///     .provide(Service::scoped_sync(|clock: Arc<Clock>| {
    ///         Ok::<_, std::convert::Infallible>(Stamp(clock.0))
    ///     }))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(container.scope().resolve::<Stamp>().unwrap().0, 7);
    /// ```
    pub fn scoped_sync<D, F, E>(f: F) -> Self
    where
        D: Dependencies,
        F: Fn(D) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Self::new_sync(Lifetime::Scoped, f)
    }

    /// Builds the singleton at [`Container::start`] instead of on first use, so that a failing
    /// factory (a database that cannot be reached) stops the start, not a request; a server of
    /// `pulya-server` calls it before it listens (`AppService::start`). Only for singletons: on
    /// another lifetime the build fails.
    pub fn eager(mut self) -> Self {
        self.eager = true;
        self
    }

    /// Runs `dispose` when the instance's life ends: for a scoped service after its request's
    /// response body has been sent (or the request ended otherwise, which the [`Outcome`]
    /// says), for a singleton at [`Container::shutdown`] (which a server of `pulya-server` calls
    /// after its graceful drain), in reverse order of creation.
    /// Transient instances are never disposed (nothing tracks them).
    pub fn dispose<G, Fut>(mut self, dispose: G) -> Self
    where
        G: Fn(Arc<T>, Outcome) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.dispose = Some(Box::new(move |value: AnyArc, outcome| {
            match value.downcast::<T>() {
                Ok(value) => Box::pin(dispose(value, outcome)),
                Err(_) => Box::pin(async {}),
            }
        }));
        self
    }
}

/// Collects registrations; [`ContainerBuilder::build`] checks them and makes the
/// [`Container`]. A later registration of a type replaces the earlier one.
#[derive(Default)]
pub struct ContainerBuilder {
    services: Vec<(TypeId, Registration)>,
    problems: Vec<crate::Problem>,
}

type SyncFn<T> = dyn Fn(&dyn Resolver) -> Result<T, ResolveError> + Send + Sync;

fn sync_make<T: Any + Send + Sync>(f: Box<SyncFn<T>>) -> Make {
    Make::Sync(Box::new(move |r| f(r).map(|v| Arc::new(v) as AnyArc)))
}

impl ContainerBuilder {
    fn add(mut self, id: TypeId, reg: Registration) -> Self {
        self.services.retain(|(other, _)| *other != id);
        self.services.push((id, reg));
        self
    }

    fn add_sync<T: Any + Send + Sync>(self, lifetime: Lifetime, make: Make) -> Self {
        let name = short_name(type_name::<T>());
        let reg = Registration::new(name, lifetime, false, None, make, None);
        self.add(TypeId::of::<T>(), reg)
    }

    /// Registers `service`, with its declared dependencies, checked at [`build`](Self::build).
    pub fn provide<T: Any + Send + Sync>(mut self, service: Service<T>) -> Self {
        let name = short_name(type_name::<T>());
        if service.eager && service.lifetime != Lifetime::Singleton {
            self.problems.push(crate::Problem::EagerNotSingleton(name));
        }
        let reg = Registration::new(
            name,
            service.lifetime,
            service.eager,
            Some(service.deps),
            service.make,
            service.dispose,
        );
        self.add(TypeId::of::<T>(), reg)
    }

    /// Registers `value` as the one instance of `T`.
    pub fn singleton<T: Any + Send + Sync>(self, value: T) -> Self {
        self.provide(Service::value(value))
    }

    /// Registers a sync factory that builds the one instance of `T` on first use. It resolves
    /// what it needs through the [`Resolver`], so its dependencies are not checked at build:
    /// prefer [`Service::singleton`].
    pub fn lazy_singleton<T, F>(self, f: F) -> Self
    where
        T: Any + Send + Sync,
        F: Fn(&dyn Resolver) -> Result<T, ResolveError> + Send + Sync + 'static,
    {
        self.add_sync::<T>(Lifetime::Singleton, sync_make(Box::new(f)))
    }

    /// Registers a sync factory called on every resolve of `T` (dependencies not checked at
    /// build: prefer [`Service::transient`]).
    pub fn transient<T, F>(self, f: F) -> Self
    where
        T: Any + Send + Sync,
        F: Fn(&dyn Resolver) -> Result<T, ResolveError> + Send + Sync + 'static,
    {
        self.add_sync::<T>(Lifetime::Transient, sync_make(Box::new(f)))
    }

    /// Registers a sync factory called once per [`Scope`](crate::Scope) that resolves `T`
    /// (dependencies not checked at build: prefer [`Service::scoped`]).
    pub fn scoped<T, F>(self, f: F) -> Self
    where
        T: Any + Send + Sync,
        F: Fn(&dyn Resolver) -> Result<T, ResolveError> + Send + Sync + 'static,
    {
        self.add_sync::<T>(Lifetime::Scoped, sync_make(Box::new(f)))
    }

    /// Checks every declared dependency and freezes the registrations; the resolution plans
    /// (which registration each dependency is) are made here, once.
    ///
    /// # Errors
    /// Every [`Problem`](crate::Problem): a missing registration, a cycle, a singleton that
    /// depends on a scoped service, each with its chain (`Repo -> Db -> Config -> Repo`).
    pub fn build(self) -> Result<Arc<Container>, ContainerError> {
        Container::new(self.services, self.problems)
    }
}

fn factory_failed<T>(err: BoxError) -> ResolveError {
    ResolveError::Factory(format!("`{}`: {err}", short_name(type_name::<T>())))
}
