//! Routing as the app makes it: 404, 405 with `Allow`, `HEAD`, trailing slashes, fallbacks,
//! endpoints, and the list of routes.

use http::Method;
use pulya_app::extract::Path;
use pulya_app::{
    App, Body, BoxFuture, Endpoint, OnInvalid, ParamRule, Request, RequestContext, Response,
    TrailingSlash,
};

fn error_status(res: &pulya_app::TestResponse) -> u64 {
    let body: serde_json::Value = res.json();
    body["status"].as_u64().unwrap()
}

#[tokio::test]
async fn method_not_allowed_lists_every_method_of_the_path_across_groups() {
    let client = App::new()
        .get("/items", || async { "list" })
        .group("/items", |g| g.post("", || async { "create" }))
        .delete("/items", || async { "clear" })
        .test_client();
    let res = client.put("/items").send().await;
    assert_eq!(res.status(), 405);
    assert_eq!(res.header("allow"), Some("GET, HEAD, POST, DELETE"));
    assert_eq!(error_status(&res), 405);
    assert_eq!(client.post("/items").send().await.text(), "create");
}

#[tokio::test]
async fn head_answers_with_gets_headers_and_length_and_no_body() {
    let client = App::new()
        .get("/doc", || async { "twelve bytes" })
        .get("/json", || async {
            pulya_app::Json(serde_json::json!({"a": 1}))
        })
        .test_client();
    let res = client.head("/doc").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-length"), Some("12"));
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(res.bytes().is_empty());
    let res = client.head("/json").send().await;
    assert_eq!(res.header("content-length"), Some("7"));
    assert!(res.bytes().is_empty());
    assert_eq!(client.head("/nowhere").send().await.status(), 404);
}

#[tokio::test]
async fn trailing_slash_policies() {
    let routes = |policy| {
        App::new()
            .trailing_slash(policy)
            .get("/a", || async { "a" })
            .get("/b/", || async { "b" })
            .test_client()
    };
    let strict = routes(TrailingSlash::Strict);
    assert_eq!(strict.get("/a/").send().await.status(), 404);
    assert_eq!(strict.get("/b").send().await.status(), 404);

    let redirect = routes(TrailingSlash::Redirect);
    let res = redirect.get("/a/?x=1").send().await;
    assert_eq!(res.status(), 308);
    assert_eq!(res.header("location"), Some("/a?x=1"));
    assert_eq!(
        redirect.get("/b").send().await.header("location"),
        Some("/b/")
    );

    let ignore = routes(TrailingSlash::Ignore);
    assert_eq!(ignore.get("/a/").send().await.text(), "a");
    assert_eq!(ignore.get("/b").send().await.text(), "b");
}

/// An endpoint of the user's: answers with the method and the matched route.
struct Describe;

impl Endpoint for Describe {
    fn call(&self, req: Request, cx: RequestContext) -> BoxFuture<'static, Response> {
        let text = format!(
            "{} {}",
            req.method(),
            cx.matched_path().map_or("-", |p| p.as_str())
        );
        Box::pin(async move { Response::new(Body::from(text)) })
    }
}

#[tokio::test]
async fn endpoints_serve_routes_and_the_fallback() {
    let client = App::new()
        .route_endpoint(Method::GET, "/e/{*rest}", Describe)
        .group("/g", |g| g.route_endpoint(Method::PATCH, "/x", Describe))
        .fallback_endpoint(Describe)
        .test_client();
    assert_eq!(client.get("/e/a/b").send().await.text(), "GET /e/{*rest}");
    assert_eq!(client.patch("/g/x").send().await.text(), "PATCH /g/x");
    assert_eq!(client.delete("/other").send().await.text(), "DELETE -");
}

#[tokio::test]
async fn constraints_of_several_kinds_and_params_in_groups() {
    let client = App::new()
        .group("/v1", |g| {
            g.get("/users/{id}", |Path(id): Path<String>| async move { id })
                .constrain("id", ParamRule::uuid())
                .get(
                    "/posts/{slug}",
                    |Path(slug): Path<String>| async move { slug },
                )
                .constrain("slug", ParamRule::string().len(3..=8))
                .on_invalid(OnInvalid::Reject)
        })
        .test_client();
    let uuid = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        client.get(&format!("/v1/users/{uuid}")).send().await.text(),
        uuid
    );
    assert_eq!(client.get("/v1/users/42").send().await.status(), 404);
    assert_eq!(client.get("/v1/posts/hello").send().await.text(), "hello");
    let res = client.get("/v1/posts/hi").send().await;
    assert_eq!(res.status(), 422);
    assert_eq!(error_status(&res), 422);
}

#[test]
fn routes_lists_every_route_with_its_methods() {
    let app = App::new()
        .get("/", || async { "" })
        .group("/api", |g| {
            g.post("/items", || async { "" })
                .get("/items", || async { "" })
        })
        .build()
        .unwrap();
    let mut routes: Vec<String> = app.routes().map(|r| format!("{r:?}")).collect();
    routes.sort();
    assert_eq!(routes.len(), 2, "{routes:?}");
    assert!(
        routes.iter().any(|r| r.contains("/api/items")),
        "{routes:?}"
    );
}

#[tokio::test]
async fn the_same_app_answers_many_requests_in_parallel() {
    let app = App::new()
        .get(
            "/n/{n}",
            |Path(n): Path<u32>| async move { (n * 2).to_string() },
        )
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for n in 0..64u32 {
        let client = app.test_client();
        tasks.push(tokio::spawn(async move {
            client.get(&format!("/n/{n}")).send().await.text() == (n * 2).to_string()
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap());
    }
}

#[tokio::test]
async fn call_from_gives_the_peer_and_call_gives_none() {
    use std::net::SocketAddr;

    use pulya_app::extract::ConnectInfo;
    let app = App::new()
        .get("/", |peer: Option<ConnectInfo<SocketAddr>>| async move {
            format!("{:?}", peer.map(|ConnectInfo(addr)| addr.port()))
        })
        .build()
        .unwrap();
    let req = || http::Request::get("/").body(Body::empty()).unwrap();
    let res = app.call_from(req(), "10.0.0.1:4242".parse().unwrap()).await;
    assert_eq!(res.body().as_bytes(), Some(&b"Some(4242)"[..]));
    let res = app.call(req()).await;
    assert_eq!(res.body().as_bytes(), Some(&b"None"[..]));
}

#[tokio::test]
async fn head_of_a_json_made_by_middleware_keeps_its_length() {
    use pulya_app::middleware::from_fn;
    use pulya_app::{IntoResponse, Json, Next};
    // The middleware converts with no app at hand; the app renders the body, then drops it
    // for HEAD, keeping the length.
    let client = App::new()
        .middleware(from_fn(|_: Request, _: Next| async move {
            Json(serde_json::json!({"ok": true})).into_response()
        }))
        .get("/", || async { "" })
        .test_client();
    let res = client.head("/").send().await;
    assert_eq!(res.header("content-length"), Some("11"));
    assert!(res.bytes().is_empty());
    assert_eq!(client.get("/").send().await.text(), r#"{"ok":true}"#);
}
