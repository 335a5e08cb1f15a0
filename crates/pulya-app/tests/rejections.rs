//! Every extractor's rejection: its type, its status, its message, and Pulya's one error shape
//! on the wire; and the handler that takes the rejection itself.

use std::net::SocketAddr;

use bytes::Bytes;
use http::StatusCode;
use pulya_app::extract::{
    BodyRejection, ConnectInfo, ConnectInfoRejection, Extension, ExtensionRejection, Form,
    FormRejection, JsonRejection, MatchedPath, MatchedPathRejection, Path, PathRejection, Query,
    QueryRejection, StringRejection,
};
use pulya_app::{App, Body, IntoResponse, Json, TestClient};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "deserialised, not read")]
struct Item {
    name: String,
    qty: u32,
}

/// The status and the JSON error body of a response, checked to be Pulya's error shape.
fn shape(res: &pulya_app::TestResponse) -> (u16, String) {
    assert_eq!(res.header("content-type"), Some("application/json"));
    let body: serde_json::Value = res.json();
    let status = body["status"].as_u64().expect("a status") as u16;
    assert_eq!(
        status,
        res.status().as_u16(),
        "the body's status is the response's"
    );
    let message = body["error"].as_str().expect("a message").to_owned();
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    (status, message)
}

fn client() -> TestClient {
    App::new()
        .body_limit(16)
        .get("/num/{n}", |Path(n): Path<u8>| async move { n.to_string() })
        .get("/pair/{a}/{b}", |Path((a, b)): Path<(u8, u8)>| async move {
            format!("{a}{b}")
        })
        .get(
            "/query",
            |Query(q): Query<std::collections::HashMap<String, u8>>| async move {
                format!("{}", q.len())
            },
        )
        .post("/json", |Json(i): Json<Item>| async move { i.name })
        .post("/form", |Form(i): Form<Item>| async move { i.name })
        .post("/text", |s: String| async move { s })
        .post("/bytes", |b: Bytes| async move { b.len().to_string() })
        .get("/ext", |Extension(v): Extension<u32>| async move {
            v.to_string()
        })
        .fallback(|p: MatchedPath| async move { p.as_str().to_owned() })
        .test_client()
}

