//! Pulya: a modular, fast web framework on tokio and hyper.
//!
//! This crate re-exports the Pulya crates under one name; each is usable on its own too:
//!
//! | module | crate | holds |
//! |---|---|---|
//! | (root), [`extract`] | `pulya-app` | [`App`], handlers, extractors, middleware, [`TestClient`] |
//! | [`core`] | `pulya-core` | the traits a library author implements: [`IntoResponse`], the extractor traits, [`middleware::Middleware`], [`Body`], [`RequestContext`] |
//! | [`Server`] | `pulya-server` | serving an app over HTTP/1.1 and HTTP/2 (feature `server`) |
//! | [`routing`] | `pulya-routing` | the router |
//! | [`headers`] | `pulya-headers` | a small header map |
//! | [`responses`] | `pulya-responses` | bodies, `IntoResponse`, JSON, error responses |
//! | [`di`] | `pulya-di` | dependency injection: `Container`, `Service`, request scopes; `Inject<T>` is in [`extract`] (feature `di`) |
//! | [`pool`] | `pulya-pool` | object pools |
//! | [`middleware`] | `pulya-middleware` + `pulya-app` | the chain and the standard middleware (feature `middleware`) |
//!
//! ```no_run
//! use pulya::prelude::*;
//!
//! async fn user(Path(id): Path<u64>) -> String {
//!     format!("user {id}")
//! }
//!
//! fn main() -> Result<(), pulya::ServeError> {
//!     let app = App::new()
//!         .get("/", || async { "Hello, World!" })
//!         .get("/users/{id}", user);
//!     Server::bind("127.0.0.1:3000").serve(app)
//! }
//! ```

pub use pulya_app::debug_handler;
pub use pulya_app::{
    App, AppData, AppService, Body, BoxFuture, BuildError, BuildProblem, DEFAULT_BODY_LIMIT,
    Endpoint, ErrorPages, ErrorResponse, Group, Handler, Html, IntoResponse, Json, JsonCodec,
    OnInvalid, ParamRule, Redirect, Request, RequestContext, Response, ResponseFuture, TestClient,
    TestRequest, TestResponse, TrailingSlash, extract,
};
/// WebSocket (feature `ws`): the `WebSocketUpgrade` extractor and the socket.
#[cfg(feature = "ws")]
pub use pulya_server::ws;
#[cfg(feature = "server")]
pub use pulya_server::{ServeError, Server};

/// With the feature `mimalloc`, the program's allocator is mimalloc.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub use pulya_core as core;
pub use pulya_di as di;
pub use pulya_headers as headers;
pub use pulya_pool as pool;
pub use pulya_responses as responses;
pub use pulya_routing as routing;

/// The middleware chain ([`Middleware`](middleware::Middleware), [`Next`](middleware::Next),
/// [`from_fn`](middleware::from_fn)) and, with the `middleware` feature, the standard middleware.
pub mod middleware {
    pub use pulya_app::middleware::*;
    #[cfg(feature = "middleware")]
    pub use pulya_middleware::*;
}

/// The types most apps use: `use pulya::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "server")]
    pub use crate::Server;
    #[cfg(feature = "di")]
    pub use crate::extract::Inject;
    pub use crate::extract::{ConnectInfo, Form, MatchedPath, Path, Query, State};
    pub use crate::middleware::{Middleware, Next, from_fn};
    pub use crate::{App, Html, IntoResponse, Json, Redirect, Request, Response};
    pub use http::{HeaderMap, Method, StatusCode};
}
