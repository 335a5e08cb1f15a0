//! Recovery: a handler's panic is a logged 500 with the request id, a streaming body's panic
//! ends that body with an error, and the app keeps serving.

mod common;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use pulya_app::App;
use pulya_middleware::catch_panic::CatchPanic;
use pulya_middleware::request_id::RequestId;

async fn boom() -> &'static str {
    panic!("the handler broke")
}

/// A stream that yields one chunk, then panics.
struct Breaks(u8);

impl futures_core::Stream for Breaks {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0 += 1;
        if self.0 > 1 {
            panic!("the body broke");
        }
        std::task::Poll::Ready(Some(Ok(Bytes::from_static(b"first"))))
    }
}

fn app() -> pulya_app::AppService {
    App::new()
        .middleware(RequestId::new())
        .middleware(CatchPanic::new())
        .get("/boom", boom)
        .get("/stream", || async {
            pulya_core::Body::from_stream(Breaks(0))
        })
        .get("/", || async { "fine" })
        .build()
        .unwrap()
}

#[test]
fn a_handler_panic_is_a_logged_500_with_the_request_id() {
    let recorder = common::Recorder::default();
    let app = app();
    let (status, text, id) = common::run_recorded(&recorder, async {
        let res = app
            .call(
                http::Request::get("/boom")
                    .body(Default::default())
                    .unwrap(),
            )
            .await;
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        let status = res.status();
        let text = res.into_body().collect().await.unwrap().to_bytes();
        (status, text, id)
    });
    assert_eq!(status, 500);
    assert_eq!(
        &text[..],
        br#"{"error":"internal server error","status":500}"#
    );
    let logged = recorder.events_of("pulya::panic");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].field("panic"), Some("the handler broke"));
    assert_eq!(logged[0].field("request_id"), Some(id.as_str()));
}

#[test]
fn a_streaming_body_that_panics_ends_with_an_error_and_the_app_serves_on() {
    let recorder = common::Recorder::default();
    let app = app();
    let (first, rest, next) = common::run_recorded(&recorder, async {
        let res = app
            .call(
                http::Request::get("/stream")
                    .body(Default::default())
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status(), 200);
        let mut body = res.into_body();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        let rest = body.frame().await.unwrap();
        // Ended: nothing after the error.
        assert!(body.frame().await.is_none());
        let next = app
            .call(http::Request::get("/").body(Default::default()).unwrap())
            .await;
        let next = next.into_body().collect().await.unwrap().to_bytes();
        (first, rest.is_err(), next)
    });
    assert_eq!(&first[..], b"first");
    assert!(
        rest,
        "the panic ends the body with an error, not a clean end"
    );
    assert_eq!(&next[..], b"fine");
    let logged = recorder.events_of("pulya::panic");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].field("panic"), Some("the body broke"));
    assert!(
        logged[0]
            .field("request_id")
            .is_some_and(|id| id.len() == 36)
    );
}

#[tokio::test]
async fn on_a_route_and_without_a_request_id() {
    let client = App::new()
        .get("/boom", boom)
        .route_middleware(CatchPanic::new())
        .get("/", || async { "fine" })
        .test_client();
    assert_eq!(client.get("/boom").send().await.status(), 500);
    assert_eq!(client.get("/").send().await.text(), "fine");
}
