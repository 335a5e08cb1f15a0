//! Request facts (`MatchedPath`, `ConnectInfo`), route constraints from the app, and state.

use std::net::SocketAddr;

use pulya_app::extract::{ConnectInfo, MatchedPath, Path, State};
use pulya_app::{App, OnInvalid, ParamRule, TestClient};

#[tokio::test]
async fn matched_path_is_the_pattern_with_group_prefixes() {
    let client = App::new()
        .get("/users/{id}", |p: MatchedPath| async move {
            p.as_str().to_owned()
        })
        .group("/api", |g| {
            g.group("/v1", |g| {
                g.get("/files/{*rest}", |p: MatchedPath| async move {
                    p.as_str().to_owned()
                })
            })
        })
        .fallback(|p: Option<MatchedPath>| async move { format!("fallback {}", p.is_some()) })
        .test_client();
    assert_eq!(client.get("/users/7").send().await.text(), "/users/{id}");
    assert_eq!(
        client.get("/api/v1/files/a/b.txt").send().await.text(),
        "/api/v1/files/{*rest}"
    );
    assert_eq!(client.get("/nowhere").send().await.text(), "fallback false");
}

#[tokio::test]
async fn matched_path_in_a_fallback_is_a_500_in_the_error_shape() {
    let client = App::new()
        .fallback(|p: MatchedPath| async move { p.as_str().to_owned() })
        .test_client();
    let res = client.get("/x").send().await;
    assert_eq!(res.status(), 500);
    let body: serde_json::Value = res.json();
    assert_eq!(body["status"], 500);
    assert!(body["error"].as_str().unwrap().contains("MatchedPath"));
}

#[tokio::test]
async fn connect_info_is_the_test_clients_loopback_address() {
    let client = App::new()
        .get(
            "/",
            |ConnectInfo(addr): ConnectInfo<SocketAddr>| async move { addr.to_string() },
        )
        .test_client();
    assert_eq!(client.get("/").send().await.text(), "127.0.0.1:1");
    assert_eq!(TestClient::PEER_ADDR.to_string(), "127.0.0.1:1");
}

#[tokio::test]
async fn connect_info_without_a_socket_comes_from_the_extensions_or_is_a_500() {
    let app = App::new()
        .get(
            "/",
            |ConnectInfo(addr): ConnectInfo<SocketAddr>| async move { addr.to_string() },
        )
        .build()
        .unwrap();
    let req = || {
        http::Request::get("/")
            .body(pulya_app::Body::empty())
            .unwrap()
    };
    assert_eq!(app.call(req()).await.status(), 500);

    let mut with = req();
    let addr: SocketAddr = "10.1.2.3:4567".parse().unwrap();
    with.extensions_mut().insert(ConnectInfo(addr));
    let res = app.call(with).await;
    assert_eq!(res.body().as_bytes(), Some(&b"10.1.2.3:4567"[..]));
}

#[tokio::test]
async fn a_broken_constraint_is_a_404_by_default() {
    let client = App::new()
        .get("/orders/{id}", |Path(id): Path<u64>| async move {
            format!("order {id}")
        })
        .constrain("id", ParamRule::u64().range(1..=100))
        .test_client();
    assert_eq!(client.get("/orders/42").send().await.text(), "order 42");
    assert_eq!(client.get("/orders/0").send().await.status(), 404);
    assert_eq!(client.get("/orders/101").send().await.status(), 404);
    assert_eq!(client.get("/orders/abc").send().await.status(), 404);
}

#[tokio::test]
async fn a_broken_constraint_is_a_422_naming_the_parameter_when_the_route_says_so() {
    let client = App::new()
        .group("/shop", |g| {
            g.get("/orders/{id}", |Path(id): Path<u64>| async move {
                format!("order {id}")
            })
            .constrain("id", ParamRule::u64().range(1..=100))
            .on_invalid(OnInvalid::Reject)
        })
        .test_client();
    assert_eq!(
        client.get("/shop/orders/100").send().await.text(),
        "order 100"
    );
    let res = client.get("/shop/orders/500").send().await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json();
    assert_eq!(body["status"], 422);
    assert!(body["error"].as_str().unwrap().contains("`id`"), "{body}");
}

#[test]
fn a_constraint_on_a_parameter_the_route_lacks_fails_the_build() {
    let err = App::new()
        .get("/orders/{id}", || async { "" })
        .constrain("order", ParamRule::u64())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("order"), "{err}");
}

#[tokio::test]
async fn state_of_several_types_is_found_by_type() {
    #[derive(Clone)]
    struct Name(&'static str);
    let client = App::new()
        .state(Name("first"))
        .state(7_u32)
        .state(Name("second"))
        .get(
            "/",
            |State(n): State<Name>, State(k): State<u32>| async move { format!("{} {k}", n.0) },
        )
        .test_client();
    assert_eq!(client.get("/").send().await.text(), "second 7");
}
