//! Request ids: generated as UUID v7, kept only when trusted and well-formed, on the request's
//! header and extensions, in the tracing span, and on the response.

mod common;

use std::sync::{Arc, Mutex};

use http::HeaderValue;
use pulya_app::{App, TestClient};
use pulya_middleware::request_id::{Id, RequestId};

fn client(ids: RequestId) -> TestClient {
    App::new()
        .middleware(ids)
        .get("/", |id: Id, headers: http::HeaderMap| async move {
            let header = headers
                .get("x-request-id")
                .map(|h| h.to_str().unwrap().to_owned());
            assert_eq!(
                header.as_deref(),
                Some(id.as_str()),
                "the header and the extension agree"
            );
            id.to_string()
        })
        .test_client()
}

#[tokio::test]
async fn generated_ids_are_uuid_v7_in_order() {
    let client = client(RequestId::new());
    let a = client.get("/").send().await;
    let b = client.get("/").send().await;
    assert_eq!(a.header("x-request-id"), Some(a.text()));
    let parsed = uuid::Uuid::parse_str(a.text()).unwrap();
    assert_eq!(parsed.get_version_num(), 7);
    assert_ne!(a.text(), b.text());
    // v7 ids sort by time: b's millisecond is not before a's.
    assert!(b.text()[..13] >= a.text()[..13]);
    // 404s pass through app-level middleware too.
    assert!(
        client
            .get("/nope")
            .send()
            .await
            .header("x-request-id")
            .is_some()
    );
}

#[tokio::test]
async fn incoming_ids_are_replaced_unless_trusted_and_well_formed() {
    let untrusted = client(RequestId::new());
    let res = untrusted
        .get("/")
        .header("x-request-id", "abc")
        .send()
        .await;
    assert_ne!(res.text(), "abc");

    let trusted = client(RequestId::new().trust_incoming(true));
    let res = trusted
        .get("/")
        .header("x-request-id", "abc-123")
        .send()
        .await;
    assert_eq!(res.text(), "abc-123");
    assert_eq!(res.header("x-request-id"), Some("abc-123"));

    let long = "x".repeat(10 * 1024);
    let at_limit = "y".repeat(128);
    for (sent, kept) in [
        (long.as_str(), false),
        (at_limit.as_str(), true),
        ("has space", false),
        ("", false),
        ("tab\there", false),
    ] {
        let res = trusted.get("/").header("x-request-id", sent).send().await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.text() == sent, kept, "{sent:?}");
        assert_eq!(res.header("x-request-id"), Some(res.text()));
    }
    // Not visible ASCII at all.
    let res = trusted
        .get("/")
        .header(
            "x-request-id",
            HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        )
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().len(), 36);
}

#[tokio::test]
async fn the_header_and_the_maker_are_configurable() {
    let n = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&n);
    let ids = RequestId::new()
        .header("x-trace")
        .unwrap()
        .make_id(move || {
            let mut n = counter.lock().unwrap();
            *n += 1;
            HeaderValue::from(*n)
        });
    let client = App::new()
        .middleware(ids)
        .get("/", |id: Id| async move { id.to_string() })
        .test_client();
    let res = client.get("/").send().await;
    assert_eq!(res.text(), "1");
    assert_eq!(res.header("x-trace"), Some("1"));
    assert_eq!(res.header("x-request-id"), None);
    assert!(RequestId::new().header("bad name").is_err());
}

#[tokio::test]
async fn without_the_middleware_the_extractor_is_a_500_that_says_so() {
    let client = App::new()
        .get("/", |id: Id| async move { id.to_string() })
        .test_client();
    let res = client.get("/").send().await;
    assert_eq!(res.status(), 500);
    assert!(res.text().contains("RequestId middleware"));
}

#[test]
fn the_id_is_recorded_in_the_tracing_span() {
    let recorder = common::Recorder::default();
    let res = common::run_recorded(&recorder, client(RequestId::new()).get("/").send());
    let spans = recorder.spans.lock().unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].field("request_id"), Some(res.text()));
}
