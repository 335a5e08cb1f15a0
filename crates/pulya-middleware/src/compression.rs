//! Response compression: gzip, brotli and zstd through `async-compression`, chosen by the
//! request's `Accept-Encoding` (RFC 9110 §12.5.3).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use async_compression::Level as CodecLevel;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use http_body::{Body as _, Frame, SizeHint};
use pulya_core::{
    Body, BoxError, BoxFuture, ErrorResponse, IntoResponse, Middleware, Next, Request, Response,
};
use tokio::io::AsyncWrite;

/// A content coding this middleware can apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `br`
    #[cfg(feature = "compression-br")]
    Brotli,
    /// `zstd`
    #[cfg(feature = "compression-zstd")]
    Zstd,
    /// `gzip`
    #[cfg(feature = "compression-gzip")]
    Gzip,
}

impl Coding {
    /// Every coding compiled in, in the order preferred when the client likes them equally:
    /// brotli, zstd, gzip (smallest output first).
    const ALL: &'static [Coding] = &[
        #[cfg(feature = "compression-br")]
        Coding::Brotli,
        #[cfg(feature = "compression-zstd")]
        Coding::Zstd,
        #[cfg(feature = "compression-gzip")]
        Coding::Gzip,
    ];

    /// The coding's token in `Accept-Encoding` and `Content-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            #[cfg(feature = "compression-br")]
            Coding::Brotli => "br",
            #[cfg(feature = "compression-zstd")]
            Coding::Zstd => "zstd",
            #[cfg(feature = "compression-gzip")]
            Coding::Gzip => "gzip",
        }
    }
}

/// How hard to compress: a trade of CPU per response for bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// gzip 1, brotli 1, zstd 1.
    Fastest,
    /// gzip 6, brotli 4, zstd 3: what servers commonly use for responses made per request
    /// (brotli's own default, 11, is meant for files compressed once).
    #[default]
    Default,
    /// gzip 9, brotli 11, zstd 19: for bodies compressed once and served often.
    Best,
}

/// Middleware that compresses responses in the coding the client prefers.
///
/// - The coding is chosen from `Accept-Encoding` by q-value, ties going to brotli, then zstd,
///   then gzip; `*` stands for the codings not listed and `q=0` refuses one. A malformed
///   header is read as absent (identity), not as an error.
/// - When the client refuses identity (`identity;q=0`, or `*;q=0` without it) and accepts no
///   coding this middleware has, the request is answered `406 Not Acceptable` before the
///   handler runs.
/// - Compressed: responses of a compressible type (`text/*`, JSON, JavaScript, XML, SVG,
///   WebAssembly and the `+json` / `+xml` types), of at least [`min_size`](Self::min_size)
///   bytes when their size is known. Not compressed: a response that already has a
///   `Content-Encoding`, a `Content-Range`, `Cache-Control: no-transform`, a status of 204, 206
///   or 304, or the answer to a `HEAD`.
/// - A buffered body is compressed at once and keeps an exact `Content-Length`; a streaming
///   one is compressed as it streams, each chunk flushed as it comes (so that server-sent
///   events arrive when sent).
/// - Every response of a compressible type gets `Vary: Accept-Encoding`; a strong `ETag` of a
///   compressed response is made weak, since the bytes differ.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pulya_app::App;
/// use pulya_middleware::compression::Compression;
///
/// let client = App::new()
///     .middleware(Compression::new())
///     .get("/", || async { "a text that repeats, ".repeat(100) })
///     .test_client();
/// let res = client.get("/").header("accept-encoding", "gzip, br;q=0.5").send().await;
/// assert_eq!(res.header("content-encoding"), Some("gzip"));
/// assert_eq!(res.header("vary"), Some("accept-encoding"));
/// assert!(res.bytes().len() < 2100);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Compression(Arc<Config>);

#[derive(Debug, Clone)]
struct Config {
    codings: Vec<Coding>,
    min_size: u64,
    level: Level,
}

