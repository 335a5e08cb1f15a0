//! The preset: its parts together (request id, access log, recovery, timeout, security
//! headers) and configured; and the order of a chain of five separate middleware.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;
use http_body_util::BodyExt as _;
use pulya_app::App;
use pulya_core::{BoxFuture, Middleware, Next, Request, Response};
use pulya_middleware::cors::Cors;
use pulya_middleware::request_id::{Id, RequestId};
use pulya_middleware::security_headers::SecurityHeaders;
use pulya_middleware::timeout::Timeout;
use pulya_middleware::{access_log, standard};

async fn boom() -> &'static str {
    panic!("standard boom")
}

fn app() -> pulya_app::AppService {
    App::new()
        .middleware(standard().timeout(Some(Timeout::new(Duration::from_millis(30)))))
        .get("/", |id: Id| async move { id.to_string() })
        .get("/boom", boom)
        .get("/slow", || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        })
        .build()
        .unwrap()
}

async fn get(app: &pulya_app::AppService, path: &str) -> (StatusCode, http::HeaderMap, String) {
    let res = app
        .call(http::Request::get(path).body(Default::default()).unwrap())
        .await;
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[test]
fn every_part_on_every_answer_and_logged_with_the_id() {
    let recorder = common::Recorder::default();
    let app = app();
    let answers = common::run_recorded(&recorder, async {
        let mut out = Vec::new();
        for path in ["/", "/boom", "/slow", "/missing"] {
            out.push(get(&app, path).await);
        }
        out
    });
    let statuses: Vec<u16> = answers.iter().map(|(s, ..)| s.as_u16()).collect();
    assert_eq!(statuses, [200, 500, 503, 404]);
    let ids: Vec<&str> = answers
        .iter()
        .map(|(_, h, _)| h["x-request-id"].to_str().unwrap())
        .collect();
    assert_eq!(answers[0].2, ids[0], "the handler saw the same id");
    for (_, headers, _) in &answers {
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
    }
    // The access log saw the final statuses, each with its request's id.
    let log = recorder.events_of(access_log::TARGET);
    let logged: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.field("status").unwrap(), e.field("request_id").unwrap()))
        .collect();
    let expected: Vec<(String, &str)> = statuses
        .iter()
        .map(|s| s.to_string())
        .zip(ids.iter().copied())
        .collect();
    let expected: Vec<(&str, &str)> = expected.iter().map(|(s, id)| (s.as_str(), *id)).collect();
    assert_eq!(logged, expected);
    assert_eq!(log[0].field("route"), Some("/"));
    // The panic's log line carries the id too.
    let panics = recorder.events_of("pulya::panic");
    assert_eq!(panics.len(), 1);
    assert_eq!(panics[0].field("request_id"), Some(ids[1]));
}

#[tokio::test]
async fn its_parts_are_configured_with_their_own_types() {
    let preset = standard()
        .request_id(RequestId::new().header("x-trace").unwrap())
        .security_headers(SecurityHeaders::new().no_sniff(false))
        .access_log(false)
        .timeout(None);
    let client = App::new()
        .middleware(preset)
        .get("/", || async { "hi" })
        .test_client();
    let res = client.get("/").send().await;
    assert_eq!(res.header("x-trace").map(str::len), Some(36));
    assert_eq!(res.header("x-request-id"), None);
    assert_eq!(res.header("x-content-type-options"), None);
}

/// Records its name when the request passes in and when the response passes out.
struct Step(&'static str, Arc<Mutex<Vec<String>>>);

impl Middleware for Step {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        let (name, trace) = (self.0, Arc::clone(&self.1));
        trace.lock().unwrap().push(format!("in {name}"));
        Box::pin(async move {
            let res = next.run(req).await;
            trace.lock().unwrap().push(format!("out {name}"));
            res
        })
    }
}

#[tokio::test]
async fn a_chain_of_five_runs_in_order_and_the_short_circuit_stops_it() {
    let trace = Arc::new(Mutex::new(Vec::new()));
    let step = |name| Step(name, Arc::clone(&trace));
    let cors = Cors::builder()
        .allow_origins(["https://a.example"])
        .build()
        .unwrap();
    let client = App::new()
        .middleware(step("one"))
        .middleware(RequestId::new())
        .middleware(step("three"))
        .middleware(cors)
        .middleware_at(-1, step("first"))
        .get("/", || async { "hi" })
        .test_client();
    let res = client
        .get("/")
        .header("origin", "https://a.example")
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        *trace.lock().unwrap(),
        [
            "in first",
            "in one",
            "in three",
            "out three",
            "out one",
            "out first"
        ]
    );
    trace.lock().unwrap().clear();
    // A preflight is answered by CORS, the last step: the handler is not reached.
    let res = client
        .request(http::Method::OPTIONS, "/")
        .header("origin", "https://a.example")
        .header("access-control-request-method", "GET")
        .send()
        .await;
    assert_eq!(res.status(), 204);
    assert!(
        res.header("x-request-id").is_some(),
        "steps before CORS still decorate it"
    );
    assert_eq!(trace.lock().unwrap().len(), 6);
}
