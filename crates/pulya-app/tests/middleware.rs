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

#[tokio::test]
async fn a_middleware_may_change_the_context_for_the_steps_after_it() {
    use std::net::SocketAddr;

    use pulya_app::extract::ConnectInfo;
    // A trusted proxy's middleware, say, that records the client's real address.
    let client = App::new()
        .middleware(from_fn(|req: Request, mut next: Next| async move {
            let forwarded = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<std::net::IpAddr>().ok());
            if let Some(ip) = forwarded {
                next.context_mut()
                    .set_peer_addr(Some(SocketAddr::new(ip, 0)));
            }
            next.run(req).await
        }))
        .get(
            "/",
            |ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() },
        )
        .test_client();
    assert_eq!(client.get("/").send().await.text(), "127.0.0.1");
    assert_eq!(
        client
            .get("/")
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .text(),
        "203.0.113.9"
    );
}

#[tokio::test]
async fn a_clone_of_next_runs_the_rest_again() {
    let calls = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&calls);
    let client = App::new()
        .get("/flaky", move || {
            let counted = Arc::clone(&counted);
            async move {
                let mut n = counted.lock().unwrap();
                *n += 1;
                if *n == 1 {
                    StatusCode::SERVICE_UNAVAILABLE.into_response()
                } else {
                    "ok".into_response()
                }
            }
        })
        // A retry: the first answer is a 503, so the rest runs once more.
        .route_middleware(from_fn(|req: Request, next: Next| async move {
            let again = next.clone();
            let (parts, _) = req.into_parts();
            let copy = || Request::from_parts(parts.clone(), pulya_app::Body::empty());
            let res = next.run(copy()).await;
            if res.status() == StatusCode::SERVICE_UNAVAILABLE {
                again.run(copy()).await
            } else {
                res
            }
        }))
        .test_client();
    assert_eq!(client.get("/flaky").send().await.text(), "ok");
    assert_eq!(*calls.lock().unwrap(), 2);
}

#[tokio::test]
async fn head_through_middleware_keeps_the_length_and_drops_the_body() {
    let client = App::new()
        .middleware(from_fn(|req: Request, next: Next| async move {
            let mut res = next.run(req).await;
            res.headers_mut().insert("x-seen", "1".parse().unwrap());
            res
        }))
        .get("/", || async { "five!" })
        .test_client();
    let res = client.head("/").send().await;
    assert_eq!(res.header("x-seen"), Some("1"));
    assert_eq!(res.header("content-length"), Some("5"));
    assert!(res.bytes().is_empty());
}

#[tokio::test]
async fn a_panic_in_app_middleware_before_routing_is_a_500() {
    let client = App::new()
        .middleware(from_fn(|req: Request, next: Next| {
            if req.uri().path() == "/boom" {
                panic!("before routing");
            }
            next.run(req)
        }))
        .get("/ok", || async { "ok" })
        .test_client();
    assert_eq!(client.get("/boom").send().await.status(), 500);
    assert_eq!(client.get("/ok").send().await.text(), "ok");
}

#[tokio::test]
async fn a_trait_middleware_with_state_of_its_own() {
    use std::sync::atomic::{AtomicU32, Ordering};
    /// Numbers the responses it sees.
    struct Counter(AtomicU32);
    impl Middleware for Counter {
        fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
            let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
            Box::pin(async move {
                let mut res = next.run(req).await;
                res.headers_mut()
                    .insert("x-n", n.to_string().parse().unwrap());
                res
            })
        }
    }
    let client = App::new()
        .middleware(Counter(AtomicU32::new(0)))
        .get("/", || async { "" })
        .test_client();
    for n in 1..=3 {
        assert_eq!(
            client.get("/").send().await.header("x-n"),
            Some(n.to_string().as_str())
        );
    }
}
