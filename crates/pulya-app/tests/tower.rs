//! tower both ways: the app as a `tower::Service`, tower layers as middleware at every level
//! (tower-http's among them), tower services as endpoints, and what happens when they fail.
#![cfg(feature = "tower")]

use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode, header};
use http_body_util::{BodyExt, Full};
use pulya_app::extract::{ConnectInfo, MatchedPath, Path};
use pulya_app::middleware::from_fn;
use pulya_app::{App, Body, Next, Request, Response};
use tower::{ServiceBuilder, ServiceExt, service_fn};
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

async fn body_bytes(res: Response) -> Bytes {
    res.into_body().collect().await.unwrap().to_bytes()
}

#[tokio::test]
async fn an_app_is_a_tower_service_of_any_body() {
    let app = App::new()
        .get("/users/{id}", |Path(id): Path<u32>| async move {
            format!("user {id}")
        })
        .post("/echo", |body: String| async move { body })
        .build()
        .unwrap();
    let req = http::Request::get("/users/7")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(body_bytes(res).await, "user 7");

    let req = http::Request::post("/echo")
        .body(Full::new(Bytes::from_static(b"ping")))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(body_bytes(res).await, "ping");

    let req = http::Request::get("/users/x")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = serde_json::from_slice(&body_bytes(res).await).unwrap();
    assert_eq!(body["status"], 400);
}

#[tokio::test]
async fn a_connect_info_extension_is_the_peer_through_tower() {
    let app = App::new()
        .get(
            "/",
            |ConnectInfo(addr): ConnectInfo<SocketAddr>| async move { addr.to_string() },
        )
        .build()
        .unwrap();
    let mut req = http::Request::get("/").body(Body::empty()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo("192.0.2.1:999".parse::<SocketAddr>().unwrap()));
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(body_bytes(res).await, "192.0.2.1:999");
}

#[tokio::test]
async fn an_app_wrapped_in_tower_layers_still_answers() {
    let app = App::new().get("/", || async { "hi" }).build().unwrap();
    let service = ServiceBuilder::new()
        .layer(CorsLayer::permissive())
        .service(app);
    let req = http::Request::get("/")
        .header(header::ORIGIN, "https://example.com")
        .body(Body::empty())
        .unwrap();
    let res = service.oneshot(req).await.unwrap();
    assert_eq!(res.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(body_bytes(res).await, "hi");
}

fn big() -> String {
    "pulya ".repeat(500)
}

#[tokio::test]
async fn tower_http_layers_on_the_app_group_and_route() {
    let client = App::new()
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .get("/big", || async { big() })
        .group("/api", |g| {
            g.layer(CorsLayer::new().allow_origin(tower_http::cors::Any))
                .get("/items", || async { "items" })
        })
        .get("/slow", || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        })
        .route_layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_millis(50),
        ))
        .test_client();

    let res = client
        .get("/big")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&res.bytes()[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, big());

    let res = client
        .get("/api/items")
        .header("origin", "https://example.com")
        .send()
        .await;
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    assert_eq!(res.text(), "items");
    let res = client
        .get("/big")
        .header("origin", "https://example.com")
        .send()
        .await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        None,
        "CORS is the group's only"
    );

    let res = client.get("/slow").send().await;
    assert_eq!(res.status(), 503);
}

#[tokio::test]
async fn extractors_after_a_layer_still_see_the_route() {
    let client = App::new()
        .group("/users", |g| {
            g.layer(TraceLayer::new_for_http()).get(
                "/{id}",
                |Path(id): Path<u32>, route: MatchedPath| async move {
                    format!("{id} {}", route.as_str())
                },
            )
        })
        .test_client();
    assert_eq!(client.get("/users/5").send().await.text(), "5 /users/{id}");
}

#[tokio::test]
async fn layers_and_middleware_share_one_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mark = |name: &'static str| {
        let log = Arc::clone(&log);
        tower::util::MapRequestLayer::new(move |req: Request| {
            log.lock().unwrap().push(name);
            req
        })
    };
    let log_mw = Arc::clone(&log);
    let client = App::new()
        .layer(mark("layer-1"))
        .middleware(from_fn(move |req: Request, next: Next| {
            log_mw.lock().unwrap().push("middleware-2");
            next.run(req)
        }))
        .middleware_at(-1, pulya_app::middleware::from_layer(mark("layer-0")))
        .get("/", || async { "" })
        .test_client();
    client.get("/").send().await;
    assert_eq!(*log.lock().unwrap(), ["layer-0", "layer-1", "middleware-2"]);
}

