//! The built container and the machine that resolves services: lookups, once-only
//! construction, the check of declared dependencies, start and shutdown.

use std::any::{Any, TypeId, type_name};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pulya_core::{BoxFuture, TypeIdHasher};
use tokio::sync::OnceCell;

use crate::deps::{Dependency, short_name};
use crate::scope::{Scope, ScopeInner, guarded};
use crate::{ContainerBuilder, ContainerError, Outcome, Problem, ResolveError, Resolver};

pub(crate) type AnyArc = Arc<dyn Any + Send + Sync>;
pub(crate) type SyncFactory =
    Box<dyn Fn(&dyn Resolver) -> Result<AnyArc, ResolveError> + Send + Sync>;
pub(crate) type AsyncFactory =
    Box<dyn for<'a> Fn(Cx<'a>) -> BoxFuture<'a, Result<AnyArc, ResolveError>> + Send + Sync>;
pub(crate) type Dispose = Box<dyn Fn(AnyArc, Outcome) -> BoxFuture<'static, ()> + Send + Sync>;

/// An instance and its creation number, which orders disposal (the latest first).
pub(crate) type Instance = (u64, AnyArc);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifetime {
    Singleton,
    Transient,
    Scoped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    OnStack,
    Done,
}

pub(crate) enum Make {
    Given(AnyArc),
    Sync(SyncFactory),
    Async(AsyncFactory),
}

pub(crate) struct Registration {
    name: &'static str,
    lifetime: Lifetime,
    eager: bool,
    /// `None` for a sync factory that resolves through a [`Resolver`]: not checked at build.
    deps: Option<Vec<Dependency>>,
    make: Make,
    dispose: Option<Dispose>,
    /// A singleton's instance.
    cell: OnceCell<Instance>,
    /// Serialises the first build of a singleton with a sync factory (never taken once built).
    sync_init: Mutex<()>,
    /// A scoped service's slot in a scope.
    slot: usize,
    /// Whether resolving it may need the request's scope: computed at build.
    needs_scope: bool,
}

impl Registration {
    pub(crate) fn new(
        name: &'static str,
        lifetime: Lifetime,
        eager: bool,
        deps: Option<Vec<Dependency>>,
        make: Make,
        dispose: Option<Dispose>,
    ) -> Self {
        Self {
            name,
            lifetime,
            eager,
            deps,
            make,
            dispose,
            cell: OnceCell::new(),
            sync_init: Mutex::new(()),
            slot: 0,
            needs_scope: false,
        }
    }
}

/// The immutable set of registered services, built once by [`ContainerBuilder::build`].
/// Resolving takes no lock once a service is built: a hash-map probe and a once-cell read.
pub struct Container {
    /// The registration of each type.
    index: HashMap<TypeId, usize, BuildHasherDefault<TypeIdHasher>>,
    services: Box<[Registration]>,
    /// Scope slot → registration.
    pub(crate) scoped: Box<[usize]>,
    created: AtomicU64,
    shut_down: AtomicBool,
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

    pub(crate) fn new(
        registrations: Vec<(TypeId, Registration)>,
        mut problems: Vec<Problem>,
    ) -> Result<Arc<Self>, ContainerError> {
        let mut index = HashMap::with_capacity_and_hasher(registrations.len(), Default::default());
        let mut services = Vec::with_capacity(registrations.len());
        let mut scoped = Vec::new();
        for (i, (id, mut reg)) in registrations.into_iter().enumerate() {
            index.insert(id, i);
            if let Make::Given(value) = &reg.make {
                let _ = reg.cell.set((i as u64, Arc::clone(value)));
            }
            if reg.lifetime == Lifetime::Scoped {
                reg.slot = scoped.len();
                scoped.push(i);
            }
            services.push(reg);
        }
        let mut container = Container {
            index,
            created: AtomicU64::new(services.len() as u64),
            services: services.into(),
            scoped: scoped.into(),
            shut_down: AtomicBool::new(false),
        };
        problems.extend(container.check());
        if !problems.is_empty() {
            return Err(ContainerError { problems });
        }
        for i in 0..container.services.len() {
            let needs_scope = container.needs_scope(i, &mut HashSet::new());
            container.services[i].needs_scope = needs_scope;
        }
        Ok(Arc::new(container))
    }

