//! Golden bytes of every pre-encoded error page, replacement, and the 405/429 headers.

use http::StatusCode;
use pulya_responses::{ErrorPages, PRE_ENCODED, Response};

fn parts(res: &Response) -> (StatusCode, String, Vec<u8>) {
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    (res.status(), ct, res.body().as_bytes().unwrap().to_vec())
}

#[test]
fn golden_bytes_of_every_page() {
    let pages = ErrorPages::default();
    let golden: [(u16, &str); 12] = [
        (400, r#"{"error":"Bad Request","status":400}"#),
        (401, r#"{"error":"Unauthorized","status":401}"#),
        (403, r#"{"error":"Forbidden","status":403}"#),
        (404, r#"{"error":"Not Found","status":404}"#),
        (405, r#"{"error":"Method Not Allowed","status":405}"#),
        (413, r#"{"error":"Payload Too Large","status":413}"#),
        (415, r#"{"error":"Unsupported Media Type","status":415}"#),
        (422, r#"{"error":"Unprocessable Entity","status":422}"#),
        (429, r#"{"error":"Too Many Requests","status":429}"#),
        (500, r#"{"error":"Internal Server Error","status":500}"#),
        (502, r#"{"error":"Bad Gateway","status":502}"#),
        (503, r#"{"error":"Service Unavailable","status":503}"#),
    ];
    assert_eq!(golden.len(), PRE_ENCODED.len());
    for (code, body) in golden {
        let status = StatusCode::from_u16(code).unwrap();
        let res = pages.response(status);
        assert_eq!(
            parts(&res),
            (
                status,
                "application/json".to_owned(),
                body.as_bytes().to_vec()
            )
        );
    }
}

#[test]
fn pages_can_be_replaced_and_others_are_encoded_on_demand() {
    let mut pages = ErrorPages::default();
    pages
        .set(
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8",
            "<h1>Gone fishing</h1>",
        )
        .unwrap();
    let res = pages.response(StatusCode::NOT_FOUND);
    assert_eq!(
        parts(&res),
        (
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8".to_owned(),
            b"<h1>Gone fishing</h1>".to_vec()
        )
    );
    assert!(
        pages
            .set(StatusCode::IM_A_TEAPOT, "text/plain", "")
            .is_err()
    );
    assert!(pages.set(StatusCode::NOT_FOUND, "bad\nvalue", "").is_err());
    let res = pages.response(StatusCode::IM_A_TEAPOT);
    assert_eq!(
        res.body().as_bytes().unwrap(),
        br#"{"error":"I'm a teapot","status":418}"#
    );
}

#[test]
fn method_not_allowed_and_too_many_requests_add_their_headers() {
    let pages = ErrorPages::default();
    let res = pages.method_not_allowed("GET, HEAD", None);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
    let res = pages.too_many_requests(30);
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "30");
}
