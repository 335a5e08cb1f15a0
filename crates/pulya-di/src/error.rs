//! What can go wrong: at build ([`ContainerError`]) and when resolving ([`ResolveError`]).

use std::fmt;

/// Why a service could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolveError {
    /// No service of this type was registered.
    NotRegistered(&'static str),
    /// A scoped service was asked for outside a scope.
    NoScope(&'static str),
    /// The service is built by an async factory and was asked for synchronously before it was
    /// built: resolve it with `get(..).await`, or declare it as a dependency.
    NotBuilt(&'static str),
    /// A factory failed; the message names the service and says why.
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
            Self::NotBuilt(ty) => write!(
                f,
                "`{ty}` has an async factory and is not built yet: resolve it with `get` or \
                 declare it as a dependency"
            ),
            Self::Factory(msg) => write!(f, "a service factory failed: {msg}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// What [`ContainerBuilder::build`](crate::ContainerBuilder::build) found wrong in the declared
/// dependencies: every problem, each naming its chain of services.
///
/// ```
/// use std::sync::Arc;
/// use pulya_di::{Container, Service};
///
/// struct Config;
/// struct Db;
///
/// let err = Container::builder()
///     .provide(Service::singleton(|_: Arc<Config>| async { Ok::<_, std::io::Error>(Db) }))
///     .build()
///     .unwrap_err();
/// assert!(err.to_string().contains("Db -> Config"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerError {
    pub(crate) problems: Vec<Problem>,
}

impl ContainerError {
    /// The problems, in the order of registration.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

/// One problem of a container's registrations.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The last service of `chain` is needed by the one before it and is not registered.
    Missing {
        /// From a registered service down to the missing one.
        chain: Vec<&'static str>,
    },
    /// The services of `chain` depend on each other in a ring: its first and last are the same.
    Cycle {
        /// The ring, its first service repeated at its end.
        chain: Vec<&'static str>,
    },
    /// A singleton depends, through `chain`, on a request-scoped service (its last), which
    /// would outlive its request inside the singleton.
    ScopedInSingleton {
        /// From the singleton down to the scoped service.
        chain: Vec<&'static str>,
    },
    /// `eager` was asked of a service that is not a singleton.
    EagerNotSingleton(&'static str),
}

fn chain(f: &mut fmt::Formatter<'_>, chain: &[&'static str]) -> fmt::Result {
    for (i, name) in chain.iter().enumerate() {
        if i > 0 {
            f.write_str(" -> ")?;
        }
        f.write_str(name)?;
    }
    Ok(())
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing { chain: names } => {
                let missing = names.last().copied().unwrap_or("?");
                write!(f, "`{missing}` is not registered: ")?;
                chain(f, names)
            }
            Problem::Cycle { chain: names } => {
                f.write_str("a dependency cycle: ")?;
                chain(f, names)
            }
            Problem::ScopedInSingleton { chain: names } => {
                f.write_str("a singleton depends on a request-scoped service: ")?;
                chain(f, names)
            }
            Problem::EagerNotSingleton(name) => {
                write!(f, "`{name}` is not a singleton, so it cannot be eager")
            }
        }
    }
}

impl fmt::Display for ContainerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the container cannot be built")?;
        for problem in &self.problems {
            write!(f, "\n- {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ContainerError {}