    pub(crate) fn find(&self, id: TypeId) -> Option<usize> {
        self.index.get(&id).copied()
    }

    /// The registrations that registration `i` declares it depends on.
    fn deps_of(&self, i: usize) -> impl Iterator<Item = (usize, &'static str)> + '_ {
        self.services[i]
            .deps
            .iter()
            .flatten()
            .filter_map(|dep| Some((self.find(dep.type_id)?, dep.name)))
    }

    /// Every problem of the declared dependencies: missing ones, cycles, scoped services under
    /// singletons, each reported once.
    fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (i, reg) in self.services.iter().enumerate() {
            for dep in reg.deps.iter().flatten() {
                if self.find(dep.type_id).is_none() {
                    problems.push(Problem::Missing {
                        chain: vec![reg.name, dep.name],
                    });
                }
            }
            if reg.lifetime == Lifetime::Singleton {
                if let Some(chain) = self.scoped_under(&mut vec![i]) {
                    problems.push(Problem::ScopedInSingleton { chain });
                }
            }
        }
        let mut state = vec![Visit::New; self.services.len()];
        for i in 0..self.services.len() {
            self.find_cycles(i, &mut Vec::new(), &mut state, &mut problems);
        }
        problems
    }

    fn names(&self, path: &[usize]) -> Vec<&'static str> {
        path.iter().map(|&i| self.services[i].name).collect()
    }

    /// The first path from the singleton `path[0]` through transient services to a scoped one.
    /// A singleton further down is checked as a root of its own.
    fn scoped_under(&self, path: &mut Vec<usize>) -> Option<Vec<&'static str>> {
        let here = *path.last()?;
        for (next, _) in self.deps_of(here).collect::<Vec<_>>() {
            if path.contains(&next) {
                continue;
            }
            path.push(next);
            let found = match self.services[next].lifetime {
                Lifetime::Scoped => Some(self.names(path)),
                Lifetime::Transient => self.scoped_under(path),
                Lifetime::Singleton => None,
            };
            path.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// Depth first over declared dependencies; a dependency on a registration still on the
    /// stack closes a cycle, reported from that registration round to it again.
    fn find_cycles(
        &self,
        i: usize,
        stack: &mut Vec<usize>,
        state: &mut [Visit],
        problems: &mut Vec<Problem>,
    ) {
        match state[i] {
            Visit::Done => return,
            Visit::OnStack => {
                let at = stack.iter().position(|&j| j == i).unwrap_or(0);
                let mut chain = self.names(&stack[at..]);
                chain.push(self.services[i].name);
                problems.push(Problem::Cycle { chain });
                return;
            }
            Visit::New => {}
        }
        state[i] = Visit::OnStack;
        stack.push(i);
        for (next, _) in self.deps_of(i).collect::<Vec<_>>() {
            self.find_cycles(next, stack, state, problems);
        }
        stack.pop();
        state[i] = Visit::Done;
    }

    /// Whether resolving registration `i` may need a request scope.
    fn needs_scope(&self, i: usize, seen: &mut HashSet<usize>) -> bool {
        let reg = &self.services[i];
        match reg.lifetime {
            Lifetime::Scoped => true,
            Lifetime::Singleton => false,
            // A transient whose factory resolves by hand may ask for anything.
            Lifetime::Transient if reg.deps.is_none() => true,
            Lifetime::Transient => {
                seen.insert(i)
                    && self
                        .deps_of(i)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .any(|(dep, _)| self.needs_scope(dep, seen))
            }
        }
    }

    fn next_created(&self) -> u64 {
        self.created.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether a service of type `T` is registered.
    pub fn provides<T: 'static>(&self) -> bool {
        self.provides_id(TypeId::of::<T>())
    }

    /// Whether a service of the type `id` names is registered.
    pub fn provides_id(&self, id: TypeId) -> bool {
        self.find(id).is_some()
    }

    /// Resolves a singleton or transient service of type `T` synchronously: services with a
    /// sync factory, and those with an async one that are already built. Prefer
    /// [`get`](Self::get).
    pub fn resolve<T: Any + Send + Sync>(&self) -> Result<Arc<T>, ResolveError> {
        downcast(Cx::new(self, None).resolve_any(TypeId::of::<T>(), type_name::<T>())?)
    }

    /// Resolves a singleton or transient service of type `T`, building what it needs.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pulya_di::{Container, Service};
    ///
    /// struct Config(u16);
    /// let container = Container::builder()
    ///     .provide(Service::singleton(|()| async { Ok::<_, std::io::Error>(Config(8080)) }))
    ///     .build()
    ///     .unwrap();
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// assert_eq!(container.get::<Config>().await.unwrap().0, 8080);
    /// # });
    /// ```
    pub async fn get<T: Any + Send + Sync>(&self) -> Result<Arc<T>, ResolveError> {
        Cx::new(self, None).get().await
    }

    /// A new request scope. The app makes one for a request on its first scoped resolve; this
    /// is for code outside an app (a job, a test).
    pub fn scope(self: &Arc<Self>) -> Scope {
        Scope::new(Arc::clone(self))
    }

    /// Builds every [`eager`](crate::Service::eager) singleton, in order of registration: call
    /// it before serving, so that a failing factory stops the start.
    ///
    /// # Errors
    /// The first factory that failed.
    pub async fn start(&self) -> Result<(), ResolveError> {
        for (i, reg) in self.services.iter().enumerate() {
            if reg.eager {
                Cx::new(self, None).build(i).await?;
            }
        }
        Ok(())
    }

    /// Disposes the singletons that were built and have a
    /// [`dispose`](crate::Service::dispose), the latest built first, each with
    /// [`Outcome::Shutdown`]. Call it after the server's graceful shutdown; later calls do
    /// nothing.
    pub async fn shutdown(&self) {
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut built: Vec<(u64, usize, AnyArc)> = self
            .services
            .iter()
            .enumerate()
            .filter(|(_, reg)| reg.dispose.is_some())
            .filter_map(|(i, reg)| reg.cell.get().map(|(n, v)| (*n, i, Arc::clone(v))))
            .collect();
        built.sort_unstable_by_key(|&(n, _, _)| std::cmp::Reverse(n));
        for (_, i, value) in built {
            self.dispose(i, value, Outcome::Shutdown).await;
        }
    }

    /// Runs registration `i`'s dispose on `value`; a panic in it is logged and contained.
    pub(crate) async fn dispose(&self, i: usize, value: AnyArc, outcome: Outcome) {
        let reg = &self.services[i];
        if let Some(dispose) = &reg.dispose {
            guarded(reg.name, dispose(value, outcome)).await;
        }
    }

    pub(crate) fn registration(&self, i: usize) -> &Registration {
        &self.services[i]
    }
}

