//! Static files from a directory, as an endpoint: `GET /static/app.js` answers with
//! `<root>/app.js`.
//!
//! ```no_run
//! use http::Method;
//! use pulya_app::App;
//! use pulya_middleware::serve_dir::ServeDir;
//!
//! let files = ServeDir::new("public").strip_prefix("/static");
//! let app = App::new()
//!     // The mount point itself serves the root's `index.html`.
//!     .route_endpoint(Method::GET, "/static", files.clone())
//!     .route_endpoint(Method::GET, "/static/{*path}", files);
//! ```
//!
//! Path safety: the request path is split on `/` first and each segment percent-decoded after,
//! so an encoded slash cannot join segments. A segment that is `..` (also as `%2e%2e`), holds a
//! backslash or NUL, or decodes to invalid UTF-8 or a `/` is refused with 404; the resolved
//! file must lie inside the canonical root, so a symlink that points out of it is refused too.
//! Only regular files are served (a directory serves its `index.html`).
//!
//! What a response carries:
//! - `Content-Type` from the extension (`mime_guess`; text types with `charset=utf-8`),
//!   `Content-Length`, `Last-Modified`, an `ETag` of the file's length and modification time,
//!   and `Accept-Ranges: bytes`;
//! - `304 Not Modified` for a matching `If-None-Match` (or, without one, an `If-Modified-Since`
//!   not older than the file);
//! - `206 Partial Content` with `Content-Range` for one satisfiable `bytes=` range, `416` with
//!   `Content-Range: bytes */<length>` for an unsatisfiable one; several ranges, or a malformed
//!   `Range`, get the whole file (as RFC 9110 allows);
//! - a precompressed sibling (`app.js.br`, `app.js.gz`) instead of the file when the client's
//!   `Accept-Encoding` takes it, with `Content-Encoding` and `Vary: Accept-Encoding`;
//! - the file streamed in chunks ([`ServeDir::chunk_size`]), never read whole;
//! - 404 in Pulya's error shape for anything not served.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body::{Frame, SizeHint};
use percent_encoding::percent_decode_str;
use pulya_core::{
    Body, BoxError, BoxFuture, Endpoint, ErrorResponse, IntoResponse, Request, RequestContext,
    Response,
};
use tokio::io::{AsyncRead, AsyncSeekExt, ReadBuf};

/// Default size of the chunks a file is streamed in: 64 KiB.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// Serves the files under a root directory; the [`Endpoint`] of a route ending in a catch-all
/// (`App::route_endpoint`).
#[derive(Debug, Clone)]
pub struct ServeDir {
    inner: Arc<Config>,
}

#[derive(Debug, Clone)]
struct Config {
    root: PathBuf,
    prefix: String,
    chunk_size: usize,
    precompressed: bool,
}

