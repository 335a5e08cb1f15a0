//! Extractors one by one: the head (method, URI, version, headers), the whole request, the raw
//! body, extensions from middleware, state, path parameters past the inline four, and bodies
//! by content type.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri, Version};
use http_body_util::BodyExt;
use pulya_app::extract::{Extension, Form, Path, State};
use pulya_app::middleware::from_fn;
use pulya_app::{App, Body, Json, Next, Request};
use serde::{Deserialize, Serialize};

#[tokio::test]
async fn the_head_extractors() {
    let client = App::new()
        .route(
            Method::OPTIONS,
            "/m",
            |m: Method| async move { m.to_string() },
        )
        .get("/u", |u: Uri| async move { u.to_string() })
        .get("/v", |v: Version| async move { format!("{v:?}") })
        .get("/h", |h: HeaderMap| async move {
            h.get("x-a")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_owned()
        })
        .test_client();
    assert_eq!(
        client.request(Method::OPTIONS, "/m").send().await.text(),
        "OPTIONS"
    );
    assert_eq!(client.get("/u?x=1").send().await.text(), "/u?x=1");
    assert_eq!(client.get("/v").send().await.text(), "HTTP/1.1");
    assert_eq!(client.get("/h").header("x-a", "1").send().await.text(), "1");
    assert_eq!(client.get("/h").send().await.text(), "none");
}

#[tokio::test]
async fn the_whole_request_and_the_raw_body_as_last_arguments() {
    let client = App::new()
        .post("/req", |m: Method, req: Request| async move {
            let (parts, body) = req.into_parts();
            let bytes = body.collect().await.unwrap().to_bytes();
            format!("{m} {} {}", parts.uri.path(), bytes.len())
        })
        .post("/stream", |body: Body| async move {
            let mut frames = 0;
            let mut body = body;
            while let Some(frame) = body.frame().await {
                if frame.unwrap().is_data() {
                    frames += 1;
                }
            }
            frames.to_string()
        })
        .post("/bytes", |b: Bytes| async move { b })
        .test_client();
    assert_eq!(
        client.post("/req").body("abc").send().await.text(),
        "POST /req 3"
    );
    assert_eq!(client.post("/stream").body("abc").send().await.text(), "1");
    assert_eq!(client.post("/stream").send().await.text(), "0");
    let res = client.post("/bytes").body(vec![0u8, 1, 2]).send().await;
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    assert_eq!(&res.bytes()[..], &[0, 1, 2]);
}

