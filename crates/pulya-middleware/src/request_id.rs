//! Request ids: every request gets one (a UUID v7 unless the app makes its own), which goes on
//! the request's headers and its context, into the tracing span of the rest of the chain, and
//! onto the response.

use std::fmt;
use std::sync::Arc;

use http::header::{HeaderName, HeaderValue, InvalidHeaderName};
use http::request::Parts;
use pulya_core::extract::FromRequestParts;
use pulya_core::{BoxFuture, ErrorResponse, Middleware, Next, Request, RequestContext, Response};
use tracing::Instrument as _;

/// The default header: `x-request-id`.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming id that is kept, in bytes.
pub const MAX_INCOMING_LEN: usize = 128;

/// Middleware that gives every request an id.
///
/// - The id is a UUID v7 (time-ordered, so ids sort by arrival), or what
///   [`make_id`](RequestId::make_id) returns.
/// - An id the client sent is kept only when [`trust_incoming`](RequestId::trust_incoming) is
///   on (behind a proxy that sets it) and it is well-formed: 1 to 128 visible ASCII bytes.
///   Otherwise it is replaced, never rejected.
/// - The id is set on the request's header (for tower layers and calls to other services),
///   put into its context ([`RequestContext::request_id`], where a handler takes it as the
///   extractor [`Id`]), recorded as the field `request_id` of a `request` span around the
///   rest of the chain, and set on the response.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_app::App;
/// use pulya_middleware::request_id::{Id, RequestId};
///
/// let client = App::new()
///     .middleware(RequestId::new())
///     .get("/", |id: Id| async move { id.as_str().to_owned() })
///     .test_client();
///
/// let res = client.get("/").send().await;
/// assert_eq!(res.header("x-request-id"), Some(res.text()));
/// assert_eq!(res.text().len(), 36); // a UUID, hyphenated
///
/// // A client's id is replaced unless trusted.
/// let res = client.get("/").header("x-request-id", "mine").send().await;
/// assert_ne!(res.text(), "mine");
/// # }
/// ```
#[derive(Clone)]
pub struct RequestId {
    header: HeaderName,
    trust_incoming: bool,
    make: Option<Arc<dyn Fn() -> HeaderValue + Send + Sync>>,
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestId")
            .field("header", &self.header)
            .field("trust_incoming", &self.trust_incoming)
            .field(
                "make_id",
                &self.make.as_ref().map_or("uuid v7", |_| "the app's"),
            )
            .finish()
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestId {
    /// The middleware: header `x-request-id`, UUID v7 ids, incoming ids not trusted.
    pub fn new() -> Self {
        Self {
            header: X_REQUEST_ID,
            trust_incoming: false,
            make: None,
        }
    }

    /// The header that carries the id, both ways. Default: `x-request-id`.
    ///
    /// # Errors
    /// When `name` is not a valid header name.
    pub fn header(mut self, name: &str) -> Result<Self, InvalidHeaderName> {
        self.header = HeaderName::try_from(name)?;
        Ok(self)
    }

    /// Whether a well-formed id sent by the client is kept. Default: no, since any client can
    /// send one; turn it on behind a proxy or a gateway that sets the header itself.
    pub fn trust_incoming(mut self, trust: bool) -> Self {
        self.trust_incoming = trust;
        self
    }

    /// Makes ids with `make` instead of UUID v7. Default: UUID v7.
    pub fn make_id(mut self, make: impl Fn() -> HeaderValue + Send + Sync + 'static) -> Self {
        self.make = Some(Arc::new(make));
        self
    }

    /// The header name in use.
    pub fn header_name(&self) -> &HeaderName {
        &self.header
    }

    /// Gives `req` its id (kept or new), on its headers and in the context of `next`, and
    /// returns it.
    pub(crate) fn assign(&self, req: &mut Request, next: &mut Next) -> HeaderValue {
        // An untrusted incoming id is not even looked at: the insert below replaces it.
        let kept = if self.trust_incoming {
            req.headers()
                .get(&self.header)
                .filter(|id| is_well_formed(id))
        } else {
            None
        };
        let id = match kept {
            Some(id) => id.clone(),
            None => {
                let id = self.make.as_ref().map_or_else(uuid_v7, |make| make());
                req.headers_mut().insert(self.header.clone(), id.clone());
                id
            }
        };
        next.context_mut().set_request_id(id.clone());
        id
    }
}

/// A fresh UUID v7, hyphenated and lower case: the Unix time in milliseconds, a 12-bit counter
/// (RFC 9562 §6.2, method 1) and 62 random bits.
///
/// The random bits come from SipHash under the thread's secret keys (std's `RandomState`,
/// seeded by the OS once per thread) over the thread's counter: unpredictable enough for an
/// id, with no system call and no lock per request, where `Uuid::now_v7` takes a global lock.
/// The text is owned by a `Bytes` made once, so the id's clones (request, context, response,
/// logs) share it without further allocations.
fn uuid_v7() -> HeaderValue {
    use std::hash::BuildHasher as _;
    thread_local! {
        static RANDOM: (std::collections::hash_map::RandomState, std::cell::Cell<u64>) =
            Default::default();
    }
    let counter_and_random = RANDOM.with(|(keys, n)| {
        let count = n.get().wrapping_add(1);
        n.set(count);
        let mut bytes = [0u8; 10];
        bytes[..2].copy_from_slice(&(count as u16).to_be_bytes());
        bytes[2..].copy_from_slice(&keys.hash_one(count).to_le_bytes());
        bytes
    });
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let uuid = uuid::Builder::from_unix_timestamp_millis(millis, &counter_and_random).into_uuid();
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid.hyphenated().encode_lower(&mut text);
    HeaderValue::from_maybe_shared(bytes::Bytes::from_owner(text))
        .expect("a hyphenated UUID is a valid header value")
}

/// 1 to [`MAX_INCOMING_LEN`] visible ASCII bytes.
fn is_well_formed(id: &HeaderValue) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty() && bytes.len() <= MAX_INCOMING_LEN && bytes.iter().all(u8::is_ascii_graphic)
}

/// The span the rest of the chain runs in: `request` with the field `request_id`.
pub(crate) fn span(id: &HeaderValue) -> tracing::Span {
    tracing::info_span!("request", request_id = id.to_str().unwrap_or_default())
}

impl Middleware for RequestId {
    fn call(&self, mut req: Request, mut next: Next) -> BoxFuture<'static, Response> {
        let id = self.assign(&mut req, &mut next);
        let header = self.header.clone();
        let span = span(&id);
        let fut = next.run(req).instrument(span);
        Box::pin(async move {
            let mut res = fut.await;
            res.headers_mut().insert(header, id);
            res
        })
    }
}

/// The request's id, as [`RequestId`] set it in the request's context, as an extractor.
/// A handler that asks for it where no `RequestId` runs gets a 500 that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id(HeaderValue);

impl Id {
    /// The id as text (ids are visible ASCII).
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }

    /// The id as a header value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromRequestParts for Id {
    type Rejection = ErrorResponse;

    async fn from_request_parts(
        _: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        cx.request_id().cloned().map(Id).ok_or_else(|| {
            ErrorResponse::new(
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "no request id: the RequestId middleware does not run before this handler",
            )
        })
    }
}