#[tokio::test]
async fn a_tower_service_is_an_endpoint_and_a_fallback() {
    let echo = service_fn(|req: Request| async move {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.to_string())
            .unwrap_or_default();
        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(format!(
            "{} {} from {peer}",
            req.method(),
            req.uri().path()
        )))))
    });
    let client = App::new()
        .route_service(Method::GET, "/svc/{*rest}", echo)
        .group("/g", |g| g.route_service(Method::PUT, "/x", echo))
        .fallback_service(echo)
        .test_client();
    assert_eq!(
        client.get("/svc/a/b").send().await.text(),
        "GET /svc/a/b from 127.0.0.1:1"
    );
    assert_eq!(
        client.put("/g/x").send().await.text(),
        "PUT /g/x from 127.0.0.1:1"
    );
    assert_eq!(
        client.delete("/other").send().await.text(),
        "DELETE /other from 127.0.0.1:1"
    );
    assert_eq!(client.post("/svc/a").send().await.status(), 405);
}

#[tokio::test]
async fn a_failing_tower_service_is_a_500_in_the_error_shape() {
    let failing = service_fn(|_: Request| async {
        Err::<http::Response<Body>, _>(std::io::Error::other("backend down"))
    });
    let client = App::new()
        .route_service(Method::GET, "/", failing)
        .get("/ok", || async { "ok" })
        .test_client();
    let res = client.get("/").send().await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.json::<serde_json::Value>()["status"], 500);
    assert_eq!(client.get("/ok").send().await.text(), "ok");
}

#[tokio::test]
async fn a_tower_timeout_error_is_a_500_not_a_dropped_request() {
    let client = App::new()
        .get("/slow", || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            ""
        })
        .route_layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(20)))
        .test_client();
    let res = client.get("/slow").send().await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.json::<serde_json::Value>()["status"], 500);
}

#[tokio::test]
async fn a_layer_that_loses_the_extensions_is_a_clear_500() {
    let client = App::new()
        .layer(tower::util::MapRequestLayer::new(|req: Request| {
            let (parts, body) = req.into_parts();
            let mut fresh = http::Request::new(body);
            *fresh.uri_mut() = parts.uri;
            fresh
        }))
        .get("/", || async { "" })
        .test_client();
    let res = client.get("/").send().await;
    assert_eq!(res.status(), 500);
    let body: serde_json::Value = res.json();
    assert!(
        body["error"].as_str().unwrap().contains("extensions"),
        "{body}"
    );
}

#[tokio::test]
async fn bad_input_through_a_layer_keeps_the_error_shape() {
    let client =
        App::new()
            .layer(CompressionLayer::new())
            .post(
                "/json",
                |pulya_app::Json(v): pulya_app::Json<serde_json::Value>| async move {
                    pulya_app::Json(v)
                },
            )
            .test_client();
    let res = client
        .post("/json")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<serde_json::Value>()["status"], 400);
    assert_eq!(client.get("/missing").send().await.status(), 404);
}

#[tokio::test]
async fn a_groups_layer_and_a_routes_layer_stay_in_their_place() {
    let mark = |name: &'static str| {
        tower::util::MapResponseLayer::new(move |mut res: Response| {
            res.headers_mut().append("x-layer", name.parse().unwrap());
            res
        })
    };
    let client = App::new()
        .get("/plain", || async { "" })
        .group("/g", |g| {
            g.layer(mark("group"))
                .get("/a", || async { "" })
                .get("/b", || async { "" })
                .route_layer(mark("route"))
        })
        .test_client();
    let layers = |res: &pulya_app::TestResponse| -> Vec<String> {
        res.headers()
            .get_all("x-layer")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    assert!(layers(&client.get("/plain").send().await).is_empty());
    assert_eq!(layers(&client.get("/g/a").send().await), ["group"]);
    // The route's layer is inside the group's: it sees the response first.
    assert_eq!(layers(&client.get("/g/b").send().await), ["route", "group"]);
    assert!(layers(&client.get("/g/missing").send().await).is_empty());
}

#[tokio::test]
async fn a_layer_may_answer_without_the_rest() {
    let refuse = tower::util::MapRequestLayer::new(|req: Request| req);
    let short = tower_layer::layer_fn(|_inner: pulya_app::middleware::NextService| {
        service_fn(|_req: Request| async {
            Ok::<_, Infallible>(
                http::Response::builder()
                    .status(StatusCode::FORBIDDEN)
                    .body(Full::new(Bytes::from_static(b"no")))
                    .unwrap(),
            )
        })
    });
    let client = App::new()
        .layer(refuse)
        .get("/open", || async { "open" })
        .get("/closed", || async { "secret" })
        .route_layer(short)
        .test_client();
    assert_eq!(client.get("/open").send().await.text(), "open");
    let res = client.get("/closed").send().await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.text(), "no");
}