#[tokio::test]
async fn each_rejection_on_the_wire() {
    let c = client();
    let json = |body: &'static str| {
        c.post("/json")
            .header("content-type", "application/json")
            .body(body)
    };
    let form = |body: &'static str| {
        c.post("/form")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let cases: Vec<(pulya_app::TestResponse, u16, &str)> = vec![
        (
            c.get("/num/300").send().await,
            400,
            "invalid path parameter",
        ),
        (
            c.get("/num/%FF").send().await,
            400,
            "path parameter `n` is not valid UTF-8",
        ),
        (
            c.get("/pair/1/x").send().await,
            400,
            "invalid path parameter",
        ),
        (
            c.get("/query?a=x").send().await,
            400,
            "invalid query string",
        ),
        (json("{").send().await, 400, "invalid JSON body"),
        (
            json(r#"{"name":"a"}"#).send().await,
            422,
            "invalid JSON body",
        ),
        (
            json(r#"{"qty":"x"}"#).send().await,
            422,
            "invalid JSON body",
        ),
        (
            c.post("/json").body("{}").send().await,
            415,
            "Content-Type: application/json",
        ),
        (
            json(r#"{"name":"far too long a name"}"#).send().await,
            413,
            "limit of 16 bytes",
        ),
        (form("name=a").send().await, 422, "invalid form body"),
        (
            c.post("/form").body("name=a&qty=1").send().await,
            415,
            "x-www-form-urlencoded",
        ),
        (
            c.post("/text").body(vec![0xff, 0xfe]).send().await,
            400,
            "not valid UTF-8",
        ),
        (
            c.post("/bytes").body("seventeen bytes!!").send().await,
            413,
            "limit of 16 bytes",
        ),
        (
            c.get("/ext").send().await,
            500,
            "no request extension of type `u32`",
        ),
        (c.get("/nowhere").send().await, 500, "no route matched"),
    ];
    for (res, status, message) in cases {
        let (got, text) = shape(&res);
        assert_eq!(got, status, "{text}");
        assert!(text.contains(message), "expected `{message}` in `{text}`");
    }
}

#[tokio::test]
async fn the_handler_can_take_each_rejection_itself() {
    let c = App::new()
        .body_limit(4)
        .get("/n/{n}", |n: Result<Path<u8>, PathRejection>| async move {
            match n {
                Err(PathRejection::Deserialize(_)) => "deserialize",
                Err(PathRejection::InvalidUtf8 { .. }) => "utf8",
                Err(_) => "other",
                Ok(_) => "ok",
            }
        })
        .get("/q", |q: Result<Query<Item>, QueryRejection>| async move {
            q.err().map(|r| r.reason().to_owned()).unwrap_or_default()
        })
        .post("/json", |j: Result<Json<Item>, JsonRejection>| async move {
            match j {
                Err(JsonRejection::ContentType) => "content type".to_owned(),
                Err(JsonRejection::Body(BodyRejection::TooLarge { limit })) => {
                    format!("limit {limit}")
                }
                Err(JsonRejection::Invalid(err)) => format!("invalid {}", err.status().as_u16()),
                Err(other) => other.to_string(),
                Ok(_) => "ok".to_owned(),
            }
        })
        .post("/form", |f: Result<Form<Item>, FormRejection>| async move {
            match f {
                Err(FormRejection::ContentType) => "content type",
                Err(FormRejection::Body(_)) => "body",
                Err(FormRejection::Deserialize(_)) => "deserialize",
                Err(_) => "other",
                Ok(_) => "ok",
            }
        })
        .post("/text", |s: Result<String, StringRejection>| async move {
            match s {
                Err(StringRejection::InvalidUtf8) => "utf8",
                Err(StringRejection::Body(_)) => "body",
                Err(_) => "other",
                Ok(_) => "ok",
            }
        })
        .get(
            "/ext",
            |e: Result<Extension<u8>, ExtensionRejection>| async move {
                e.err()
                    .map(|r| r.status().as_u16().to_string())
                    .unwrap_or_default()
            },
        )
        .fallback(
            |p: Result<MatchedPath, MatchedPathRejection>| async move { format!("{:?}", p.err()) },
        )
        .test_client();
    assert_eq!(c.get("/n/x").send().await.text(), "deserialize");
    assert_eq!(c.get("/n/%FF").send().await.text(), "utf8");
    assert_eq!(c.get("/n/1").send().await.text(), "ok");
    assert!(c.get("/q?name=a").send().await.text().contains("qty"));
    assert_eq!(
        c.post("/json").body("{}").send().await.text(),
        "content type"
    );
    let too_long = c
        .post("/json")
        .header("content-type", "application/json")
        .body("{\"name\":1}")
        .send()
        .await;
    assert_eq!(too_long.text(), "limit 4");
    let invalid = c
        .post("/json")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await;
    assert_eq!(invalid.text(), "invalid 400");
    assert_eq!(c.post("/form").body("").send().await.text(), "content type");
    let bad_form = c
        .post("/form")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=b")
        .send()
        .await;
    assert_eq!(bad_form.text(), "deserialize");
    assert_eq!(c.post("/text").body(vec![0xff]).send().await.text(), "utf8");
    assert_eq!(c.post("/text").body("12345").send().await.text(), "body");
    assert_eq!(c.get("/ext").send().await.text(), "500");
    assert_eq!(
        c.get("/none").send().await.text(),
        "Some(MatchedPathRejection)"
    );
}

#[test]
fn rejections_answer_in_the_error_shape_with_their_status() {
    let cases: Vec<(pulya_app::Response, StatusCode)> = vec![
        (
            BodyRejection::TooLarge { limit: 1 }.into_response(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            BodyRejection::Read("reset".into()).into_response(),
            StatusCode::BAD_REQUEST,
        ),
        (
            StringRejection::InvalidUtf8.into_response(),
            StatusCode::BAD_REQUEST,
        ),
        (
            MatchedPathRejection.into_response(),
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
        (
            ConnectInfoRejection.into_response(),
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
        (
            JsonRejection::ContentType.into_response(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            PathRejection::PathRewritten.into_response(),
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
        (
            FormRejection::ContentType.into_response(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            FormRejection::Deserialize("x".into()).into_response(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (res, status) in cases {
        assert_eq!(res.status(), status);
        assert_eq!(res.headers()["content-type"], "application/json");
        let body: serde_json::Value =
            serde_json::from_slice(res.body().as_bytes().unwrap()).unwrap();
        assert_eq!(body["status"], status.as_u16());
        assert!(body["error"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn optional_extractors_are_none_only_when_absent() {
    let c = App::new()
        .get("/peer", |p: Option<ConnectInfo<SocketAddr>>| async move {
            format!("{}", p.is_some())
        })
        .get("/ext", |e: Option<Extension<u8>>| async move {
            format!("{}", e.is_some())
        })
        .get("/route", |p: Option<MatchedPath>| async move {
            format!("{}", p.is_some())
        })
        .get(
            "/query",
            |q: Option<Query<std::collections::HashMap<String, u8>>>| async move {
                format!("{:?}", q.map(|Query(q)| q.len()))
            },
        )
        .build()
        .unwrap();
    let client = c.test_client();
    assert_eq!(client.get("/peer").send().await.text(), "true");
    assert_eq!(client.get("/ext").send().await.text(), "false");
    assert_eq!(client.get("/route").send().await.text(), "true");
    assert_eq!(client.get("/query").send().await.text(), "None");
    assert_eq!(client.get("/query?a=1").send().await.text(), "Some(1)");
    assert_eq!(client.get("/query?a=x").send().await.status(), 400);

    // Called without a socket, the peer is absent.
    let req = http::Request::get("/peer").body(Body::empty()).unwrap();
    let res = c.call(req).await;
    assert_eq!(res.body().as_bytes(), Some(&b"false"[..]));
}