impl ServeDir {
    /// Serves the files under `root`, the request path taken whole (see
    /// [`strip_prefix`](ServeDir::strip_prefix)).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            inner: Arc::new(Config {
                root: root.into(),
                prefix: String::new(),
                chunk_size: DEFAULT_CHUNK_SIZE,
                precompressed: true,
            }),
        }
    }

    /// Removes `prefix` (the route's static part, such as `/static`) from the request path
    /// before looking the file up.
    pub fn strip_prefix(mut self, prefix: &str) -> Self {
        Arc::make_mut(&mut self.inner).prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// The size of the chunks a file is read and sent in (at least 1 byte). Default:
    /// [`DEFAULT_CHUNK_SIZE`].
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        Arc::make_mut(&mut self.inner).chunk_size = bytes.max(1);
        self
    }

    /// Whether a precompressed sibling (`.br`, `.gz`) is served when the client accepts its
    /// encoding. Default: `true`.
    pub fn precompressed(mut self, enabled: bool) -> Self {
        Arc::make_mut(&mut self.inner).precompressed = enabled;
        self
    }

    /// The response for the request path `path` (percent-encoded, as on the wire) with the
    /// request's `headers` (for `Range`, `If-None-Match`, `If-Modified-Since` and
    /// `Accept-Encoding`).
    pub async fn serve(&self, path: &str, headers: &HeaderMap) -> Response {
        let config = &self.inner;
        let Some(relative) = path
            .strip_prefix(config.prefix.as_str())
            .and_then(safe_relative_path)
        else {
            return not_found();
        };
        let root = config.root.clone();
        let encodings = if config.precompressed {
            accepted_encodings(headers.get(header::ACCEPT_ENCODING))
        } else {
            Vec::new()
        };
        let found =
            tokio::task::spawn_blocking(move || find_inside(&root, &relative, &encodings)).await;
        let found = match found {
            Ok(Ok(found)) => found,
            Ok(Err(err)) => {
                if err.kind() != io::ErrorKind::NotFound {
                    tracing::debug!(%err, path, "a static file was not served");
                }
                return not_found();
            }
            Err(err) => {
                tracing::error!(%err, "the blocking file lookup failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        let mut res = respond(found, headers, config).await;
        if config.precompressed {
            res.headers_mut()
                .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        res
    }
}

impl Endpoint for ServeDir {
    fn call(&self, req: Request, _: RequestContext) -> BoxFuture<'static, Response> {
        let this = self.clone();
        Box::pin(async move { this.serve(req.uri().path(), req.headers()).await })
    }
}

/// A file found for a request: the one to send (maybe a precompressed sibling), its length,
/// modification time and encoding, and the content type of the file asked for.
struct Found {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    encoding: Option<&'static str>,
    content_type: HeaderValue,
}

async fn respond(found: Found, headers: &HeaderMap, config: &Config) -> Response {
    let etag = etag(&found);
    let last_modified = found.modified.map(httpdate::fmt_http_date);
    if not_modified(headers, &etag, found.modified) {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        validators(&mut res, &etag, last_modified.as_deref());
        return res;
    }
    let (status, start, len) = match requested_range(headers.get(header::RANGE), found.len) {
        RangeAsked::Whole => (StatusCode::OK, 0, found.len),
        RangeAsked::Part { start, end } => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        RangeAsked::Unsatisfiable => {
            let mut res = ErrorResponse::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                format!("the range is outside the file's {} bytes", found.len),
            )
            .into_response();
            if let Ok(value) = HeaderValue::try_from(format!("bytes */{}", found.len)) {
                res.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return res;
        }
    };
    let mut file = match tokio::fs::File::open(&found.path).await {
        Ok(file) => file,
        Err(err) => {
            tracing::debug!(%err, path = %found.path.display(), "a static file vanished");
            return not_found();
        }
    };
    if start > 0 {
        if let Err(err) = file.seek(io::SeekFrom::Start(start)).await {
            tracing::error!(%err, "seeking in a static file failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let body = FileBody {
        file,
        remaining: len,
        chunk: config.chunk_size,
    };
    let mut res = Response::new(Body::new(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, found.content_type);
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(encoding) = found.encoding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    if status == StatusCode::PARTIAL_CONTENT {
        let range = format!("bytes {start}-{}/{}", start + len - 1, found.len);
        if let Ok(value) = HeaderValue::try_from(range) {
            h.insert(header::CONTENT_RANGE, value);
        }
    }
    validators(&mut res, &etag, last_modified.as_deref());
    res
}

fn not_found() -> Response {
    ErrorResponse::new(StatusCode::NOT_FOUND, "Not Found").into_response()
}

fn whole_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A strong validator of the representation: its length, its modification time to the
/// nanosecond, and its encoding.
fn etag(found: &Found) -> String {
    let nanos = found
        .modified
        .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    match found.encoding {
        Some(encoding) => format!("\"{:x}-{nanos:x}-{encoding}\"", found.len),
        None => format!("\"{:x}-{nanos:x}\"", found.len),
    }
}

fn validators(res: &mut Response, etag: &str, last_modified: Option<&str>) {
    if let Ok(value) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, value);
    }
    if let Some(value) = last_modified.and_then(|v| HeaderValue::from_str(v).ok()) {
        res.headers_mut().insert(header::LAST_MODIFIED, value);
    }
}

/// Whether the client's copy is current: `If-None-Match` when sent (any listed tag, weak or
/// not, or `*`), else `If-Modified-Since` not older than the file (HTTP dates have whole
/// seconds).
fn not_modified(headers: &HeaderMap, etag: &str, modified: Option<SystemTime>) -> bool {
    if let Some(tags) = headers.get(header::IF_NONE_MATCH) {
        let Ok(tags) = tags.to_str() else {
            return false;
        };
        return tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    match (since, modified) {
        (Some(since), Some(modified)) => whole_seconds(modified) <= whole_seconds(since),
        _ => false,
    }
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeAsked {
    Whole,
    /// Bytes `start..=end`.
    Part {
        start: u64,
        end: u64,
    },
    Unsatisfiable,
}

/// One `bytes=` range (`a-b`, `a-`, `-n`); anything else (several ranges, another unit, a
/// malformed value) is the whole file.
fn requested_range(range: Option<&HeaderValue>, len: u64) -> RangeAsked {
    let Some(spec) = range
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes="))
    else {
        return RangeAsked::Whole;
    };
    if spec.contains(',') {
        return RangeAsked::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsked::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let parse = |n: &str| n.parse::<u64>().ok();
    let (start, end) = match (first.is_empty(), last.is_empty()) {
        // The last `n` bytes.
        (true, false) => match parse(last) {
            Some(0) => return RangeAsked::Unsatisfiable,
            Some(n) => (len.saturating_sub(n), len.saturating_sub(1)),
            None => return RangeAsked::Whole,
        },
        (false, true) => match parse(first) {
            Some(start) => (start, len.saturating_sub(1)),
            None => return RangeAsked::Whole,
        },
        (false, false) => match (parse(first), parse(last)) {
            (Some(start), Some(end)) if start <= end => (start, end.min(len.saturating_sub(1))),
            _ => return RangeAsked::Whole,
        },
        (true, true) => return RangeAsked::Whole,
    };
    if len == 0 || start >= len {
        return RangeAsked::Unsatisfiable;
    }
    RangeAsked::Part { start, end }
}

/// The precompressed encodings the client accepts, best first: `br` then `gzip`, each unless
/// refused with `q=0` (also through `*;q=0`). A malformed header accepts none.
fn accepted_encodings(accept: Option<&HeaderValue>) -> Vec<&'static str> {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return Vec::new();
    };
    let mut star = None;
    let mut listed: Vec<(&str, bool)> = Vec::new();
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let mut refused = false;
        for param in parts {
            if let Some(q) = param.trim().strip_prefix("q=") {
                match q.trim().parse::<f32>() {
                    Ok(q) => refused = q <= 0.0,
                    Err(_) => return Vec::new(),
                }
            }
        }
        if name == "*" {
            star = Some(!refused);
        } else {
            listed.push((name, !refused));
        }
    }
    let takes = |encoding: &str| {
        listed
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(encoding))
            .map(|(_, ok)| *ok)
            .or(star)
            .unwrap_or(false)
    };
    [("br", "br"), ("gzip", "gzip")]
        .into_iter()
        .filter(|(token, _)| takes(token))
        .map(|(_, encoding)| encoding)
        .collect()
}

/// The relative file path of a request path, or `None` when it is not safe: each `/`-separated
/// segment is percent-decoded on its own and must be valid UTF-8 without `/`, `\`, NUL, and not
/// `..`; empty and `.` segments are skipped.
fn safe_relative_path(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for raw in path.split('/') {
        let segment = percent_decode_str(raw).decode_utf8().ok()?;
        if segment.contains(['/', '\\', '\0']) || segment == ".." {
            return None;
        }
        if segment.is_empty() || segment == "." {
            continue;
        }
        // On any platform, the segment must be one plain name (no drive prefix, no root).
        let mut components = Path::new(segment.as_ref()).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(name)), None) => out.push(name),
            _ => return None,
        }
    }
    Some(out)
}

