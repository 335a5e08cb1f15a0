//! The Pulya request model: [`App`], handlers, extractors, middleware, and an in-process
//! [`TestClient`]. No sockets: `pulya-server` serves an app over TCP.
//!
//! An app is a set of routes, each a method, a path and a [`Handler`] (an `async fn` taking
//! [extractors](extract) and returning something that implements [`IntoResponse`]). Building it
//! inserts the routes into the router and freezes everything into an [`AppService`], whose
//! [`call`](AppService::call) answers a [`Request`].
//!
//! ```
//! use pulya_app::{App, extract::{Json, Path}};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct User { id: u64, name: String }
//!
//! async fn show(Path(id): Path<u64>) -> Json<User> {
//!     Json(User { id, name: "Ada".into() })
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let client = App::new().get("/users/{id}", show).test_client();
//! let res = client.get("/users/7").send().await;
//! assert_eq!(res.status(), 200);
//! assert_eq!(res.json::<User>().id, 7);
//! assert_eq!(client.get("/users/x").send().await.status(), 400);
//! assert_eq!(client.post("/users/7").send().await.header("allow"), Some("GET, HEAD"));
//! # }
//! ```
//!
//! Errors answer with Pulya's one error shape, `{"error":"…","status":N}`: 404 for no route, 405
//! with `Allow` for a wrong method, 400/413/415/422 for requests the extractors refuse (each
//! with its own rejection type), and 500 for a handler that panicked (the app keeps serving).
//!
//! Middleware goes on the app ([`App::middleware`], before routing), a [`Group`] or one route
//! ([`App::route_middleware`]), ordered by priority once at build; with the `tower` feature
//! (on by default) a `tower::Layer` goes to the same places (`App::layer`), a `tower::Service`
//! is an endpoint (`App::route_service`), and an [`AppService`] is a `tower::Service`.
//! [`App::build`] checks what the handlers' extractors need (a `State<T>` registered) and
//! reports every problem at once. The traits (`IntoResponse`, the extractor traits,
//! `Middleware`) are `pulya-core`'s.

mod app;
pub mod extract;
mod handler;
pub mod middleware;
mod routing;
mod service;
mod test_client;
#[cfg(feature = "tower")]
mod tower;

pub use app::{App, BuildError, BuildProblem, DEFAULT_BODY_LIMIT, Group};
pub use handler::Handler;
pub use middleware::{Endpoint, Middleware, Next};
pub use pulya_core::{
    AppData, Body, BoxError, BoxFuture, ErrorResponse, IntoResponse, Request, RequestContext,
    Response,
};
pub use pulya_responses::{ErrorPages, Html, Json, JsonCodec, Redirect};
pub use pulya_routing::{OnInvalid, ParamRule, TrailingSlash};
pub use service::{AppService, ResponseFuture};
pub use test_client::{TestClient, TestRequest, TestResponse};

/// What [`debug_handler!`] expands to; not a public API.
#[doc(hidden)]
pub mod __private {
    use pulya_core::IntoResponse;
    use pulya_core::extract::{FromRequest, FromRequestParts};

    /// An argument before the last must read only the request head.
    pub fn assert_parts<T: FromRequestParts>() {}
    /// The last argument may read the body.
    pub fn assert_request<T: FromRequest<M>, M>() {}
    /// The result must become a response.
    pub fn assert_response<T: IntoResponse>() {}
}
