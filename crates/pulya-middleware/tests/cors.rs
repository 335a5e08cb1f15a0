//! CORS, after the Fetch standard's CORS protocol: simple requests, preflights with and
//! without credentials, disallowed origins, methods and headers, malformed input, and the
//! levels.

use std::time::Duration;

use http::{Method, StatusCode};
use pulya_app::{App, TestClient, TestResponse};
use pulya_middleware::cors::{Cors, CorsError};

const APP: &str = "https://app.example";

fn cors() -> Cors {
    Cors::builder()
        .allow_origins([APP, "http://localhost:3000"])
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .max_age(Duration::from_secs(600))
        .build()
        .unwrap()
}

fn client(cors: Cors) -> TestClient {
    App::new()
        .middleware(cors)
        .get("/items", || async { "items" })
        .put("/items", || async { "put" })
        .test_client()
}

async fn preflight(
    client: &TestClient,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> TestResponse {
    let mut req = client
        .request(Method::OPTIONS, "/items")
        .header("origin", origin)
        .header("access-control-request-method", method);
    if let Some(headers) = headers {
        req = req.header("access-control-request-headers", headers);
    }
    req.send().await
}

fn vary(res: &TestResponse) -> Vec<&str> {
    res.headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_simple_request_from_an_allowed_origin_gets_the_headers() {
    let client = client(cors());
    let res = client.get("/items").header("origin", APP).send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "items");
    assert_eq!(res.header("access-control-allow-origin"), Some(APP));
    assert_eq!(
        res.header("access-control-expose-headers"),
        Some("x-request-id")
    );
    assert_eq!(res.header("access-control-allow-credentials"), None);
    assert_eq!(vary(&res), ["origin"]);
    // Origins compare without regard to ASCII case.
    let res = client
        .get("/items")
        .header("origin", "HTTPS://APP.example")
        .send()
        .await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("HTTPS://APP.example")
    );
}

#[tokio::test]
async fn a_request_without_origin_is_untouched_but_for_vary() {
    let res = client(cors()).get("/items").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("access-control-allow-origin"), None);
    assert_eq!(vary(&res), ["origin"]);
}

