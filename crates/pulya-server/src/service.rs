//! The per-request glue between hyper and the app.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use pulya_app::{AppService, Body, ErrorResponse, IntoResponse, Response};
use pulya_core::BoxError;
use pulya_responses::sse::EndOnShutdown;
use tokio::sync::watch;
use tracing::Instrument;

use crate::idle::{Activity, InFlight};

const SERVER_NAME: HeaderValue = HeaderValue::from_static("pulya");

/// What every request of one server shares: the app, and the flag that turns true when the
/// server starts shutting down.
pub(crate) struct Serving {
    pub(crate) app: AppService,
    pub(crate) stopping: watch::Receiver<bool>,
    pub(crate) max_uri_bytes: usize,
    /// The open WebSockets, which graceful shutdown waits for.
    #[cfg(feature = "ws")]
    pub(crate) sockets: Arc<crate::ws::OpenSockets>,
}

/// One connection: the server's shared part, this connection's activity, which its idle
/// watchdog reads, and the peer's address, which every request reports as `ConnectInfo`.
pub(crate) struct Connection {
    pub(crate) serving: Arc<Serving>,
    pub(crate) activity: Arc<Activity>,
    pub(crate) peer: SocketAddr,
}

/// Answers one request: wraps hyper's body without boxing it, calls the app and adds `Server`.
/// A response marked [`EndOnShutdown`] ends between two frames when the server shuts down. The
/// request counts as in flight for the idle watchdog until its response body is done.
pub(crate) async fn handle(
    connection: Arc<Connection>,
    req: http::Request<Incoming>,
) -> Result<Response, Infallible> {
    let in_flight = connection.activity.enter();
    let serving = &connection.serving;
    let uri_bytes = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_bytes > serving.max_uri_bytes {
        let message = format!("the URI is longer than {} bytes", serving.max_uri_bytes);
        let mut res = ErrorResponse::new(StatusCode::URI_TOO_LONG, message).into_response();
        res.headers_mut().insert(header::SERVER, SERVER_NAME);
        return Ok(res);
    }
    #[allow(unused_mut, reason = "changed with the `ws` feature only")]
    let mut req = req.map(Body::from);
    // An upgrade request learns the server's shutdown, its socket count and the app whose open
    // connections it joins (one lookup of the headers per request, with the `ws` feature only).
    #[cfg(feature = "ws")]
    if req.headers().contains_key(header::UPGRADE) {
        req.extensions_mut().insert(crate::ws::ServerSide {
            stopping: serving.stopping.clone(),
            sockets: Arc::clone(&serving.sockets),
            app: serving.app.clone(),
        });
    }
    let span = tracing::debug_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        status = tracing::field::Empty,
        latency_us = tracing::field::Empty,
    );
    let mut res = if span.is_disabled() {
        serving.app.call_from(req, connection.peer).await
    } else {
        let start = Instant::now();
        let res = serving
            .app
            .call_from(req, connection.peer)
            .instrument(span.clone())
            .await;
        span.record("status", res.status().as_u16());
        span.record("latency_us", start.elapsed().as_micros() as u64);
        res
    };
    res.headers_mut()
        .entry(header::SERVER)
        .or_insert(SERVER_NAME);
    if res.body().size_hint().exact().is_some() {
        return Ok(res);
    }
    // A stream: in flight until it ends, so the idle watchdog does not take it for idleness;
    // and when marked so, ended at graceful shutdown.
    let stop = res.extensions().get::<EndOnShutdown>().map(|_| {
        let mut stopping = serving.stopping.clone();
        let stop: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
            // An error means the server is gone, which is a shutdown too.
            let _ = stopping.wait_for(|stopping| *stopping).await;
        });
        stop
    });
    Ok(res.map(|body| {
        Body::new(Streaming {
            body,
            _in_flight: in_flight,
            stop,
            done: false,
        })
    }))
}

/// A streaming response body as served: it keeps its request in flight until it ends or is
/// dropped, and with a `stop` future it ends (cleanly, as if its stream had ended) once the
/// server is shutting down.
struct Streaming {
    body: Body,
    _in_flight: InFlight,
    stop: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    done: bool,
}

impl http_body::Body for Streaming {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let stopped = self
            .stop
            .as_mut()
            .is_some_and(|stop| stop.as_mut().poll(cx).is_ready());
        if self.done || stopped {
            self.done = true;
            return Poll::Ready(None);
        }
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        // It may end early, so no exact length; at most the inner body's.
        let mut hint = SizeHint::new();
        if let Some(upper) = self.body.size_hint().upper() {
            hint.set_upper(upper);
        }
        hint
    }
}