impl Default for Compression {
    fn default() -> Self {
        Self::new()
    }
}

impl Compression {
    /// The middleware with every coding compiled in, a minimum size of 256 bytes and
    /// [`Level::Default`].
    pub fn new() -> Self {
        Self(Arc::new(Config {
            codings: Coding::ALL.to_vec(),
            min_size: 256,
            level: Level::Default,
        }))
    }

    /// The codings to offer, in the order preferred on a tie. Default: every coding compiled
    /// in (features `compression-br`, `compression-zstd`, `compression-gzip`).
    pub fn codings(mut self, codings: impl IntoIterator<Item = Coding>) -> Self {
        self.config().codings = codings.into_iter().collect();
        self
    }

    /// The size in bytes under which a body of known size is sent as it is: below a few
    /// hundred bytes the coding's header and the CPU cost more than they save. Default: 256.
    pub fn min_size(mut self, bytes: u64) -> Self {
        self.config().min_size = bytes;
        self
    }

    /// How hard to compress. Default: [`Level::Default`].
    pub fn level(mut self, level: Level) -> Self {
        self.config().level = level;
        self
    }

    fn config(&mut self) -> &mut Config {
        Arc::make_mut(&mut self.0)
    }
}

/// What the request's `Accept-Encoding` allows.
#[derive(Debug, PartialEq, Eq)]
enum Choice {
    Identity,
    Encode(Coding),
    /// Identity refused and no coding of ours accepted.
    NotAcceptable,
}

/// Reads `Accept-Encoding` and picks among `offered` (in tie order).
fn choose(headers: &HeaderMap, offered: &[Coding]) -> Choice {
    let mut values = headers.get_all(header::ACCEPT_ENCODING).iter().peekable();
    if values.peek().is_none() {
        return Choice::Identity;
    }
    // q-values in thousandths; `None` for a coding not listed.
    let mut star: Option<u16> = None;
    let mut identity: Option<u16> = None;
    let mut listed: [Option<u16>; 3] = [None; 3];
    for value in values {
        let Ok(text) = value.to_str() else {
            return Choice::Identity;
        };
        for item in text.split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let Some((coding, q)) = parse_item(item) else {
                return Choice::Identity;
            };
            if coding == "*" {
                star = Some(q);
            } else if coding.eq_ignore_ascii_case("identity") {
                identity = Some(q);
            } else if let Some(i) = offered
                .iter()
                .position(|c| c.token().eq_ignore_ascii_case(coding))
            {
                if i < listed.len() {
                    listed[i] = Some(q);
                }
            }
        }
    }
    let mut best: Option<(u16, Coding)> = None;
    for (i, &coding) in offered.iter().enumerate().take(listed.len()) {
        let q = listed[i].or(star).unwrap_or(0);
        if q > 0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, coding));
        }
    }
    let identity_q = identity.or(star).unwrap_or(1);
    match best {
        Some((q, coding)) if q >= identity_q || identity_q == 0 => Choice::Encode(coding),
        Some(_) => Choice::Identity,
        None if identity_q == 0 => Choice::NotAcceptable,
        None => Choice::Identity,
    }
}

/// `coding[;q=value]` with optional whitespace; `None` when malformed.
fn parse_item(item: &str) -> Option<(&str, u16)> {
    let mut parts = item.split(';');
    let coding = parts.next()?.trim();
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if coding.is_empty() || !coding.bytes().all(token) {
        return None;
    }
    let mut q = 1000;
    for param in parts {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            q = parse_q(value.trim())?;
        }
    }
    Some((coding, q))
}

