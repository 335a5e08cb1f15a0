//! Prometheus metrics (through `prometheus-client`), served at `GET /metrics` in the OpenMetrics
//! text format, which Prometheus scrapes:
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `pulya_http_requests_total` | counter | `method`, `route`, `status` |
//! | `pulya_http_request_duration_seconds` | histogram | `route` |
//! | `pulya_http_requests_in_flight` | gauge | |
//! | `pulya_connections_open` | gauge | |
//!
//! `route` is the matched route's pattern (`/items/{id}`), never the raw path, and `unmatched`
//! for every request that no route answered (a 404, a 405, a trailing-slash redirect), so that the number of series stays bounded whatever
//! clients send. `method` is one of the standard methods or `other`. A request is counted, and
//! its duration measured, when its response head is ready. Connections are the server's count
//! ([`ServeStatus`](pulya_core::ServeStatus)), read at each scrape; a connection upgraded to a
//! WebSocket counts until the socket closes.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use http::{HeaderValue, Method, header};
use prometheus_client::encoding::{EncodeLabelSet, LabelSetEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use pulya_core::extract::MatchedPath;
use pulya_core::{Body, BoxFuture, Middleware, Next, Request, Response};

/// The route a request is counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RouteLabel {
    Matched(MatchedPath),
    Unmatched,
}

impl RouteLabel {
    fn as_str(&self) -> &str {
        match self {
            RouteLabel::Matched(path) => path.as_str(),
            RouteLabel::Unmatched => "unmatched",
        }
    }
}

/// FNV-1a over `parts`: what the label sets give their family's map to hash. prometheus-client's
/// families hash with SipHash; one word instead of the pattern and its parameter names
/// (`MatchedPath`'s own hash) cuts that work to one round.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for part in parts {
        for &byte in *part {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        hash = (hash ^ 0xff).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RequestLabels {
    method: &'static str,
    route: RouteLabel,
    status: u16,
}

impl EncodeLabelSet for RequestLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder<'_>) -> fmt::Result {
        use prometheus_client::encoding::EncodeLabel;
        ("method", self.method).encode(encoder.encode_label())?;
        ("route", self.route.as_str()).encode(encoder.encode_label())?;
        ("status", self.status).encode(encoder.encode_label())
    }
}

impl Hash for RequestLabels {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let status = self.status.to_le_bytes();
        state.write_u64(fnv1a(&[
            self.method.as_bytes(),
            self.route.as_str().as_bytes(),
            &status,
        ]));
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RouteLabels {
    route: RouteLabel,
}

impl Hash for RouteLabels {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(fnv1a(&[self.route.as_str().as_bytes()]));
    }
}

impl EncodeLabelSet for RouteLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder<'_>) -> fmt::Result {
        use prometheus_client::encoding::EncodeLabel;
        ("route", self.route.as_str()).encode(encoder.encode_label())
    }
}

/// Prometheus's default buckets, in seconds: 5 ms to 10 s.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// What [`LabelHasher`] builds: label sets hash themselves to one word already.
type PassThrough = BuildHasherDefault<LabelHasher>;

/// A hasher for the label sets, which write one word (their FNV-1a): it keeps that word.
#[derive(Default)]
struct LabelHasher(u64);

impl Hasher for LabelHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(&[bytes]);
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = word;
    }
}

/// The two metrics of one label set, shared with their families (a clone shares the value).
struct Series {
    requests: Counter,
    duration: Histogram,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// Each label set met so far, with its metrics: one lookup a request, where the families
    /// take two with SipHash. Bounded as the labels are (routes × methods × statuses).
    series: RwLock<HashMap<RequestLabels, Series, PassThrough>>,
    in_flight: Gauge,
    connections: Gauge,
    path: Option<Box<str>>,
}