#[tokio::test]
async fn an_allowed_preflight_is_answered_without_the_handler() {
    let client = client(cors());
    let res = preflight(&client, APP, "PUT", Some("Content-Type, X-Api-Key")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.text(), "");
    assert_eq!(res.header("access-control-allow-origin"), Some(APP));
    assert_eq!(
        res.header("access-control-allow-methods"),
        Some("GET, POST, PUT")
    );
    assert_eq!(
        res.header("access-control-allow-headers"),
        Some("content-type, x-api-key")
    );
    assert_eq!(res.header("access-control-max-age"), Some("600"));
    assert_eq!(res.header("access-control-allow-credentials"), None);
    assert!(vary(&res)[0].starts_with("origin"));
    // Without requested headers, and for a safelisted method not in the list.
    let res = preflight(&client, APP, "HEAD", None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_preflight_reaches_routes_that_have_no_options() {
    let client = App::new()
        .middleware(cors())
        .post("/only-post", || async { "posted" })
        .test_client();
    let res = client
        .request(Method::OPTIONS, "/only-post")
        .header("origin", APP)
        .header("access-control-request-method", "POST")
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Also for a path that matches no route: the browser learns nothing more from it.
    let res = client
        .request(Method::OPTIONS, "/nowhere")
        .header("origin", APP)
        .header("access-control-request-method", "GET")
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // A plain OPTIONS (no request method) is not a preflight and goes to routing.
    let res = client
        .request(Method::OPTIONS, "/only-post")
        .header("origin", APP)
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_preflight_with_credentials() {
    let cors = Cors::builder()
        .allow_origins([APP])
        .allow_credentials(true)
        .allow_any_header()
        .build()
        .unwrap();
    let client = client(cors);
    let res = preflight(&client, APP, "POST", Some("authorization")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.header("access-control-allow-origin"), Some(APP));
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
    // Any header is echoed, never `*`, which credentials would not allow.
    assert_eq!(
        res.header("access-control-allow-headers"),
        Some("authorization")
    );
    let res = client.get("/items").header("origin", APP).send().await;
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
}

#[tokio::test]
async fn refused_preflights_get_403_and_no_cors_headers() {
    let client = client(cors());
    for (origin, method, headers, why) in [
        ("https://evil.example", "GET", None, "origin is not allowed"),
        (APP, "DELETE", None, "method is not allowed"),
        (
            APP,
            "PUT",
            Some("content-type, x-secret"),
            "request header is not allowed",
        ),
        (
            APP,
            "G E T",
            None,
            "malformed Access-Control-Request-Method",
        ),
        ("not an origin", "GET", None, "origin is not allowed"),
    ] {
        let res = preflight(&client, origin, method, headers).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin} {method}");
        assert!(res.text().contains(why), "{}", res.text());
        assert!(res.text().contains(r#""status":403"#));
        assert_eq!(res.header("access-control-allow-origin"), None);
        assert_eq!(res.header("access-control-allow-methods"), None);
    }
}

#[tokio::test]
async fn malformed_or_disallowed_origins_get_no_headers_and_never_a_500() {
    let client = client(cors());
    for origin in [
        "https://evil.example",
        "https://app.example/path",
        "https://app.example.evil",
        "null",
        "",
        "garbage",
        "https://app.example:99999",
    ] {
        let res = client.get("/items").header("origin", origin).send().await;
        assert_eq!(res.status(), 200, "{origin:?}");
        assert_eq!(
            res.header("access-control-allow-origin"),
            None,
            "{origin:?}"
        );
    }
    // Not UTF-8 at all.
    let res = client
        .get("/items")
        .header(
            "origin",
            http::HeaderValue::from_bytes(b"https://\xffapp").unwrap(),
        )
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn any_origin_and_a_predicate() {
    let any = Cors::builder().allow_any_origin().build().unwrap();
    let client = client(any);
    let res = client
        .get("/items")
        .header("origin", "https://who.ever")
        .send()
        .await;
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    assert!(
        vary(&res).is_empty(),
        "the answer is the same for every origin"
    );

    let tenants = Cors::builder()
        .allow_origin_fn(|origin| origin.ends_with(".tenants.example"))
        .build()
        .unwrap();
    let client = self::client(tenants);
    let res = client
        .get("/items")
        .header("origin", "https://a.tenants.example")
        .send()
        .await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://a.tenants.example")
    );
    let res = client
        .get("/items")
        .header("origin", "https://tenants.example.evil")
        .send()
        .await;
    assert_eq!(res.header("access-control-allow-origin"), None);
}

#[test]
fn bad_configurations_are_build_errors() {
    let err = Cors::builder()
        .allow_any_origin()
        .allow_credentials(true)
        .build()
        .unwrap_err();
    assert_eq!(err, CorsError::CredentialsWithAnyOrigin);
    assert!(err.to_string().contains("list the origins"));
    assert_eq!(Cors::builder().build().unwrap_err(), CorsError::NoOrigins);
    assert_eq!(
        Cors::builder()
            .allow_origins(["https://a.example/"])
            .build()
            .unwrap_err(),
        CorsError::InvalidOrigin("https://a.example/".into())
    );
    assert_eq!(
        Cors::builder()
            .allow_origins([APP])
            .allow_headers(["bad header"])
            .build()
            .unwrap_err(),
        CorsError::InvalidHeaderName("bad header".into())
    );
}

#[tokio::test]
async fn on_a_group_actual_requests_get_the_headers() {
    let client = App::new()
        .group("/api", |g| g.get("/x", || async { "x" }).middleware(cors()))
        .get("/public", || async { "public" })
        .test_client();
    let res = client.get("/api/x").header("origin", APP).send().await;
    assert_eq!(res.header("access-control-allow-origin"), Some(APP));
    let res = client.get("/public").header("origin", APP).send().await;
    assert_eq!(res.header("access-control-allow-origin"), None);
}