impl Registration {
    pub(crate) fn needs_scope(&self) -> bool {
        self.needs_scope
    }

    pub(crate) fn has_dispose(&self) -> bool {
        self.dispose.is_some()
    }
}

pub(crate) fn downcast<T: Any + Send + Sync>(value: AnyArc) -> Result<Arc<T>, ResolveError> {
    value.downcast::<T>().map_err(|_| {
        ResolveError::Factory(format!(
            "a factory for `{}` built another type",
            type_name::<T>()
        ))
    })
}

/// Where a resolve happens: the container, and the request's scope when there is one.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Cx<'a> {
    container: &'a Container,
    scope: Option<&'a ScopeInner>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(container: &'a Container, scope: Option<&'a ScopeInner>) -> Self {
        Self { container, scope }
    }

    pub(crate) async fn get<T: Any + Send + Sync>(self) -> Result<Arc<T>, ResolveError> {
        let id = TypeId::of::<T>();
        let i = self
            .container
            .find(id)
            .ok_or_else(|| ResolveError::NotRegistered(short_name(type_name::<T>())))?;
        downcast(self.get_at(i).await?)
    }

    /// Registration `i`'s instance: the built one at once; else built by its sync factory with
    /// no future boxed (its declared dependencies built first when one is not yet), or by its
    /// async factory in a boxed future (building may recurse into dependencies).
    pub(crate) async fn get_at(self, i: usize) -> Result<AnyArc, ResolveError> {
        if let Some(value) = self.built(i)? {
            return Ok(value);
        }
        let reg = &self.container.services[i];
        if !matches!(reg.make, Make::Sync(_)) {
            return self.build(i).await;
        }
        match self.build_sync(i) {
            Err(ResolveError::NotBuilt(_)) if reg.deps.is_some() => {
                for (dep, _) in self.container.deps_of(i) {
                    if self.built(dep)?.is_none() {
                        self.build(dep).await?;
                    }
                }
                self.build_sync(i)
            }
            built => built,
        }
    }

    #[inline]
    pub(crate) fn built(self, i: usize) -> Result<Option<AnyArc>, ResolveError> {
        let reg = &self.container.services[i];
        Ok(match reg.lifetime {
            Lifetime::Singleton => reg.cell.get().map(|(_, v)| Arc::clone(v)),
            Lifetime::Transient => None,
            Lifetime::Scoped => {
                let scope = self.scope.ok_or(ResolveError::NoScope(reg.name))?;
                scope.slot(reg.slot).get().map(|(_, v)| Arc::clone(v))
            }
        })
    }

    /// Builds registration `i`, whatever its factory: in a boxed future, so that building can
    /// recurse into dependencies.
    pub(crate) fn build(self, i: usize) -> BoxFuture<'a, Result<AnyArc, ResolveError>> {
        Box::pin(async move {
            let container = self.container;
            let reg = &container.services[i];
            let Make::Async(make) = &reg.make else {
                return self.get_at(i).await;
            };
            match reg.lifetime {
                Lifetime::Singleton => {
                    let cx = Cx::new(container, None);
                    let (_, value) = reg
                        .cell
                        .get_or_try_init(|| async {
                            // Numbered once built, after what it depends on.
                            let value = make(cx).await?;
                            Ok::<_, ResolveError>((container.next_created(), value))
                        })
                        .await?;
                    Ok(Arc::clone(value))
                }
                Lifetime::Transient => make(self).await,
                Lifetime::Scoped => {
                    let scope = self.scope.ok_or(ResolveError::NoScope(reg.name))?;
                    let (_, value) = scope
                        .slot(reg.slot)
                        .get_or_try_init(|| async {
                            let value = make(self).await?;
                            Ok::<_, ResolveError>((scope.next_created(), value))
                        })
                        .await?;
                    Ok(Arc::clone(value))
                }
            }
        })
    }

    /// Builds registration `i` with no await: its sync factory, if it has one.
    fn build_sync(self, i: usize) -> Result<AnyArc, ResolveError> {
        let container = self.container;
        let reg = &container.services[i];
        let Make::Sync(make) = &reg.make else {
            return Err(ResolveError::NotBuilt(reg.name));
        };
        match reg.lifetime {
            Lifetime::Singleton => {
                let _once = reg.sync_init.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((_, value)) = reg.cell.get() {
                    return Ok(Arc::clone(value));
                }
                let value = make(&Cx::new(container, None))?;
                let _ = reg.cell.set((container.next_created(), Arc::clone(&value)));
                Ok(value)
            }
            Lifetime::Transient => make(&self),
            Lifetime::Scoped => {
                let scope = self.scope.ok_or(ResolveError::NoScope(reg.name))?;
                let value = make(&self)?;
                // A concurrent resolve in the same scope may have won; keep the one stored.
                match scope
                    .slot(reg.slot)
                    .set((scope.next_created(), value.clone()))
                {
                    Ok(()) => Ok(value),
                    Err(_) => Ok(scope
                        .slot(reg.slot)
                        .get()
                        .map_or(value, |(_, v)| Arc::clone(v))),
                }
            }
        }
    }
}

impl Resolver for Cx<'_> {
    fn resolve_any(&self, id: TypeId, name: &'static str) -> Result<AnyArc, ResolveError> {
        let i = self
            .container
            .find(id)
            .ok_or_else(|| ResolveError::NotRegistered(short_name(name)))?;
        match self.built(i)? {
            Some(value) => Ok(value),
            None => self.build_sync(i),
        }
    }
}
