//! The access log: one event per request with its fields, emitted when the body ends (a
//! streamed body with its real length), the matched route also at the app level, and nothing
//! when nobody listens.

mod common;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use pulya_app::{App, AppService};
use pulya_middleware::access_log::{AccessLog, TARGET};
use pulya_middleware::request_id::RequestId;

struct Chunks(Vec<&'static str>);

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let next =
            (!self.0.is_empty()).then(|| Ok(Bytes::from_static(self.0.remove(0).as_bytes())));
        std::task::Poll::Ready(next)
    }
}

fn app() -> AppService {
    App::new()
        .middleware(RequestId::new())
        .middleware(AccessLog::new())
        .get("/items/{id}", || async { "item" })
        .get("/stream", || async {
            pulya_core::Body::from_stream(Chunks(vec!["ab", "cde", "fghi"]))
        })
        .group("/g", |g| {
            g.get("/x", || async { "x" }).middleware(AccessLog::new())
        })
        .build()
        .unwrap()
}

async fn get(app: &AppService, path: &str) -> (http::HeaderMap, Bytes) {
    let req = http::Request::get(path).body(Default::default()).unwrap();
    let res = app.call_from(req, "192.0.2.7:5000".parse().unwrap()).await;
    let headers = res.headers().clone();
    (headers, res.into_body().collect().await.unwrap().to_bytes())
}

#[test]
fn one_event_per_request_with_every_field() {
    let recorder = common::Recorder::default();
    let app = app();
    let (headers, _) = common::run_recorded(&recorder, get(&app, "/items/7?full=1"));
    let events = recorder.events_of(TARGET);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.field("method"), Some("GET"));
    assert_eq!(
        e.field("route"),
        Some("/items/{id}"),
        "learnt after routing"
    );
    assert_eq!(e.field("path"), Some("/items/7"));
    assert_eq!(e.field("status"), Some("200"));
    assert_eq!(e.field("bytes"), Some("4"));
    assert_eq!(e.field("request_id"), headers["x-request-id"].to_str().ok());
    assert_eq!(e.field("peer"), Some("192.0.2.7:5000"));
    assert_eq!(e.field("complete"), Some("true"));
    assert!(e.field("latency_us").unwrap().parse::<u64>().is_ok());
}

#[test]
fn a_streamed_body_is_logged_when_it_ends_with_its_real_length() {
    let recorder = common::Recorder::default();
    let app = app();
    common::run_recorded(&recorder, async {
        let req = http::Request::get("/stream")
            .body(Default::default())
            .unwrap();
        let mut body = app.call(req).await.into_body();
        body.frame().await.unwrap().unwrap();
        assert!(
            recorder.events_of(TARGET).is_empty(),
            "not before the body ends"
        );
        while body.frame().await.is_some() {}
    });
    let events = recorder.events_of(TARGET);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].field("bytes"), Some("9"));
    assert_eq!(events[0].field("complete"), Some("true"));
}

#[test]
fn a_body_dropped_midway_is_logged_incomplete() {
    let recorder = common::Recorder::default();
    let app = app();
    common::run_recorded(&recorder, async {
        let req = http::Request::get("/stream")
            .body(Default::default())
            .unwrap();
        let mut body = app.call(req).await.into_body();
        body.frame().await.unwrap().unwrap();
        // The client went away.
        drop(body);
    });
    let events = recorder.events_of(TARGET);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].field("bytes"), Some("2"));
    assert_eq!(events[0].field("complete"), Some("false"));
}

#[test]
fn unmatched_requests_and_group_level() {
    let recorder = common::Recorder::default();
    let app = app();
    common::run_recorded(&recorder, async {
        get(&app, "/missing").await;
        get(&app, "/g/x").await;
    });
    let events = recorder.events_of(TARGET);
    assert_eq!(events.len(), 3, "the app's log twice, the group's once");
    assert_eq!(events[0].field("route"), Some("-"));
    assert_eq!(events[0].field("status"), Some("404"));
    assert!(events[1..].iter().all(|e| e.field("route") == Some("/g/x")));
}

#[tokio::test]
async fn nobody_listening_means_nothing_logged_and_the_response_untouched() {
    // No subscriber in this test: the body stays a single buffer, not a wrapped stream.
    let res = app()
        .call(
            http::Request::get("/items/1")
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(res.body().as_bytes(), Some(&b"item"[..]));
}