/// Finds `root/relative` (or its `index.html` when it is a directory) if, with symlinks
/// resolved, it lies inside `root` and is a regular file; then the first of its precompressed
/// siblings that `encodings` allows and that exists.
fn find_inside(root: &Path, relative: &Path, encodings: &[&'static str]) -> io::Result<Found> {
    let root = root.canonicalize()?;
    let mut file = root.join(relative).canonicalize()?;
    if file.is_dir() {
        file = file.join("index.html").canonicalize()?;
    }
    if !file.starts_with(&root) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the path resolves outside the root",
        ));
    }
    let meta = std::fs::metadata(&file)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "not a regular file",
        ));
    }
    let content_type = content_type(&file);
    for &encoding in encodings {
        let suffix = if encoding == "br" { "br" } else { "gz" };
        let mut name = file.clone().into_os_string();
        name.push(".");
        name.push(suffix);
        let sibling = PathBuf::from(name);
        // The sibling must resolve inside the root too (it may be a symlink).
        let Ok(resolved) = sibling.canonicalize() else {
            continue;
        };
        match std::fs::metadata(&resolved) {
            Ok(m) if m.is_file() && resolved.starts_with(&root) => {
                return Ok(Found {
                    path: resolved,
                    len: m.len(),
                    modified: m.modified().ok(),
                    encoding: Some(encoding),
                    content_type,
                });
            }
            _ => continue,
        }
    }
    Ok(Found {
        path: file,
        len: meta.len(),
        modified: meta.modified().ok(),
        encoding: None,
        content_type,
    })
}

