//! Middleware at the app, group and route levels: order, priorities, short-circuiting, scope,
//! and the facts middleware after routing can read.

use std::sync::{Arc, Mutex};

use http::StatusCode;
use pulya_app::middleware::from_fn;
use pulya_app::{App, BoxFuture, BuildProblem, IntoResponse, Middleware, Next, Request, Response};

type Log = Arc<Mutex<Vec<String>>>;

/// Records its name on the way in and `/name` on the way out.
struct Record {
    name: &'static str,
    log: Log,
}

impl Middleware for Record {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        let name = self.name;
        let log = Arc::clone(&self.log);
        log.lock().unwrap().push(name.to_owned());
        Box::pin(async move {
            let res = next.run(req).await;
            log.lock().unwrap().push(format!("/{name}"));
            res
        })
    }
}

fn record(name: &'static str, log: &Log) -> Record {
    Record {
        name,
        log: Arc::clone(log),
    }
}

fn taken(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

#[tokio::test]
async fn five_middleware_on_three_levels_run_in_level_then_priority_order() {
    let log = Log::default();
    let client = App::new()
        .middleware(record("app-b", &log))
        .middleware_at(-1, record("app-a", &log))
        .group("/api", |g| {
            g.middleware(record("group", &log))
                .get("/items", || async { "items" })
                .route_middleware(record("route", &log))
                .route_middleware_at(-5, record("route-first", &log))
        })
        .test_client();
    let res = client.get("/api/items").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "items");
    assert_eq!(
        taken(&log),
        [
            "app-a",
            "app-b",
            "route-first",
            "group",
            "route",
            "/route",
            "/group",
            "/route-first",
            "/app-b",
            "/app-a"
        ]
    );
}

#[tokio::test]
async fn equal_priorities_keep_the_order_they_were_added_in() {
    let log = Log::default();
    let mut app = App::new().get("/", || async { "" });
    for name in ["m0", "m1", "m2", "m3", "m4"] {
        app = app.middleware_at(3, record(name, &log));
    }
    app.test_client().get("/").send().await;
    assert_eq!(
        taken(&log),
        [
            "m0", "m1", "m2", "m3", "m4", "/m4", "/m3", "/m2", "/m1", "/m0"
        ]
    );
}

#[tokio::test]
async fn a_groups_middleware_sees_only_that_groups_routes() {
    let log = Log::default();
    let client = App::new()
        .get("/public", || async { "public" })
        .group("/admin", |g| {
            g.middleware(record("admin", &log))
                .get("/stats", || async { "stats" })
                .group("/deep", |g| {
                    g.middleware(record("deep", &log))
                        .get("/x", || async { "x" })
                })
        })
        .test_client();

    assert_eq!(client.get("/public").send().await.text(), "public");
    assert_eq!(client.get("/admin/nothing").send().await.status(), 404);
    assert!(
        taken(&log).is_empty(),
        "neither another route nor a 404 reaches the group"
    );

    client.get("/admin/stats").send().await;
    assert_eq!(taken(&log), ["admin", "/admin"]);

    client.get("/admin/deep/x").send().await;
    assert_eq!(taken(&log), ["admin", "deep", "/deep", "/admin"]);
}

#[tokio::test]
async fn app_middleware_sees_404_and_405_and_route_middleware_does_not() {
    let log = Log::default();
    let client = App::new()
        .middleware(record("app", &log))
        .get("/only-get", || async { "" })
        .route_middleware(record("route", &log))
        .test_client();
    assert_eq!(client.get("/missing").send().await.status(), 404);
    assert_eq!(taken(&log), ["app", "/app"]);
    assert_eq!(client.post("/only-get").send().await.status(), 405);
    assert_eq!(taken(&log), ["app", "/app"]);
}

#[tokio::test]
async fn middleware_short_circuits_at_every_level() {
    let deny = || {
        from_fn(|req: Request, next: Next| async move {
            if req.headers().contains_key("x-key") {
                next.run(req).await
            } else {
                StatusCode::FORBIDDEN.into_response()
            }
        })
    };
    let reached = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&reached);
    let client = App::new()
        .group("/g", |g| {
            g.middleware(deny()).get("/x", move || {
                let counted = Arc::clone(&counted);
                async move {
                    *counted.lock().unwrap() += 1;
                    "in"
                }
            })
        })
        .get("/r", || async { "in" })
        .route_middleware(deny())
        .test_client();
    for path in ["/g/x", "/r"] {
        assert_eq!(client.get(path).send().await.status(), 403, "{path}");
        let ok = client.get(path).header("x-key", "1").send().await;
        assert_eq!(ok.text(), "in", "{path}");
    }
    assert_eq!(*reached.lock().unwrap(), 1);
}

#[tokio::test]
async fn middleware_after_routing_reads_the_matched_route_and_its_params() {
    let client = App::new()
        .group("/users", |g| {
            g.middleware(from_fn(|req: Request, next: Next| async move {
                let cx = next.context();
                let route = cx.matched_path().map(|p| p.as_str().to_owned());
                let params: Vec<String> = cx
                    .params(req.uri().path())
                    .flatten()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect();
                let mut res = next.run(req).await;
                res.headers_mut()
                    .insert("x-route", route.unwrap_or_default().parse().unwrap());
                res.headers_mut()
                    .insert("x-params", params.join(",").parse().unwrap());
                res
            }))
            .get("/{id}/posts/{post}", || async { "" })
        })
        .test_client();
    let res = client.get("/users/7/posts/x%20y").send().await;
    assert_eq!(res.header("x-route"), Some("/users/{id}/posts/{post}"));
    assert_eq!(res.header("x-params"), Some("id=7,post=x%20y"));
}

#[tokio::test]
async fn app_middleware_runs_before_routing_and_has_no_route_yet() {
    let client = App::new()
        .middleware(from_fn(|req: Request, next: Next| async move {
            let before = next.context().matched_path().is_none();
            let peer = next.context().peer_addr();
            let mut res = next.run(req).await;
            res.headers_mut()
                .insert("x-before", before.to_string().parse().unwrap());
            res.headers_mut()
                .insert("x-peer", format!("{peer:?}").parse().unwrap());
            res
        }))
        .get("/", || async { "" })
        .test_client();
    let res = client.get("/").send().await;
    assert_eq!(res.header("x-before"), Some("true"));
    assert_eq!(res.header("x-peer"), Some("Some(127.0.0.1:1)"));
}

#[tokio::test]
async fn a_panicking_route_middleware_is_a_500_and_the_app_keeps_serving() {
    let client = App::new()
        .get("/boom", || async { "" })
        .route_middleware(from_fn(|_: Request, _: Next| async move {
            if true {
                panic!("middleware failed");
            }
            ""
        }))
        .get("/ok", || async { "ok" })
        .test_client();
    let res = client.get("/boom").send().await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.json::<serde_json::Value>()["status"], 500);
    assert_eq!(client.get("/ok").send().await.text(), "ok");
}

#[test]
fn a_route_level_call_before_any_route_fails_the_build() {
    let err = App::new()
        .route_middleware(from_fn(|req: Request, next: Next| next.run(req)))
        .group("/g", |g| g.constrain("id", pulya_app::ParamRule::u64()))
        .get("/", || async { "" })
        .build()
        .unwrap_err();
    assert_eq!(
        err.problems(),
        [
            BuildProblem::NoRouteYet("route_middleware"),
            BuildProblem::NoRouteYet("constrain")
        ]
    );
    let text = err.to_string();
    assert!(
        text.contains("`route_middleware` applies to the route registered just before it"),
        "{text}"
    );
}