/// A q-value (`0`, `0.5`, `1.000`: at most three decimals, at most 1) in thousandths.
fn parse_q(text: &str) -> Option<u16> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = frac.bytes().fold(0u16, |n, b| n * 10 + u16::from(b - b'0'))
        * 10u16.pow(3 - frac.len() as u32);
    match whole {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

/// Whether a `Content-Type` is worth compressing.
fn compressible(content_type: &[u8]) -> bool {
    let essence = content_type
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default();
    let essence = essence.trim_ascii();
    let Some(slash) = essence.iter().position(|&b| b == b'/') else {
        return false;
    };
    let (kind, sub) = (&essence[..slash], &essence[slash + 1..]);
    let is = |a: &[u8], b: &[u8]| a.eq_ignore_ascii_case(b);
    if is(kind, b"text") {
        return true;
    }
    let suffix = |s: &[u8]| sub.len() >= s.len() && is(&sub[sub.len() - s.len()..], s);
    if is(kind, b"image") {
        return is(sub, b"svg+xml");
    }
    is(kind, b"application")
        && (is(sub, b"json")
            || is(sub, b"javascript")
            || is(sub, b"xml")
            || is(sub, b"wasm")
            || is(sub, b"x-ndjson")
            || is(sub, b"graphql-response+json")
            || suffix(b"+json")
            || suffix(b"+xml"))
}

impl Config {
    /// Compresses `res` in `coding` when it qualifies; adds `Vary` when its type could be.
    fn apply(&self, res: Response, coding: Option<Coding>) -> Response {
        let (mut parts, body) = res.into_parts();
        let headers = &mut parts.headers;
        let qualifies_by_type = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| compressible(t.as_bytes()))
            && !headers.contains_key(header::CONTENT_ENCODING);
        if !qualifies_by_type {
            return Response::from_parts(parts, body);
        }
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        let skip = matches!(
            parts.status,
            StatusCode::NO_CONTENT | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
        ) || parts.status.is_informational()
            || headers.contains_key(header::CONTENT_RANGE)
            || headers.get_all(header::CACHE_CONTROL).iter().any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.to_ascii_lowercase().contains("no-transform"))
            })
            || body.size_hint().exact().is_some_and(|n| n < self.min_size);
        let Some(coding) = coding.filter(|_| !skip) else {
            return Response::from_parts(parts, body);
        };
        let body = match body.as_bytes() {
            Some(bytes) => match compress_all(coding, self.level, bytes) {
                Ok(compressed) => Body::full(compressed),
                Err(err) => {
                    tracing::error!(error = %err, "compression failed; sending the body as it is");
                    return Response::from_parts(parts, body);
                }
            },
            None => Body::new(CompressedBody {
                inner: body,
                encoder: Some(Encoder::new(coding, self.level)),
            }),
        };
        headers.remove(header::CONTENT_LENGTH);
        headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(coding.token()),
        );
        weaken_etag(headers);
        Response::from_parts(parts, body)
    }
}

/// A strong `ETag` names the identity bytes; the compressed ones get a weak one.
fn weaken_etag(headers: &mut HeaderMap) {
    if let Some(etag) = headers.get(header::ETAG) {
        if etag.as_bytes().first() == Some(&b'"') {
            let mut weak = b"W/".to_vec();
            weak.extend_from_slice(etag.as_bytes());
            if let Ok(weak) = HeaderValue::from_bytes(&weak) {
                headers.insert(header::ETAG, weak);
            }
        }
    }
}

impl Middleware for Compression {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        let coding = match choose(req.headers(), &self.0.codings) {
            Choice::Identity => None,
            Choice::Encode(coding) => Some(coding),
            Choice::NotAcceptable => {
                let message = "no acceptable content coding: the request refuses identity and \
                               accepts none of the server's";
                let res = ErrorResponse::new(StatusCode::NOT_ACCEPTABLE, message).into_response();
                return Box::pin(std::future::ready(res));
            }
        };
        let coding = coding.filter(|_| req.method() != Method::HEAD);
        let config = Arc::clone(&self.0);
        let fut = next.run(req);
        Box::pin(async move { config.apply(fut.await, coding) })
    }
}

