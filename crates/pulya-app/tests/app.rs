//! The request model end to end, in process: routing, extractors, errors, middleware, panics.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use pulya_app::extract::{Form, Path, PathRejection, Query, State};
use pulya_app::middleware::from_fn;
use pulya_app::{App, Body, IntoResponse, Json, JsonCodec, Next, Request};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Item {
    name: String,
    qty: u32,
}

fn error_of(res: &pulya_app::TestResponse) -> (u16, String) {
    assert_eq!(
        res.header("content-type"),
        Some("application/json"),
        "{res:?}"
    );
    let v: Value = res.json();
    (
        v["status"].as_u64().unwrap() as u16,
        v["error"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn plaintext_and_json() {
    let client = App::new()
        .get("/plaintext", || async { "Hello, World!" })
        .get("/json", || async {
            Json(json!({"message": "Hello, World!"}))
        })
        .test_client();
    let res = client.get("/plaintext").send().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(res.text(), "Hello, World!");
    let res = client.get("/json").send().await;
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.text(), r#"{"message":"Hello, World!"}"#);
}

#[tokio::test]
async fn path_params_single_tuple_struct_and_map() {
    #[derive(Deserialize)]
    struct Ids {
        user: String,
        post: u64,
    }
    let client =
        App::new()
            .get(
                "/u/{id}",
                |Path(id): Path<u64>| async move { format!("u{id}") },
            )
            .get(
                "/t/{a}/{b}",
                |Path((a, b)): Path<(String, i32)>| async move { format!("{a}:{b}") },
            )
            .get("/s/{user}/{post}", |Path(ids): Path<Ids>| async move {
                format!("{}#{}", ids.user, ids.post)
            })
            .get(
                "/m/{x}/{*rest}",
                |Path(m): Path<HashMap<String, String>>| async move {
                    format!("{}|{}", m["x"], m["rest"])
                },
            )
            .test_client();
    assert_eq!(client.get("/u/42").send().await.text(), "u42");
    assert_eq!(client.get("/t/ab/-3").send().await.text(), "ab:-3");
    assert_eq!(client.get("/s/ada/9").send().await.text(), "ada#9");
    assert_eq!(client.get("/m/1/a/b%20c").send().await.text(), "1|a/b c");

    let res = client.get("/u/abc").send().await;
    let (status, msg) = error_of(&res);
    assert_eq!(status, 400);
    assert!(msg.contains("`abc`") && msg.contains("`id`"), "{msg}");
    assert_eq!(
        client.get("/t/a/x").send().await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn path_params_are_percent_decoded_within_their_segment() {
    let client = App::new()
        .get(
            "/files/{name}",
            |Path(name): Path<String>| async move { name },
        )
        .test_client();
    assert_eq!(client.get("/files/a%2Fb").send().await.text(), "a/b");
    assert_eq!(client.get("/files/caf%C3%A9").send().await.text(), "café");
    let res = client.get("/files/%FF").send().await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn query_strings() {
    #[derive(Deserialize)]
    struct Page {
        page: u32,
        q: Option<String>,
    }
    let client = App::new()
        .get("/search", |Query(p): Query<Page>| async move {
            format!("{}:{}", p.page, p.q.unwrap_or_default())
        })
        .test_client();
    assert_eq!(
        client.get("/search?page=2&q=rust").send().await.text(),
        "2:rust"
    );
    let (status, msg) = error_of(&client.get("/search?page=x").send().await);
    assert_eq!(status, 400);
    assert!(msg.starts_with("invalid query string"), "{msg}");
    assert_eq!(
        client.get("/search").send().await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn not_found_method_not_allowed_and_head() {
    let client = App::new()
        .get("/items", || async { "list" })
        .post("/items", || async { StatusCode::CREATED })
        .test_client();
    let res = client.get("/nope").send().await;
    assert_eq!(error_of(&res), (404, "Not Found".to_owned()));

    let res = client.delete("/items").send().await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.header("allow"), Some("GET, HEAD, POST"));
    assert_eq!(error_of(&res).0, 405);

    let res = client.head("/items").send().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("content-length"), Some("4"));
    assert!(res.bytes().is_empty());
}

#[tokio::test]
async fn fallback_replaces_the_404() {
    let client = App::new()
        .get("/", || async { "root" })
        .fallback(
            |uri: http::Uri| async move { (StatusCode::NOT_FOUND, format!("nothing at {uri}")) },
        )
        .test_client();
    let res = client.get("/missing").send().await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.text(), "nothing at /missing");
}

#[tokio::test]
async fn groups_nest_prefixes() {
    let client = App::new()
        .group("/api", |api| {
            api.get("/", || async { "api root" }).group("/v1", |v1| {
                v1.get("/users/{id}", |Path(id): Path<u32>| async move {
                    format!("v1 user {id}")
                })
            })
        })
        .test_client();
    assert_eq!(client.get("/api").send().await.text(), "api root");
    assert_eq!(
        client.get("/api/v1/users/3").send().await.text(),
        "v1 user 3"
    );
}

#[tokio::test]
async fn state_is_shared_and_missing_state_fails_the_build() {
    #[derive(Clone)]
    struct Hits(Arc<AtomicUsize>);
    let client = App::new()
        .state(Hits(Arc::new(AtomicUsize::new(0))))
        .get("/hit", |State(hits): State<Hits>| async move {
            (hits.0.fetch_add(1, Ordering::SeqCst) + 1).to_string()
        })
        .test_client();
    assert_eq!(client.get("/hit").send().await.text(), "1");
    assert_eq!(client.get("/hit").send().await.text(), "2");

    let err = App::new()
        .get(
            "/missing",
            |State(n): State<u8>| async move { n.to_string() },
        )
        .group("/g", |g| {
            g.post(
                "/two",
                |State(_): State<u8>, State(_): State<String>| async { "" },
            )
        })
        .fallback(|State(n): State<u16>| async move { n.to_string() })
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.problems().len(), 4, "{text}");
    assert!(
        text.contains("`GET /missing` needs app state of type `u8`"),
        "{text}"
    );
    assert!(
        text.contains("`POST /g/two` needs app state of type `u8`"),
        "{text}"
    );
    assert!(
        text.contains("`POST /g/two` needs app state of type `alloc::string::String`"),
        "{text}"
    );
    assert!(
        text.contains("`fallback` needs app state of type `u16`"),
        "{text}"
    );
    assert!(text.contains("App::state"), "{text}");

    // `Option<State<T>>` asks for nothing: absent state is `None`.
    let client = App::new()
        .get("/opt", |s: Option<State<u8>>| async move {
            format!("{}", s.is_some())
        })
        .test_client();
    assert_eq!(client.get("/opt").send().await.text(), "false");
}

#[tokio::test]
async fn json_bodies_and_their_errors() {
    let client = App::new()
        .post("/items", |Json(item): Json<Item>| async move {
            (StatusCode::CREATED, Json(item))
        })
        .test_client();
    let item = Item {
        name: "pen".into(),
        qty: 2,
    };
    let res = client.post("/items").json(&item).send().await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.json::<Item>(), item);

    let res = client
        .post("/items")
        .header("content-type", "application/json")
        .body("{\"name\":")
        .send()
        .await;
    let (status, msg) = error_of(&res);
    assert_eq!(status, 400);
    assert!(msg.contains("line 1 column"), "{msg}");

    let res = client
        .post("/items")
        .json(&json!({"name": "pen"}))
        .send()
        .await;
    let (status, msg) = error_of(&res);
    assert_eq!(status, 422);
    assert!(msg.contains("missing field `qty`"), "{msg}");

    let res = client.post("/items").body("{}").send().await;
    assert_eq!(error_of(&res).0, 415);
    let res = client
        .post("/items")
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await;
    assert_eq!(error_of(&res).0, 415);
}

/// Writes the name of the serializer that encodes it, so a test can tell the encoders apart.
#[derive(Clone, Copy)]
struct WhichEncoder;

impl Serialize for WhichEncoder {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let name = std::any::type_name::<S>();
        serializer.serialize_str(if name.contains("sonic_rs") {
            "sonic-rs"
        } else {
            "serde_json"
        })
    }
}

#[tokio::test]
async fn json_implementations_are_chosen_per_app_and_direction() {
    for (codec, name) in [
        (JsonCodec::SerdeJson, r#""serde_json""#),
        (JsonCodec::SonicRs, r#""sonic-rs""#),
    ] {
        let client = App::new()
            .json_decoder(codec)
            .json_encoder(codec)
            .post("/items", |Json(item): Json<Item>| async move { Json(item) })
            .get("/encoder", || async { Json(WhichEncoder) })
            .get("/spawned", || async {
                // Converted on another task, with no app at hand: the app encodes it on the way
                // back, with its own encoder.
                tokio::spawn(async { (StatusCode::ACCEPTED, Json(WhichEncoder)).into_response() })
                    .await
                    .unwrap()
            })
            .middleware(from_fn(|req: Request, next: Next| async move {
                if req.uri().path() == "/from-middleware" {
                    return Json(WhichEncoder).into_response();
                }
                next.run(req).await
            }))
            .test_client();
        assert_eq!(
            client.get("/encoder").send().await.text(),
            name,
            "{codec:?}"
        );
        let res = client.get("/spawned").send().await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        assert_eq!(res.text(), name, "{codec:?}");
        assert_eq!(client.get("/from-middleware").send().await.text(), name);
        let res = client
            .post("/items")
            .json(&json!({"name": "pen", "qty": 2}))
            .send()
            .await;
        assert_eq!(res.text(), r#"{"name":"pen","qty":2}"#);

        let res = client
            .post("/items")
            .header("content-type", "application/json")
            .body("{\"name\": \"pen\",\n \"qty\": \"two\"}")
            .send()
            .await;
        let (status, msg) = error_of(&res);
        assert_eq!(status, 422, "{codec:?}");
        assert!(msg.ends_with("at line 2 column 13"), "{codec:?}: {msg}");
    }
}

#[tokio::test]
async fn forms() {
    let client = App::new()
        .post("/f", |Form(item): Form<Item>| async move {
            format!("{}x{}", item.qty, item.name)
        })
        .test_client();
    let res = client
        .post("/f")
        .form(&Item {
            name: "cup".into(),
            qty: 3,
        })
        .send()
        .await;
    assert_eq!(res.text(), "3xcup");
    let res = client
        .post("/f")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=cup&qty=many")
        .send()
        .await;
    assert_eq!(error_of(&res).0, 422);
}

#[tokio::test]
async fn body_limit_applies_by_length_and_while_streaming() {
    let client = App::new()
        .body_limit(8)
        .post("/b", |body: Bytes| async move { body.len().to_string() })
        .post("/s", |body: String| async move { body })
        .test_client();
    assert_eq!(client.post("/b").body("12345678").send().await.text(), "8");
    let (status, msg) = error_of(&client.post("/b").body("123456789").send().await);
    assert_eq!(status, 413);
    assert!(msg.contains("8 bytes"), "{msg}");
    assert_eq!(
        error_of(&client.post("/s").body(vec![0xff]).send().await).0,
        400
    );

    // No Content-Length: the limit is found while reading a multi-frame stream.
    let app = App::new()
        .body_limit(8)
        .post("/b", |body: Bytes| async move { body.len().to_string() });
    let service = app.build().unwrap();
    let req = http::Request::post("/b")
        .body(frames(&[b"12345", b"6789"]))
        .unwrap();
    assert_eq!(
        service.call(req).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let req = http::Request::post("/b")
        .body(frames(&[b"1234", b"5678"]))
        .unwrap();
    let res = service.call(req).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// A body of several data frames and no size hint, like a chunked upload.
struct Frames(std::collections::VecDeque<Bytes>);

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
    }
}

fn frames(parts: &[&'static [u8]]) -> Body {
    Body::new(Frames(
        parts.iter().map(|p| Bytes::from_static(p)).collect(),
    ))
}

#[tokio::test]
async fn many_extractors_in_one_handler() {
    let client = App::new()
        .state(7u32)
        .post(
            "/x/{id}",
            |m: Method,
             Path(id): Path<u8>,
             Query(q): Query<HashMap<String, String>>,
             h: HeaderMap,
             State(s): State<u32>,
             body: String| async move {
                format!(
                    "{m} {id} {} {} {s} {body}",
                    q["k"],
                    h["x-h"].to_str().unwrap()
                )
            },
        )
        .test_client();
    let res = client
        .post("/x/5?k=v")
        .header("x-h", "hv")
        .body("b")
        .send()
        .await;
    assert_eq!(res.text(), "POST 5 v hv 7 b");
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_and_the_app_keeps_serving() {
    let client = App::new()
        .get("/boom", || async {
            panic!("handler exploded");
            #[allow(unreachable_code)]
            ""
        })
        .get("/ok", || async { "fine" })
        .test_client();
    for _ in 0..3 {
        let res = client.get("/boom").send().await;
        assert_eq!(error_of(&res), (500, "Internal Server Error".to_owned()));
    }
    assert_eq!(client.get("/ok").send().await.text(), "fine");
}

#[tokio::test]
async fn middleware_runs_outermost_first_and_sees_404s() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (a, b) = (log.clone(), log.clone());
    let client = App::new()
        .get("/", || async { "h" })
        .middleware(from_fn(move |req: Request, next: Next| {
            let log = a.clone();
            async move {
                log.lock().unwrap().push("outer in");
                let res = next.run(req).await;
                log.lock().unwrap().push("outer out");
                res
            }
        }))
        .middleware(from_fn(move |req: Request, next: Next| {
            let log = b.clone();
            async move {
                log.lock().unwrap().push("inner");
                if req.uri().path() == "/blocked" {
                    return (StatusCode::FORBIDDEN, "no").into_response_for_test();
                }
                next.run(req).await
            }
        }))
        .test_client();
    assert_eq!(client.get("/").send().await.text(), "h");
    assert_eq!(*log.lock().unwrap(), ["outer in", "inner", "outer out"]);
    assert_eq!(
        client.get("/blocked").send().await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        client.get("/nope").send().await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Shorthand to turn a tuple into a response inside a middleware closure.
trait ForTest {
    fn into_response_for_test(self) -> pulya_app::Response;
}
impl<T: pulya_app::IntoResponse> ForTest for T {
    fn into_response_for_test(self) -> pulya_app::Response {
        self.into_response()
    }
}

#[tokio::test]
async fn invalid_routes_fail_the_build_naming_them() {
    let err = App::new()
        .get("/users/{id}", || async { "" })
        .get("/users/{name}", || async { "" })
        .get("/users/{id}", || async { "" })
        .get("no-slash", || async { "" })
        .build()
        .unwrap_err();
    assert_eq!(err.problems().len(), 3);
    let text = err.to_string();
    assert!(
        text.contains("`/users/{name}` conflicts with the existing route `/users/{id}`"),
        "{text}"
    );
    assert!(
        text.contains("`GET /users/{id}` is already registered"),
        "{text}"
    );
    assert!(text.contains("`no-slash`"), "{text}");
}

#[tokio::test]
async fn option_means_absent_and_result_hands_over_the_rejection() {
    #[derive(serde::Deserialize)]
    struct Page {
        page: u32,
    }
    let client = App::new()
        .get("/{n}", |n: Result<Path<u8>, PathRejection>| async move {
            match n {
                Ok(Path(n)) => n.to_string(),
                Err(rejection) => format!("rejected {}: {rejection}", rejection.status().as_u16()),
            }
        })
        .get("/list", |q: Option<Query<Page>>| async move {
            q.map_or("no query".to_owned(), |Query(p)| p.page.to_string())
        })
        .post("/maybe", |j: Option<Json<Item>>| async move {
            j.map_or("no body".to_owned(), |Json(i)| i.name)
        })
        .test_client();
    assert_eq!(client.get("/7").send().await.text(), "7");
    assert_eq!(
        client.get("/x").send().await.text(),
        "rejected 400: invalid path parameter: `x` is not a valid u8 for parameter `n`"
    );
    assert_eq!(client.get("/list").send().await.text(), "no query");
    assert_eq!(client.get("/list?page=3").send().await.text(), "3");
    let (status, msg) = error_of(&client.get("/list?page=x").send().await);
    assert_eq!(status, 400, "a malformed query is not an absent one");
    assert!(msg.contains("invalid query string"), "{msg}");

    assert_eq!(client.post("/maybe").send().await.text(), "no body");
    let res = client
        .post("/maybe")
        .json(&serde_json::json!({"name": "pen", "qty": 1}))
        .send()
        .await;
    assert_eq!(res.text(), "pen");
    let res = client
        .post("/maybe")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn trailing_slash_redirect_and_route_cache() {
    use pulya_routing::TrailingSlash;
    let client = App::new()
        .trailing_slash(TrailingSlash::Redirect)
        .route_cache(64)
        .get("/users", || async { "users" })
        .get("/users/{id}", |Path(id): Path<u32>| async move {
            id.to_string()
        })
        .test_client();
    let res = client.get("/users/?page=2").send().await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.header("location"), Some("/users?page=2"));
    for id in [1, 2, 1] {
        assert_eq!(
            client.get(&format!("/users/{id}")).send().await.text(),
            id.to_string()
        );
    }
}

#[tokio::test]
async fn error_pages_can_be_replaced() {
    let mut pages = pulya_app::ErrorPages::default();
    pages
        .set(
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8",
            "<h1>Nothing here</h1>",
        )
        .unwrap();
    let client = App::new()
        .error_pages(pages)
        .get("/", || async { "root" })
        .test_client();
    let res = client.get("/missing").send().await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(res.text(), "<h1>Nothing here</h1>");
    // 405 keeps the JSON page and gets its Allow header.
    let res = client.post("/").send().await;
    assert_eq!(res.header("allow"), Some("GET, HEAD"));
    assert_eq!(res.text(), r#"{"error":"Method Not Allowed","status":405}"#);
}

#[tokio::test]
async fn browsers_get_html_error_pages_and_api_clients_json() {
    let mut pages = pulya_app::ErrorPages::default();
    for (status, html) in [
        (StatusCode::NOT_FOUND, "<h1>404</h1>"),
        (StatusCode::METHOD_NOT_ALLOWED, "<h1>405</h1>"),
        (StatusCode::INTERNAL_SERVER_ERROR, "<h1>500</h1>"),
    ] {
        pages.set_html(status, html).unwrap();
    }
    let client = App::new()
        .error_pages(pages)
        .get("/", || async { "root" })
        .get("/panic", || async {
            panic!("boom");
            #[allow(unreachable_code)]
            ""
        })
        .test_client();
    let browser = "text/html,application/xhtml+xml,*/*;q=0.8";
    for (method, path, status, html) in [
        (Method::GET, "/missing", 404, "<h1>404</h1>"),
        (Method::DELETE, "/", 405, "<h1>405</h1>"),
        (Method::GET, "/panic", 500, "<h1>500</h1>"),
    ] {
        let res = client
            .request(method.clone(), path)
            .header("accept", browser)
            .send()
            .await;
        assert_eq!(res.status().as_u16(), status);
        assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(res.text(), html);

        for accept in [None, Some("application/json"), Some("*/*")] {
            let mut req = client.request(method.clone(), path);
            if let Some(accept) = accept {
                req = req.header("accept", accept);
            }
            let res = req.send().await;
            assert_eq!(error_of(&res).0, status, "{accept:?}");
        }
    }
    let res = client
        .request(Method::DELETE, "/")
        .header("accept", browser)
        .send()
        .await;
    assert_eq!(res.header("allow"), Some("GET, HEAD"));
}
