//! Liveness and readiness for a load balancer or an orchestrator: `GET /health/live` answers
//! 200 while the process serves; `GET /health/ready` answers 200, then 503 from the moment
//! graceful shutdown begins, so that traffic moves to other instances while this one drains.
//!
//! The state comes from the server ([`ServeStatus`](pulya_core::ServeStatus), which
//! `pulya-server` writes); both answers are made before routing and reach no handler. A load
//! balancer sees the 503 only while the server still accepts: give the server a drain delay
//! (`pulya_server::Server::drain_delay`) of a little more than the balancer's check interval.

use http::{HeaderValue, Method, StatusCode, header};
use pulya_core::{
    Body, BoxFuture, ErrorResponse, IntoResponse, Middleware, Next, Request, Response,
};

/// The health middleware; put it on the app.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_app::App;
/// use pulya_middleware::health::Health;
///
/// let app = App::new().middleware(Health::new()).build().unwrap();
/// let client = app.test_client();
/// assert_eq!(client.get("/health/live").send().await.status(), 200);
/// assert_eq!(client.get("/health/ready").send().await.text(), r#"{"status":"ready"}"#);
///
/// app.serve_status().begin_drain(); // what the server does when shutdown begins
/// let draining = client.get("/health/ready").send().await;
/// assert_eq!(draining.status(), 503);
/// assert_eq!(client.get("/health/live").send().await.status(), 200);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Health {
    live: Box<str>,
    ready: Box<str>,
}

impl Default for Health {
    fn default() -> Self {
        Self::new()
    }
}

impl Health {
    /// Answers at `/health/live` and `/health/ready`.
    pub fn new() -> Self {
        Self {
            live: "/health/live".into(),
            ready: "/health/ready".into(),
        }
    }

    /// Answers at `live` and `ready` instead (default `/health/live`, `/health/ready`).
    pub fn paths(mut self, live: &str, ready: &str) -> Self {
        self.live = live.into();
        self.ready = ready.into();
        self
    }
}

fn json(body: &'static str) -> Response {
    let mut res = Response::new(Body::from(body));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

impl Middleware for Health {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return next.run(req);
        }
        let path = req.uri().path();
        let res = if path == &*self.live {
            json(r#"{"status":"live"}"#)
        } else if path == &*self.ready {
            if next.context().app().serve_status().is_draining() {
                let mut res = ErrorResponse::new(StatusCode::SERVICE_UNAVAILABLE, "shutting down")
                    .into_response();
                res.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                res
            } else {
                json(r#"{"status":"ready"}"#)
            }
        } else {
            return next.run(req);
        };
        Box::pin(std::future::ready(res))
    }
}