/// One coding's encoder, writing into a buffer that is always ready; its async interface is
/// driven to completion at each call, since nothing in it waits.
enum Encoder {
    #[cfg(feature = "compression-br")]
    /// Boxed: brotli's state is some 5 KiB, the others' a few hundred bytes.
    Brotli(Box<async_compression::tokio::write::BrotliEncoder<Vec<u8>>>),
    #[cfg(feature = "compression-zstd")]
    Zstd(async_compression::tokio::write::ZstdEncoder<Vec<u8>>),
    #[cfg(feature = "compression-gzip")]
    Gzip(async_compression::tokio::write::GzipEncoder<Vec<u8>>),
}

impl Encoder {
    fn new(coding: Coding, level: Level) -> Self {
        let (fastest, default, best) = match coding {
            #[cfg(feature = "compression-br")]
            Coding::Brotli => (1, 4, 11),
            #[cfg(feature = "compression-zstd")]
            Coding::Zstd => (1, 3, 19),
            #[cfg(feature = "compression-gzip")]
            Coding::Gzip => (1, 6, 9),
        };
        let quality = CodecLevel::Precise(match level {
            Level::Fastest => fastest,
            Level::Default => default,
            Level::Best => best,
        });
        let out = Vec::new();
        match coding {
            #[cfg(feature = "compression-br")]
            Coding::Brotli => Encoder::Brotli(Box::new(
                async_compression::tokio::write::BrotliEncoder::with_quality(out, quality),
            )),
            #[cfg(feature = "compression-zstd")]
            Coding::Zstd => Encoder::Zstd(
                async_compression::tokio::write::ZstdEncoder::with_quality(out, quality),
            ),
            #[cfg(feature = "compression-gzip")]
            Coding::Gzip => Encoder::Gzip(
                async_compression::tokio::write::GzipEncoder::with_quality(out, quality),
            ),
        }
    }

    fn writer(&mut self) -> Pin<&mut (dyn AsyncWrite + Send + Unpin)> {
        match self {
            #[cfg(feature = "compression-br")]
            Encoder::Brotli(e) => Pin::new(&mut **e),
            #[cfg(feature = "compression-zstd")]
            Encoder::Zstd(e) => Pin::new(e),
            #[cfg(feature = "compression-gzip")]
            Encoder::Gzip(e) => Pin::new(e),
        }
    }

    fn output(&mut self) -> &mut Vec<u8> {
        match self {
            #[cfg(feature = "compression-br")]
            Encoder::Brotli(e) => e.get_mut(),
            #[cfg(feature = "compression-zstd")]
            Encoder::Zstd(e) => e.get_mut(),
            #[cfg(feature = "compression-gzip")]
            Encoder::Gzip(e) => e.get_mut(),
        }
    }

    /// Compresses `input`; with `flush`, makes everything so far decodable.
    fn write(&mut self, mut input: &[u8], flush: bool) -> io::Result<()> {
        let mut cx = Context::from_waker(Waker::noop());
        while !input.is_empty() {
            match self.writer().poll_write(&mut cx, input) {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => input = &input[n..],
                Poll::Ready(Err(err)) => return Err(err),
                Poll::Pending => return Err(pending()),
            }
        }
        if flush {
            ready(self.writer().poll_flush(&mut cx))?;
        }
        Ok(())
    }

    /// Ends the stream (the coding's trailer).
    fn finish(&mut self) -> io::Result<()> {
        let mut cx = Context::from_waker(Waker::noop());
        ready(self.writer().poll_shutdown(&mut cx))
    }

    /// The bytes written since the last call.
    fn take(&mut self) -> Bytes {
        Bytes::from(std::mem::take(self.output()))
    }
}

fn ready(poll: Poll<io::Result<()>>) -> io::Result<()> {
    match poll {
        Poll::Ready(result) => result,
        Poll::Pending => Err(pending()),
    }
}

