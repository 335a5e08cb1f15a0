//! The app under construction: routes, groups, middleware at each level, state and settings,
//! built once into an immutable [`AppService`].

use std::fmt;
use std::sync::Arc;

use http::Method;
use pulya_core::extract::{Need, Requirements};
use pulya_core::{AppData, Endpoint, Middleware};
use pulya_responses::{ErrorPages, JsonCodec, JsonConfig};
use pulya_routing::{
    Constraints, InsertError, OnInvalid, ParamRule, Router, TrailingSlash, join_paths,
};

use crate::handler::{Handler, HandlerEndpoint};
use crate::routing::{RouteEntry, Routing};
use crate::service::AppService;
use crate::test_client::TestClient;

/// The default limit of body extractors: 2 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A middleware with its priority and the order it was added in, sorted at build.
#[derive(Clone)]
struct Ordered {
    priority: i32,
    middleware: Arc<dyn Middleware>,
}

/// Sorts by priority, lower first (outermost); equal priorities keep their order. The sort is
/// stable, so the order of `list` (outer levels first, then insertion order) breaks ties.
fn sorted(mut list: Vec<Ordered>) -> Vec<Arc<dyn Middleware>> {
    list.sort_by_key(|m| m.priority);
    list.into_iter().map(|m| m.middleware).collect()
}

struct RouteDef {
    method: Method,
    path: String,
    endpoint: Box<dyn Endpoint>,
    /// The route's own middleware and, once its groups are closed, theirs before it.
    middleware: Vec<Ordered>,
    constraints: Constraints,
    /// What the handler's extractors need from the app, checked at build.
    needs: Requirements,
}

/// A mistake in an app's configuration, found by [`App::build`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildProblem {
    /// A route that the router refused (a conflict, a duplicate, a malformed path).
    Route(InsertError),
    /// A route-level call (`route_middleware`, `constrain`, `on_invalid`) made before any route
    /// was registered on the app or group; it names the call.
    NoRouteYet(&'static str),
    /// A handler's extractor needs what the app does not have, such as a `State<T>` with no
    /// `App::state` of that type.
    Unmet {
        /// The route, as `METHOD /path`, or `fallback`.
        route: String,
        /// What is missing.
        need: Need,
    },
}

impl fmt::Display for BuildProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildProblem::Route(err) => err.fmt(f),
            BuildProblem::NoRouteYet(call) => write!(
                f,
                "`{call}` applies to the route registered just before it, but there is none"
            ),
            BuildProblem::Unmet { route, need } => write!(f, "`{route}` needs {need}"),
        }
    }
}

