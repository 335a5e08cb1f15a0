//! The per-request glue between hyper and the app.

use std::convert::Infallible;
use std::time::Instant;

use http::{HeaderValue, header};
use hyper::body::Incoming;
use pulya_app::{AppService, RequestBody, Response};
use tracing::Instrument;

const SERVER_NAME: HeaderValue = HeaderValue::from_static("pulya");

/// Answers one request: wraps hyper's body without boxing it, calls the app and adds `Server`.
pub(crate) async fn handle(
    app: AppService,
    req: http::Request<Incoming>,
) -> Result<Response, Infallible> {
    let req = req.map(RequestBody::from);
    let span = tracing::debug_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        status = tracing::field::Empty,
        latency_us = tracing::field::Empty,
    );
    let mut res = if span.is_disabled() {
        app.call(req).await
    } else {
        let start = Instant::now();
        let res = app.call(req).instrument(span.clone()).await;
        span.record("status", res.status().as_u16());
        span.record("latency_us", start.elapsed().as_micros() as u64);
        res
    };
    res.headers_mut()
        .entry(header::SERVER)
        .or_insert(SERVER_NAME);
    Ok(res)
}