fn pending() -> io::Error {
    io::Error::other("a compressor writing into memory was not ready")
}

/// `bytes` compressed whole.
fn compress_all(coding: Coding, level: Level, bytes: &[u8]) -> io::Result<Bytes> {
    let mut encoder = Encoder::new(coding, level);
    encoder.output().reserve(bytes.len() / 2);
    encoder.write(bytes, false)?;
    encoder.finish()?;
    Ok(encoder.take())
}

/// A streaming body, compressed chunk by chunk.
struct CompressedBody {
    inner: Body,
    /// `None` once the coding's trailer is out.
    encoder: Option<Encoder>,
}

impl http_body::Body for CompressedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        loop {
            let Some(encoder) = this.encoder.as_mut() else {
                return Poll::Ready(None);
            };
            let frame = match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(frame) => frame,
            };
            match frame {
                Some(Ok(frame)) => {
                    // Trailers are dropped: a compressed body ends with the coding's trailer.
                    if let Ok(data) = frame.into_data() {
                        encoder.write(&data, true)?;
                        let out = encoder.take();
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(out))));
                        }
                    }
                }
                Some(Err(err)) => {
                    this.encoder = None;
                    return Poll::Ready(Some(Err(err)));
                }
                None => {
                    encoder.finish()?;
                    let out = encoder.take();
                    this.encoder = None;
                    return Poll::Ready(Some(Ok(Frame::data(out))));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.encoder.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(accept: &str) -> Choice {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        choose(&headers, Coding::ALL)
    }

    #[test]
    fn q_values_parse() {
        assert_eq!(parse_q("1"), Some(1000));
        assert_eq!(parse_q("1.000"), Some(1000));
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("0.25"), Some(250));
        assert_eq!(parse_q("0"), Some(0));
        for bad in ["", "foo", "1.5", "2", "0.1234", "-0", ".5", "0.x"] {
            assert_eq!(parse_q(bad), None, "{bad}");
        }
    }

    #[cfg(all(
        feature = "compression-gzip",
        feature = "compression-br",
        feature = "compression-zstd"
    ))]
    #[test]
    fn codings_are_chosen_by_q_then_by_preference() {
        assert_eq!(pick("gzip"), Choice::Encode(Coding::Gzip));
        assert_eq!(pick("gzip, br"), Choice::Encode(Coding::Brotli));
        assert_eq!(pick("gzip;q=1, br;q=0.5"), Choice::Encode(Coding::Gzip));
        assert_eq!(pick("br;q=0, *"), Choice::Encode(Coding::Zstd));
        assert_eq!(pick("*;q=0.1, gzip;q=0.2"), Choice::Encode(Coding::Gzip));
        assert_eq!(pick("identity"), Choice::Identity);
        assert_eq!(pick("deflate"), Choice::Identity);
        assert_eq!(pick("gzip;q=0.5, identity"), Choice::Identity);
        assert_eq!(pick("identity;q=0"), Choice::NotAcceptable);
        assert_eq!(pick("*;q=0"), Choice::NotAcceptable);
        assert_eq!(pick("deflate, identity;q=0"), Choice::NotAcceptable);
        assert_eq!(pick("gzip;q=foo"), Choice::Identity);
        assert_eq!(pick("gzip;;"), Choice::Identity);
        assert_eq!(pick("GZIP"), Choice::Encode(Coding::Gzip));
        assert_eq!(pick(""), Choice::Identity);
    }

    #[test]
    fn types_that_compress() {
        for yes in [
            "text/html; charset=utf-8",
            "application/json",
            "application/problem+json",
            "image/svg+xml",
            "application/javascript",
            "TEXT/PLAIN",
        ] {
            assert!(compressible(yes.as_bytes()), "{yes}");
        }
        for no in [
            "image/png",
            "application/octet-stream",
            "video/mp4",
            "garbage",
            "",
        ] {
            assert!(!compressible(no.as_bytes()), "{no}");
        }
    }
}