/// The content type of a file by its extension; text types say `charset=utf-8`.
fn content_type(file: &Path) -> HeaderValue {
    let mime = mime_guess::from_path(file).first_or_octet_stream();
    let value = if mime.type_() == mime_guess::mime::TEXT {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_owned()
    };
    HeaderValue::try_from(value).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

/// A file's bytes from where it was opened (and sought), `remaining` of them, read in chunks
/// as the connection asks for them.
struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    chunk: usize,
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(self.remaining).map_or(self.chunk, |r| r.min(self.chunk));
        let mut buf = vec![0u8; want];
        let mut read = ReadBuf::new(&mut buf);
        match Pin::new(&mut self.file).poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(err)) => Poll::Ready(Some(Err(err.into()))),
            Poll::Ready(Ok(())) => {
                let n = read.filled().len();
                if n == 0 {
                    // The file shrank while it was sent: end with an error, not a short body.
                    self.remaining = 0;
                    return Poll::Ready(Some(Err("the file ended before its length".into())));
                }
                buf.truncate(n);
                self.remaining -= n as u64;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::safe_relative_path;

    #[test]
    fn unsafe_paths_are_refused() {
        for path in [
            "..",
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/x",
            "/%2E%2e/x",
            "/a%2f..%2f..%2fx",
            "/a%2fb",
            "/a\\..\\x",
            "/a%5c..%5cx",
            "/a%00b",
            "/%ff",
            "/a/..",
        ] {
            assert_eq!(safe_relative_path(path), None, "{path}");
        }
    }

    #[test]
    fn plain_paths_are_joined() {
        assert_eq!(
            safe_relative_path("/css/site%20main.css").unwrap(),
            std::path::Path::new("css/site main.css")
        );
        assert_eq!(
            safe_relative_path("//a/./b/").unwrap(),
            std::path::Path::new("a/b")
        );
        assert_eq!(safe_relative_path("").unwrap(), std::path::Path::new(""));
    }
}
