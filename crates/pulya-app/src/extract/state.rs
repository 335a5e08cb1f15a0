//! App state and request extensions.

use std::any::type_name;

use http::request::Parts;

use super::{FromRequestParts, Rejection};
use crate::RequestContext;
use pulya_core::extract::Requirements;

/// App state registered with [`App::state`](crate::App::state), cloned for the handler.
///
/// Wrap large or shared state in an `Arc` so that the clone is cheap. A route whose handler
/// asks for a type that was never registered fails [`App::build`](crate::App::build), which
/// names the route and the type; finding it per request is one hash-map probe.
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
    type Rejection = Rejection;

    fn requirements(needs: &mut Requirements) {
        needs.state::<T>();
    }

    async fn from_request_parts(_: &mut Parts, cx: &RequestContext) -> Result<Self, Rejection> {
        cx.state::<T>().cloned().map(State).ok_or_else(|| {
            Rejection::internal(format!(
                "no app state of type `{}`: register it with `App::state`",
                type_name::<T>()
            ))
        })
    }
}

/// A value a middleware put into the request's extensions, cloned for the handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extension<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequestParts for Extension<T> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _: &RequestContext) -> Result<Self, Rejection> {
        parts
            .extensions
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or_else(|| {
                Rejection::internal(format!(
                    "no request extension of type `{}`: is the middleware that adds it installed?",
                    type_name::<T>()
                ))
            })
    }
}
