//! What a factory declares it needs: [`Dependencies`], implemented for `()`, `Arc<A>` and
//! tuples of up to eight `Arc`s.

use std::any::{Any, TypeId, type_name};
use std::future::Future;
use std::sync::Arc;

use crate::container::Cx;
use crate::{ResolveError, Resolver};

/// One declared dependency: a service's type, and its name for error messages.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependency {
    pub(crate) type_id: TypeId,
    pub(crate) name: &'static str,
}

impl Dependency {
    pub(crate) fn of<T: 'static>() -> Self {
        Self {
            type_id: TypeId::of::<T>(),
            name: short_name(type_name::<T>()),
        }
    }
}

/// `my_app::db::Pool` as `Pool`; a generic type keeps its whole name.
pub(crate) fn short_name(name: &'static str) -> &'static str {
    if name.contains('<') {
        return name;
    }
    name.rsplit("::").next().unwrap_or(name)
}

/// The argument of a [`Service`](crate::Service) factory: the services it depends on, which
/// the container resolves before calling it, and checks at build. `()` for none, `Arc<A>` for
/// one, `(Arc<A>, Arc<B>, …)` for up to eight.
///
/// ```
/// use std::sync::Arc;
/// use pulya_di::{Container, Service};
///
/// struct Config { url: String }
/// struct Pool { url: String }
/// struct Repo { pool: Arc<Pool>, config: Arc<Config> }
///
/// let container = Container::builder()
///     .singleton(Config { url: "postgres://localhost".into() })
///     .provide(Service::singleton(|config: Arc<Config>| async move {
///         Ok::<_, std::io::Error>(Pool { url: config.url.clone() })
///     }))
///     .provide(Service::transient(|(pool, config): (Arc<Pool>, Arc<Config>)| async move {
///         Ok::<_, std::io::Error>(Repo { pool, config })
///     }))
///     .build()
///     .unwrap();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let repo = container.get::<Repo>().await.unwrap();
/// assert_eq!(repo.pool.url, repo.config.url);
/// # });
/// ```
pub trait Dependencies: Sized + Send + 'static {
    /// The declared services, for the check at build.
    #[doc(hidden)]
    fn declare(out: &mut Vec<Dependency>);

    /// Resolves them.
    #[doc(hidden)]
    fn fetch(cx: Cx<'_>) -> impl Future<Output = Result<Self, ResolveError>> + Send + '_;

    /// Resolves them with no await: each built, or built by a sync factory.
    #[doc(hidden)]
    fn fetch_now(r: &dyn Resolver) -> Result<Self, ResolveError>;
}

impl Dependencies for () {
    fn declare(_: &mut Vec<Dependency>) {}

    fn fetch_now(_: &dyn Resolver) -> Result<Self, ResolveError> {
        Ok(())
    }

    async fn fetch(_: Cx<'_>) -> Result<Self, ResolveError> {
        Ok(())
    }
}

impl<A: Any + Send + Sync> Dependencies for Arc<A> {
    fn declare(out: &mut Vec<Dependency>) {
        out.push(Dependency::of::<A>());
    }

    async fn fetch(cx: Cx<'_>) -> Result<Self, ResolveError> {
        cx.get::<A>().await
    }

    fn fetch_now(r: &dyn Resolver) -> Result<Self, ResolveError> {
        r.resolve::<A>()
    }
}

macro_rules! tuple_dependencies {
    ($($ty:ident),+) => {
        impl<$($ty: Any + Send + Sync),+> Dependencies for ($(Arc<$ty>,)+) {
            fn declare(out: &mut Vec<Dependency>) {
                $(out.push(Dependency::of::<$ty>());)+
            }

            async fn fetch(cx: Cx<'_>) -> Result<Self, ResolveError> {
                Ok(($(cx.get::<$ty>().await?,)+))
            }

            fn fetch_now(r: &dyn Resolver) -> Result<Self, ResolveError> {
                Ok(($(r.resolve::<$ty>()?,)+))
            }
        }
    };
}

tuple_dependencies!(A);
tuple_dependencies!(A, B);
tuple_dependencies!(A, B, C);
tuple_dependencies!(A, B, C, D);
tuple_dependencies!(A, B, C, D, E);
tuple_dependencies!(A, B, C, D, E, F);
tuple_dependencies!(A, B, C, D, E, F, G);
tuple_dependencies!(A, B, C, D, E, F, G, H);