/// The route-registering and route-configuring methods, shared by [`App`] and [`Group`].
macro_rules! route_methods {
    () => {
        /// Registers `handler` for `method` on `path` (matchit syntax: `{param}`, `{*rest}`).
        /// Conflicts are reported by [`App::build`].
        pub fn route<H: Handler<T>, T: 'static>(
            self,
            method: Method,
            path: &str,
            handler: H,
        ) -> Self {
            let mut this = self.route_endpoint(method, path, HandlerEndpoint::new(handler));
            if let Some(route) = this.routes.last_mut() {
                H::requirements(&mut route.needs);
            }
            this
        }

        /// Registers any [`Endpoint`] (a service that answers requests, such as static files)
        /// for `method` on `path`.
        pub fn route_endpoint(
            mut self,
            method: Method,
            path: &str,
            endpoint: impl Endpoint,
        ) -> Self {
            let path = join_paths(&self.prefix, path);
            self.routes.push(RouteDef {
                method,
                path,
                endpoint: Box::new(endpoint),
                middleware: Vec::new(),
                constraints: Constraints::new(),
                needs: Requirements::new(),
            });
            self
        }

        /// Registers a `GET` route; it answers `HEAD` too.
        pub fn get<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Method::GET, path, handler)
        }

        /// Registers a `POST` route.
        pub fn post<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Method::POST, path, handler)
        }

        /// Registers a `PUT` route.
        pub fn put<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Method::PUT, path, handler)
        }

        /// Registers a `PATCH` route.
        pub fn patch<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Method::PATCH, path, handler)
        }

        /// Registers a `DELETE` route.
        pub fn delete<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Method::DELETE, path, handler)
        }

        /// Adds `middleware` to the route registered just before this call, at priority 0. It
        /// runs after routing, inside the middleware of the route's groups (unless priorities
        /// say otherwise), and sees the matched route in [`Next::context`](pulya_core::Next::context).
        pub fn route_middleware(self, middleware: impl Middleware) -> Self {
            self.route_middleware_at(0, middleware)
        }

        /// [`route_middleware`](Self::route_middleware) with a priority: among the middleware
        /// of a route (its groups' and its own) lower priorities run first (outermost); equal
        /// ones keep their order, outer groups first.
        pub fn route_middleware_at(mut self, priority: i32, middleware: impl Middleware) -> Self {
            let middleware = Ordered {
                priority,
                middleware: Arc::new(middleware),
            };
            match self.routes.last_mut() {
                Some(route) => route.middleware.push(middleware),
                None => self
                    .problems
                    .push(BuildProblem::NoRouteYet("route_middleware")),
            }
            self
        }

        /// A `tower::Layer` around the route registered just before this call, at priority 0:
        /// [`route_middleware`](Self::route_middleware) of [`from_layer(layer)`](crate::middleware::from_layer).
        #[cfg(feature = "tower")]
        pub fn route_layer<L>(self, layer: L) -> Self
        where
            L: tower_layer::Layer<crate::middleware::NextService>,
            crate::middleware::LayerMiddleware<L::Service>: Middleware,
        {
            self.route_middleware(crate::middleware::from_layer(layer))
        }

        /// Mounts a `tower::Service` as the endpoint of `method` on `path`: a clone of it
        /// answers each request ([`from_service`](crate::middleware::from_service)).
        #[cfg(feature = "tower")]
        pub fn route_service<S>(self, method: Method, path: &str, service: S) -> Self
        where
            crate::middleware::ServiceEndpoint<S>: Endpoint,
        {
            self.route_endpoint(method, path, crate::middleware::from_service(service))
        }

        /// Puts `rule` on parameter `name` of the route registered just before this call, such
        /// as `.get("/orders/{id}", show).constrain("id", ParamRule::u64().range(1..=100))`. A
        /// path that breaks it matches no route (404), or answers 422 after
        /// [`on_invalid(OnInvalid::Reject)`](Self::on_invalid). A name the route does not
        /// have fails the build.
        pub fn constrain(mut self, name: &str, rule: ParamRule) -> Self {
            match self.routes.last_mut() {
                Some(route) => {
                    route.constraints = std::mem::take(&mut route.constraints).param(name, rule)
                }
                None => self.problems.push(BuildProblem::NoRouteYet("constrain")),
            }
            self
        }

        /// What a broken [`constrain`](Self::constrain) rule of the route registered just
        /// before this call answers: 404 ([`OnInvalid::NotFound`], the default) or 422 with
        /// the parameter and the reason ([`OnInvalid::Reject`]).
        pub fn on_invalid(mut self, on_invalid: OnInvalid) -> Self {
            match self.routes.last_mut() {
                Some(route) => {
                    route.constraints =
                        std::mem::take(&mut route.constraints).on_invalid(on_invalid)
                }
                None => self.problems.push(BuildProblem::NoRouteYet("on_invalid")),
            }
            self
        }

        /// Registers the routes that `build` adds to a group under `prefix` (appended to this
        /// one's), such as `.group("/api", |g| g.get("/users", list))` for `/api/users`. The
        /// group's [`middleware`](Group::middleware) runs for its routes only.
        pub fn group(mut self, prefix: &str, build: impl FnOnce(Group) -> Group) -> Self {
            let group = build(Group {
                prefix: join_paths(&self.prefix, prefix),
                routes: Vec::new(),
                middleware: Vec::new(),
                problems: Vec::new(),
            });
            self.problems.extend(group.problems);
            for mut route in group.routes {
                let own = std::mem::take(&mut route.middleware);
                route.middleware = group.middleware.iter().cloned().chain(own).collect();
                self.routes.push(route);
            }
            self
        }
    };
}

/// Routes under a common path prefix, with middleware of their own; made by [`App::group`].
///
/// ```
/// use pulya_app::{App, Next, Request, middleware::from_fn};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let client = App::new()
///     .get("/", || async { "home" })
///     .group("/admin", |g| {
///         g.middleware(from_fn(|req: Request, next: Next| async move {
///             let mut res = next.run(req).await;
///             res.headers_mut().insert("x-admin", "1".parse().unwrap());
///             res
///         }))
///         .get("/stats", || async { "stats" })
///     })
///     .test_client();
/// assert_eq!(client.get("/admin/stats").send().await.header("x-admin"), Some("1"));
/// assert_eq!(client.get("/").send().await.header("x-admin"), None);
/// # }
/// ```
pub struct Group {
    prefix: String,
    routes: Vec<RouteDef>,
    middleware: Vec<Ordered>,
    problems: Vec<BuildProblem>,
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("prefix", &self.prefix)
            .field("routes", &self.routes.len())
            .field("middleware", &self.middleware.len())
            .finish()
    }
}

