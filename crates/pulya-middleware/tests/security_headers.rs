//! Security headers: the defaults, each setting, a handler's own header kept, every level.

use std::time::Duration;

use pulya_app::App;
use pulya_middleware::security_headers::{FrameOptions, SecurityHeaders};

#[tokio::test]
async fn the_defaults_on_every_answer() {
    let client = App::new()
        .middleware(SecurityHeaders::new())
        .get("/", || async { "hi" })
        .test_client();
    for path in ["/", "/missing"] {
        let res = client.get(path).send().await;
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(res.header("x-frame-options"), Some("DENY"));
        assert_eq!(
            res.header("referrer-policy"),
            Some("strict-origin-when-cross-origin")
        );
        assert_eq!(res.header("content-security-policy"), None);
        assert_eq!(
            res.header("strict-transport-security"),
            None,
            "HSTS only when configured"
        );
    }
}

#[tokio::test]
async fn every_setting() {
    let headers = SecurityHeaders::new()
        .no_sniff(false)
        .frame_options(FrameOptions::Off)
        .referrer_policy(Some("no-referrer"))
        .unwrap()
        .content_security_policy("default-src 'none'")
        .unwrap()
        .hsts(Duration::from_secs(600), false);
    let client = App::new()
        .middleware(headers)
        .get("/", || async { "hi" })
        .test_client();
    let res = client.get("/").send().await;
    assert_eq!(res.header("x-content-type-options"), None);
    assert_eq!(res.header("x-frame-options"), None);
    assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(
        res.header("content-security-policy"),
        Some("default-src 'none'")
    );
    assert_eq!(res.header("strict-transport-security"), Some("max-age=600"));
    let none = SecurityHeaders::new().referrer_policy(None).unwrap();
    let client = App::new()
        .middleware(none)
        .get("/", || async { "hi" })
        .test_client();
    assert_eq!(client.get("/").send().await.header("referrer-policy"), None);
}

#[test]
fn invalid_values_are_refused_at_startup() {
    assert!(
        SecurityHeaders::new()
            .content_security_policy("a\nb")
            .is_err()
    );
    assert!(
        SecurityHeaders::new()
            .referrer_policy(Some("a\u{7f}"))
            .is_err()
    );
}

#[tokio::test]
async fn a_handlers_own_header_is_kept_and_groups_work() {
    let client = App::new()
        .group("/embed", |g| {
            g.get("/page", || async {
                let frame = http::HeaderValue::from_static("SAMEORIGIN");
                ([(http::header::X_FRAME_OPTIONS, frame)], "framed")
            })
            .middleware(SecurityHeaders::new())
        })
        .get("/plain", || async { "plain" })
        .test_client();
    let res = client.get("/embed/page").send().await;
    assert_eq!(res.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        client
            .get("/plain")
            .send()
            .await
            .header("x-content-type-options"),
        None
    );
}