#[derive(Clone, Debug, PartialEq)]
struct User(&'static str);

#[tokio::test]
async fn extensions_set_by_middleware_reach_the_handler() {
    let client = App::new()
        .group("/me", |g| {
            g.middleware(from_fn(|mut req: Request, next: Next| async move {
                if req.headers().contains_key("authorization") {
                    req.extensions_mut().insert(User("ada"));
                }
                next.run(req).await
            }))
            .get("", |Extension(user): Extension<User>| async move { user.0 })
            .get("/maybe", |user: Option<Extension<User>>| async move {
                user.map_or("anonymous", |Extension(u)| u.0)
            })
        })
        .test_client();
    assert_eq!(
        client
            .get("/me")
            .header("authorization", "x")
            .send()
            .await
            .text(),
        "ada"
    );
    assert_eq!(client.get("/me").send().await.status(), 500);
    assert_eq!(client.get("/me/maybe").send().await.text(), "anonymous");
}

#[tokio::test]
async fn state_in_an_arc_is_shared_not_copied() {
    #[derive(Clone)]
    struct Shared(Arc<Vec<u8>>);
    let data = Shared(Arc::new(vec![1, 2, 3]));
    let ptr = Arc::as_ptr(&data.0) as usize;
    let client = App::new()
        .state(data)
        .get("/", move |State(s): State<Shared>| async move {
            (Arc::as_ptr(&s.0) as usize == ptr).to_string()
        })
        .test_client();
    assert_eq!(client.get("/").send().await.text(), "true");
}

#[tokio::test]
async fn path_params_past_the_inline_four() {
    let client = App::new()
        .get(
            "/{a}/{b}/{c}/{d}/{e}/{f}",
            |Path(p): Path<(u8, u8, u8, u8, u8, String)>| async move {
                format!("{}{}{}{}{}{}", p.0, p.1, p.2, p.3, p.4, p.5)
            },
        )
        .test_client();
    assert_eq!(client.get("/1/2/3/4/5/six").send().await.text(), "12345six");
    assert_eq!(client.get("/1/2/3/4/x/six").send().await.status(), 400);
}

#[tokio::test]
async fn path_params_of_the_wrong_count_or_a_rewritten_path() {
    let client = App::new()
        .get("/one/{a}", |Path(p): Path<(u8, u8)>| async move {
            format!("{p:?}")
        })
        .group("/rw", |g| {
            g.middleware(from_fn(|mut req: Request, next: Next| async move {
                *req.uri_mut() = Uri::from_static("/x");
                next.run(req).await
            }))
            .get("/{long_name}", |Path(n): Path<String>| async move { n })
        })
        .test_client();
    let res = client.get("/one/1").send().await;
    assert_eq!(res.status(), 400);
    let res = client.get("/rw/abcdef").send().await;
    assert_eq!(res.status(), 500, "the spans no longer fit the path");
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Item {
    name: String,
    qty: u32,
}

#[tokio::test]
async fn json_accepts_plus_json_types_and_parameters() {
    let client = App::new()
        .post("/", |Json(i): Json<Item>| async move { i.name })
        .test_client();
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.api+json",
    ] {
        let res = client
            .post("/")
            .header("content-type", content_type)
            .body(r#"{"name":"pen","qty":1}"#)
            .send()
            .await;
        assert_eq!(res.text(), "pen", "{content_type}");
    }
    let res = client
        .post("/")
        .header("content-type", "text/json")
        .body("{}")
        .send()
        .await;
    assert_eq!(res.status(), 415);
}

#[tokio::test]
async fn a_form_is_an_extractor_and_a_response() {
    let client = App::new()
        .post("/echo", |Form(i): Form<Item>| async move { Form(i) })
        .test_client();
    let res = client
        .post("/echo")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=a+b&qty=3")
        .send()
        .await;
    assert_eq!(
        res.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(res.text(), "name=a+b&qty=3");
}

#[tokio::test]
async fn the_body_limit_is_the_apps() {
    let client = App::new()
        .body_limit(3)
        .post("/", |s: String| async move { s })
        .test_client();
    assert_eq!(client.post("/").body("abc").send().await.text(), "abc");
    assert_eq!(client.post("/").body("abcd").send().await.status(), 413);
    let client = App::new()
        .post("/", |s: String| async move { s.len().to_string() })
        .test_client();
    let big = "x".repeat(pulya_app::DEFAULT_BODY_LIMIT);
    assert_eq!(
        client.post("/").body(big.clone()).send().await.text(),
        big.len().to_string()
    );
    assert_eq!(client.post("/").body(big + "x").send().await.status(), 413);
}

#[tokio::test]
async fn twelve_extractors_in_one_handler() {
    #[allow(clippy::too_many_arguments)]
    async fn twelve(
        m: Method,
        u: Uri,
        v: Version,
        h: HeaderMap,
        Path(a): Path<u8>,
        State(s): State<u16>,
        e: Option<Extension<User>>,
        p: Option<pulya_app::extract::MatchedPath>,
        c: Option<pulya_app::extract::ConnectInfo<std::net::SocketAddr>>,
        q: Option<pulya_app::extract::Query<std::collections::HashMap<String, String>>>,
        r: Result<State<u16>, pulya_app::extract::StateRejection>,
        body: String,
    ) -> String {
        format!(
            "{m} {} {v:?} {} {a} {s} {} {} {} {} {} {body}",
            u.path(),
            h.contains_key("x-a"),
            e.is_some(),
            p.map(|p| p.as_str().to_owned()).unwrap_or_default(),
            c.is_some(),
            q.is_some(),
            r.is_ok()
        )
    }
    let client = App::new().state(9u16).post("/{a}", twelve).test_client();
    let res = client.post("/7").body("end").send().await;
    assert_eq!(
        res.text(),
        "POST /7 HTTP/1.1 false 7 9 false /{a} true false true end"
    );
}