impl Group {
    route_methods!();

    /// Adds a middleware to every route of this group (and of the groups inside it), at
    /// priority 0. It runs after routing, so it sees the matched route; requests that match
    /// none of the group's routes never reach it.
    pub fn middleware(self, middleware: impl Middleware) -> Self {
        self.middleware_at(0, middleware)
    }

    /// A `tower::Layer` around every route of this group, at priority 0: the group's
    /// [`middleware`](Self::middleware) of [`from_layer(layer)`](crate::middleware::from_layer).
    #[cfg(feature = "tower")]
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: tower_layer::Layer<crate::middleware::NextService>,
        crate::middleware::LayerMiddleware<L::Service>: Middleware,
    {
        self.middleware(crate::middleware::from_layer(layer))
    }

    /// [`middleware`](Self::middleware) with a priority: lower runs first (outermost); see
    /// [`App::route_middleware_at`].
    pub fn middleware_at(mut self, priority: i32, middleware: impl Middleware) -> Self {
        self.middleware.push(Ordered {
            priority,
            middleware: Arc::new(middleware),
        });
        self
    }
}

/// An application under construction: routes, fallback, state, middleware and settings.
///
/// Nothing here runs per request: [`App::build`] inserts the routes into the router, composes
/// the middleware chains and freezes everything into an [`AppService`].
///
/// ```
/// use pulya_app::{App, extract::Path};
///
/// # async fn run() {
/// let app = App::new()
///     .get("/plaintext", || async { "Hello, World!" })
///     .group("/users", |g| g.get("/{id}", |Path(id): Path<u64>| async move { format!("user {id}") }));
///
/// let res = app.test_client().get("/users/7").send().await;
/// assert_eq!(res.text(), "user 7");
/// # }
/// ```
pub struct App {
    prefix: String,
    routes: Vec<RouteDef>,
    problems: Vec<BuildProblem>,
    fallback: Option<Box<dyn Endpoint>>,
    fallback_needs: Requirements,
    data: AppData,
    middleware: Vec<Ordered>,
    trailing_slash: TrailingSlash,
    route_cache: usize,
    pages: ErrorPages,
    json_decode: JsonCodec,
    json_encode: JsonCodec,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("routes", &self.routes.len())
            .field("middleware", &self.middleware.len())
            .field("data", &self.data)
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app with no routes, a body limit of [`DEFAULT_BODY_LIMIT`] and no middleware.
    pub fn new() -> Self {
        Self {
            prefix: String::new(),
            routes: Vec::new(),
            problems: Vec::new(),
            fallback: None,
            fallback_needs: Requirements::new(),
            data: AppData::new(DEFAULT_BODY_LIMIT),
            middleware: Vec::new(),
            trailing_slash: TrailingSlash::Strict,
            route_cache: 0,
            pages: ErrorPages::default(),
            json_decode: JsonCodec::DEFAULT_DECODE,
            json_encode: JsonCodec::DEFAULT_ENCODE,
        }
    }

    route_methods!();

