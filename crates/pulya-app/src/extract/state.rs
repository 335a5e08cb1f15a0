//! App state and request extensions.

use std::any::type_name;
use std::convert::Infallible;

use http::request::Parts;
use pulya_core::extract::{OptionalFromRequestParts, Requirements};

use super::FromRequestParts;
use super::rejection::{ExtensionRejection, StateRejection};
use crate::RequestContext;

/// App state registered with [`App::state`](crate::App::state), cloned for the handler.
///
/// Wrap large or shared state in an `Arc` so that the clone is cheap. A route whose handler
/// asks for a type that was never registered fails [`App::build`](crate::App::build), which
/// names the route and the type; finding it per request is one hash-map probe. For services
/// built from other services, lazily, per request or with a teardown, use the app's container
/// instead: [`App::container`](crate::App::container) says when to use which.
///
/// ```
/// use std::sync::Arc;
/// use pulya_app::{App, extract::State};
///
/// #[derive(Clone)]
/// struct Config { greeting: Arc<str> }
///
/// async fn hello(State(config): State<Config>) -> String {
///     format!("{}!", config.greeting)
/// }
///
/// assert!(App::new().get("/", hello).build().is_err());
/// let app = App::new().state(Config { greeting: "hi".into() }).get("/", hello);
/// assert!(app.build().is_ok());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequestParts for State<T> {
    type Rejection = StateRejection;

    fn requirements(needs: &mut Requirements) {
        needs.state::<T>();
    }

    async fn from_request_parts(
        _: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, StateRejection> {
        cx.state::<T>().cloned().map(State).ok_or(StateRejection {
            type_name: type_name::<T>(),
        })
    }
}

/// `Option<State<T>>`: `None` when the app has no state of type `T`; it asks nothing at build.
impl<T: Clone + Send + Sync + 'static> OptionalFromRequestParts for State<T> {
    type Rejection = Infallible;

    async fn from_request_parts(
        _: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Option<Self>, Infallible> {
        Ok(cx.state::<T>().cloned().map(State))
    }
}

/// A value a middleware put into the request's extensions, cloned for the handler. A missing
/// one is a 500 that names the type ([`ExtensionRejection`]); `Option<Extension<T>>` is `None`
/// instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extension<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequestParts for Extension<T> {
    type Rejection = ExtensionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &RequestContext,
    ) -> Result<Self, ExtensionRejection> {
        parts
            .extensions
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or(ExtensionRejection {
                type_name: type_name::<T>(),
            })
    }
}

impl<T: Clone + Send + Sync + 'static> OptionalFromRequestParts for Extension<T> {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &RequestContext,
    ) -> Result<Option<Self>, Infallible> {
        Ok(parts.extensions.get::<T>().cloned().map(Extension))
    }
}
