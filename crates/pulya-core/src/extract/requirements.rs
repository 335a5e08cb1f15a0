//! What extractors need from the app, declared so that the app checks it when it is built.

use std::any::{TypeId, type_name};
use std::fmt;

/// What a handler's extractors need from the app: each extractor adds its needs in
/// [`FromRequestParts::requirements`](super::FromRequestParts::requirements), and the app's
/// build fails, naming the route and the type, when one is not met, instead of a 500 at
/// request time.
///
/// ```
/// use pulya_core::extract::{Need, Requirements};
///
/// let mut needs = Requirements::new();
/// needs.state::<u64>();
/// assert_eq!(needs.iter().count(), 1);
/// assert!(matches!(needs.iter().next(), Some(Need::State { type_name: "u64", .. })));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    needs: Vec<Need>,
}

/// One thing an extractor needs from the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Need {
    /// A value of the app's [`AppData`](crate::AppData) (registered with `App::state`).
    State {
        /// The value's type.
        type_id: TypeId,
        /// The value's type, for the error message.
        type_name: &'static str,
    },
    /// A service of the app's dependency-injection container (given with `App::container`),
    /// which `Inject<T>` resolves.
    Service {
        /// The service's type.
        type_id: TypeId,
        /// The service's type, for the error message.
        type_name: &'static str,
    },
}

impl Requirements {
    /// No needs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Needs an app value of type `T`.
    pub fn state<T: 'static>(&mut self) {
        self.push(Need::State {
            type_id: TypeId::of::<T>(),
            type_name: type_name::<T>(),
        });
    }

    /// Needs a service of type `T` from the app's container.
    pub fn service<T: 'static>(&mut self) {
        self.push(Need::Service {
            type_id: TypeId::of::<T>(),
            type_name: type_name::<T>(),
        });
    }

    /// Adds `need`, once.
    pub fn push(&mut self, need: Need) {
        if !self.needs.contains(&need) {
            self.needs.push(need);
        }
    }

    /// The needs, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Need> {
        self.needs.iter()
    }
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Need::State { type_name, .. } => {
                write!(
                    f,
                    "app state of type `{type_name}` (register it with `App::state`)"
                )
            }
            Need::Service { type_name, .. } => {
                write!(
                    f,
                    "a service of type `{type_name}` (register it in the container given to \
                     `App::container`)"
                )
            }
        }
    }
}