    /// The handler for requests that match no route, instead of the default JSON 404.
    pub fn fallback<H: Handler<T>, T: 'static>(mut self, handler: H) -> Self {
        self.fallback = Some(Box::new(HandlerEndpoint::new(handler)));
        self.fallback_needs = Requirements::new();
        H::requirements(&mut self.fallback_needs);
        self
    }

    /// Any [`Endpoint`] for requests that match no route, instead of the default JSON 404.
    pub fn fallback_endpoint(mut self, endpoint: impl Endpoint) -> Self {
        self.fallback = Some(Box::new(endpoint));
        self.fallback_needs = Requirements::new();
        self
    }

    /// A `tower::Service` for requests that match no route, instead of the default JSON 404:
    /// [`fallback_endpoint`](Self::fallback_endpoint) of
    /// [`from_service(service)`](crate::middleware::from_service).
    #[cfg(feature = "tower")]
    pub fn fallback_service<S>(self, service: S) -> Self
    where
        crate::middleware::ServiceEndpoint<S>: Endpoint,
    {
        self.fallback_endpoint(crate::middleware::from_service(service))
    }

    /// Shared state for the [`State`](crate::extract::State) extractor. One value per type; a
    /// second value of the same type replaces the first.
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.data.insert(value);
        self
    }

    /// The dependency-injection container that the [`Inject<T>`](crate::extract::Inject)
    /// extractor resolves from; [`App::build`] fails, naming the route and the type, when a
    /// handler injects a service the container does not register.
    ///
    /// **State or container?** [`App::state`] is for values that exist before the app does
    /// and are only shared (a config, a client that is cheap to clone): a handler gets a
    /// clone, found by one hash-map probe. The container is for services built from other
    /// services, lazily or asynchronously, and for anything with a lifetime of its own: a
    /// request-scoped service (a database transaction) is built on the request's first use
    /// and disposed after its response has been sent; singletons are disposed by
    /// [`Container::shutdown`](pulya_di::Container::shutdown). The container is itself app
    /// state (`State<Arc<Container>>` reaches it).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pulya_app::{App, extract::Inject};
    /// use pulya_di::{Container, Service};
    ///
    /// struct Greeting(&'static str);
    ///
    /// async fn hello(Inject(greeting): Inject<Greeting>) -> &'static str {
    ///     greeting.0
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// assert!(App::new().get("/", hello).build().is_err(), "no container: refused at build");
    /// let container = Container::builder()
    ///     .provide(Service::singleton(|()| async { Ok::<_, std::io::Error>(Greeting("hi")) }))
    ///     .build()
    ///     .unwrap();
    /// let client = App::new().container(container).get("/", hello).test_client();
    /// assert_eq!(client.get("/").send().await.text(), "hi");
    /// # }
    /// ```
    #[cfg(feature = "di")]
    pub fn container(self, container: Arc<pulya_di::Container>) -> Self {
        self.state(container)
    }

    /// Adds a middleware around the whole app, at priority 0: it sees every request before
    /// routing and every response after, 404 and 405 included. With equal priorities the first
    /// one added is the outermost: it sees the request first and the response last.
    pub fn middleware(self, middleware: impl Middleware) -> Self {
        self.middleware_at(0, middleware)
    }

    /// A `tower::Layer` around the whole app, at priority 0: the app's
    /// [`middleware`](Self::middleware) of [`from_layer(layer)`](crate::middleware::from_layer),
    /// so that tower-http's layers plug in.
    ///
    /// ```
    /// use pulya_app::App;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let client = App::new()
    ///     .get("/", || async { "hi" })
    ///     .layer(tower::util::MapResponseLayer::new(|mut res: http::Response<pulya_app::Body>| {
    ///         res.headers_mut().insert("x-layer", "tower".parse().unwrap());
    ///         res
    ///     }))
    ///     .test_client();
    /// assert_eq!(client.get("/").send().await.header("x-layer"), Some("tower"));
    /// # }
    /// ```
    #[cfg(feature = "tower")]
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: tower_layer::Layer<crate::middleware::NextService>,
        crate::middleware::LayerMiddleware<L::Service>: Middleware,
    {
        self.middleware(crate::middleware::from_layer(layer))
    }

    /// [`middleware`](Self::middleware) with a priority: lower runs first (outermost), equal
    /// ones in the order added. Sorted once, at build.
    pub fn middleware_at(mut self, priority: i32, middleware: impl Middleware) -> Self {
        self.middleware.push(Ordered {
            priority,
            middleware: Arc::new(middleware),
        });
        self
    }

    /// The most bytes the body extractors (`Bytes`, `String`, `Json`, `Form`) read; a larger
    /// body is answered with 413. Default: [`DEFAULT_BODY_LIMIT`] (2 MiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.data.set_body_limit(bytes);
        self
    }

    /// What a path that differs from a route only by a trailing slash gets: 404 (`Strict`, the
    /// default), a `308 Permanent Redirect` to the route's form (`Redirect`, query string kept),
    /// or the route itself (`Ignore`).
    pub fn trailing_slash(mut self, policy: TrailingSlash) -> Self {
        self.trailing_slash = policy;
        self
    }

    /// Keeps the matches of recent dynamic paths in a per-thread cache of `capacity` slots
    /// (`0`, the default, for none). It pays when traffic repeats paths; see
    /// `pulya_routing::Router::set_cache_capacity` and docs/performance.md.
    pub fn route_cache(mut self, capacity: usize) -> Self {
        self.route_cache = capacity;
        self
    }

    /// The pages of the app's own errors (404 without a route, 405, the 500 of a panic),
    /// pre-encoded; replace them for HTML error pages, say. Default: Pulya's JSON error bodies.
    pub fn error_pages(mut self, pages: ErrorPages) -> Self {
        self.pages = pages;
        self
    }

    /// The JSON implementation that parses request bodies (the [`Json`](crate::extract::Json)
    /// extractor). Default: [`JsonCodec::DEFAULT_DECODE`], the faster one as measured.
    pub fn json_decoder(mut self, codec: JsonCodec) -> Self {
        self.json_decode = codec;
        self
    }

    /// The JSON implementation that writes [`Json`](crate::extract::Json) responses of this
    /// app: a handler's at once, and one converted with no app at hand (inside `tokio::spawn`,
    /// in a middleware) when its response passes back through the app. Default:
    /// [`JsonCodec::DEFAULT_ENCODE`].
    pub fn json_encoder(mut self, codec: JsonCodec) -> Self {
        self.json_encode = codec;
        self
    }

    /// Inserts the routes, composes each route's middleware chain and the app's, and freezes
    /// the app. Fails with every problem found, each named: a route that could not be
    /// inserted, a route-level call with no route before it, an extractor whose need the app
    /// does not meet (a `State<T>` with no `App::state` of `T`).
    pub fn build(self) -> Result<AppService, BuildError> {
        let mut router = Router::new();
        router.set_trailing_slash(self.trailing_slash);
        router.set_cache_capacity(self.route_cache);
        let mut problems = self.problems;
        let mut data = self.data;
        let unmet = |route: String, needs: &Requirements| {
            needs
                .iter()
                .filter(|need| match need {
                    Need::State { type_id, .. } => !data.contains(*type_id),
                    Need::Service { type_id, .. } => !provides(&data, *type_id),
                    _ => false,
                })
                .map(|&need| BuildProblem::Unmet {
                    route: route.clone(),
                    need,
                })
                .collect::<Vec<_>>()
        };
        for def in &self.routes {
            problems.extend(unmet(format!("{} {}", def.method, def.path), &def.needs));
        }
        problems.extend(unmet("fallback".to_owned(), &self.fallback_needs));
        for def in self.routes {
            let entry = RouteEntry::new(&mut data, &def.path, sorted(def.middleware), def.endpoint);
            if let Err(err) = router.insert_with(def.method, &def.path, entry, def.constraints) {
                problems.push(BuildProblem::Route(err));
            }
        }
        if !problems.is_empty() {
            return Err(BuildError { problems });
        }
        data.insert(JsonConfig {
            decode: self.json_decode,
            encode: self.json_encode,
        });
        let routing = Routing::new(router, self.fallback, self.pages);
        Ok(AppService::new(routing, sorted(self.middleware), data))
    }

    /// Builds the app and returns an in-process client for it (no sockets).
    ///
    /// # Panics
    /// When [`App::build`] fails, with its message: a test of a misconfigured app should fail.
    pub fn test_client(self) -> TestClient {
        match self.build() {
            Ok(service) => service.test_client(),
            Err(err) => panic!("{err}"),
        }
    }
}

/// What [`App::build`] found wrong: every problem, each named.
///
/// ```
/// use pulya_app::{App, BuildProblem, extract::State};
///
/// let err = App::new()
///     .get("/a/{id}", || async { "" })
///     .get("/a/{name}", || async { "" })
///     .get("/b", |State(n): State<u32>| async move { n.to_string() })
///     .build()
///     .unwrap_err();
/// assert_eq!(err.problems().len(), 2);
/// assert!(matches!(err.problems()[0], BuildProblem::Unmet { .. }));
/// assert!(err.to_string().contains("`GET /b` needs app state of type `u32`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    problems: Vec<BuildProblem>,
}

impl BuildError {
    /// One entry per problem, in the order found.
    pub fn problems(&self) -> &[BuildProblem] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the app is misconfigured:")?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

/// Whether the app's container (if it has one) registers the service `id` names.
fn provides(data: &AppData, id: std::any::TypeId) -> bool {
    #[cfg(feature = "di")]
    if let Some(container) = data.get::<Arc<pulya_di::Container>>() {
        return container.provides_id(id);
    }
    let _ = (data, id);
    false
}