/// The metrics middleware: put it on the app (first, so that it times the whole chain).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_app::App;
/// use pulya_middleware::metrics::Metrics;
///
/// let client = App::new()
///     .get("/items/{id}", || async { "an item" })
///     .middleware(Metrics::new())
///     .test_client();
/// client.get("/items/1").send().await;
/// client.get("/items/2").send().await;
/// client.get("/nowhere").send().await;
/// let scrape = client.get("/metrics").send().await;
/// let text = scrape.text();
/// assert!(text.contains(
///     r#"pulya_http_requests_total{method="GET",route="/items/{id}",status="200"} 2"#
/// ));
/// assert!(text.contains(r#"route="unmatched",status="404"} 1"#));
/// # }
/// ```
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// The four metrics, served at `/metrics`.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let duration = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            histogram as fn() -> Histogram,
        );
        let in_flight = Gauge::default();
        let connections = Gauge::default();
        registry.register(
            "pulya_http_requests",
            "Requests answered, by method, matched route and status",
            requests.clone(),
        );
        registry.register(
            "pulya_http_request_duration_seconds",
            "Time to the response head, by matched route",
            duration.clone(),
        );
        registry.register(
            "pulya_http_requests_in_flight",
            "Requests being answered now",
            in_flight.clone(),
        );
        registry.register(
            "pulya_connections_open",
            "Connections open now",
            connections.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                requests,
                duration,
                series: RwLock::default(),
                in_flight,
                connections,
                path: Some("/metrics".into()),
            }),
        }
    }

    /// Serves the metrics at `path` (default `/metrics`), or nowhere with `None` (then
    /// [`render`](Self::render) them from a route of one's own, behind authentication, say).
    ///
    /// # Panics
    /// On a clone (configure before cloning).
    pub fn path(mut self, path: Option<&str>) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("configured before it is cloned")
            .path = path.map(Into::into);
        self
    }

    /// The metrics in the OpenMetrics text format, with `connections` as the open connections.
    pub fn render(&self, connections: usize) -> String {
        self.inner
            .connections
            .set(i64::try_from(connections).unwrap_or(i64::MAX));
        let mut text = String::with_capacity(4096);
        prometheus_client::encoding::text::encode(&mut text, &self.inner.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

impl Inner {
    /// Counts one request of `labels` that took `seconds`.
    fn count(&self, labels: RequestLabels, seconds: f64) {
        {
            let series = self.series.read().unwrap_or_else(|e| e.into_inner());
            if let Some(series) = series.get(&labels) {
                series.requests.inc();
                series.duration.observe(seconds);
                return;
            }
        }
        let mut series = self.series.write().unwrap_or_else(|e| e.into_inner());
        let route = RouteLabels {
            route: labels.route.clone(),
        };
        let new = series.entry(labels).or_insert_with_key(|labels| Series {
            requests: self.requests.get_or_create(labels).clone(),
            duration: self.duration.get_or_create(&route).clone(),
        });
        new.requests.inc();
        new.duration.observe(seconds);
    }
}

/// A request in flight, until its response head is ready or it is dropped.
struct InFlight(Arc<Inner>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.dec();
    }
}

impl Middleware for Metrics {
    fn call(&self, req: Request, mut next: Next) -> BoxFuture<'static, Response> {
        if self.inner.path.as_deref() == Some(req.uri().path()) && req.method() == Method::GET {
            let text = self.render(next.context().app().serve_status().connections_open());
            let mut res = Response::new(Body::from(text));
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            );
            return Box::pin(std::future::ready(res));
        }
        let method = method_label(req.method());
        // At the app level the route is known only after routing, further down the chain.
        let routed = next.context().matched_path().cloned();
        let observer = routed.is_none().then(|| next.context_mut().observe_route());
        let inner = Arc::clone(&self.inner);
        inner.in_flight.inc();
        let in_flight = InFlight(Arc::clone(&inner));
        let started = Instant::now();
        let fut = next.run(req);
        Box::pin(async move {
            let res = fut.await;
            let elapsed = started.elapsed().as_secs_f64();
            let route = match routed.or_else(|| observer?.matched_path().cloned()) {
                Some(path) => RouteLabel::Matched(path),
                None => RouteLabel::Unmatched,
            };
            inner.count(
                RequestLabels {
                    method,
                    route,
                    status: res.status().as_u16(),
                },
                elapsed,
            );
            drop(in_flight);
            res
        })
    }
}
