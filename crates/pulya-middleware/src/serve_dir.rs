//! Static files from a directory, as an endpoint: `GET /static/app.js` answers with
//! `<root>/app.js`.
//!
//! ```no_run
//! use http::Method;
//! use pulya_app::App;
//! use pulya_middleware::serve_dir::ServeDir;
//!
//! let app = App::new().route_endpoint(
//!     Method::GET,
//!     "/static/{*path}",
//!     ServeDir::new("public").strip_prefix("/static"),
//! );
//! ```
//!
//! Path safety: the request path is split on `/` first and each segment percent-decoded after,
//! so an encoded slash cannot join segments. A segment that is `..` (also as `%2e%2e`), holds a
//! backslash or NUL, or decodes to invalid UTF-8 or a `/` is refused with 404; the resolved
//! file must lie inside the canonical root, so a symlink that points out of it is refused too.
//! Only regular files are served (a directory serves its `index.html`).
//!
//! Responses carry `Content-Type` (from the extension), `Content-Length` and `Last-Modified`;
//! `If-Modified-Since` is answered with 304. Files are read whole, up to
//! [`ServeDir::max_file_bytes`]; ranges and compression are not supported yet.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use http::{HeaderValue, StatusCode, header};
use percent_encoding::percent_decode_str;
use pulya_core::{BoxFuture, Endpoint, IntoResponse, Request, RequestContext, Response};

/// Default most bytes of a file served: 16 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

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
    max_file_bytes: u64,
}

impl ServeDir {
    /// Serves the files under `root`, the request path taken whole (see
    /// [`strip_prefix`](ServeDir::strip_prefix)).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            inner: Arc::new(Config {
                root: root.into(),
                prefix: String::new(),
                max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            }),
        }
    }

    /// Removes `prefix` (the route's static part, such as `/static`) from the request path
    /// before looking the file up.
    pub fn strip_prefix(mut self, prefix: &str) -> Self {
        Arc::make_mut(&mut self.inner).prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// The largest file served; a larger one is answered with 404 and logged. Default:
    /// [`DEFAULT_MAX_FILE_BYTES`].
    pub fn max_file_bytes(mut self, bytes: u64) -> Self {
        Arc::make_mut(&mut self.inner).max_file_bytes = bytes;
        self
    }

    /// The response for the request path `path` (percent-encoded, as on the wire), with
    /// `If-Modified-Since` from `if_modified_since`.
    pub async fn serve(&self, path: &str, if_modified_since: Option<&HeaderValue>) -> Response {
        let config = &self.inner;
        let Some(relative) = path
            .strip_prefix(config.prefix.as_str())
            .and_then(safe_relative_path)
        else {
            return not_found();
        };
        let root = config.root.clone();
        let max = config.max_file_bytes;
        let found = tokio::task::spawn_blocking(move || read_inside(&root, &relative, max)).await;
        let (file, bytes, modified) = match found {
            Ok(Ok(found)) => found,
            Ok(Err(err)) => {
                if err.kind() != io::ErrorKind::NotFound {
                    tracing::debug!(%err, path, "a static file was not served");
                }
                return not_found();
            }
            Err(err) => {
                tracing::error!(%err, "the blocking file read failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        let last_modified = modified.map(httpdate::fmt_http_date);
        if let (Some(since), Some(modified)) = (if_modified_since, modified) {
            let since = since
                .to_str()
                .ok()
                .and_then(|s| httpdate::parse_http_date(s).ok());
            // HTTP dates have whole seconds; a file is unmodified when not newer than `since`.
            if since.is_some_and(|since| whole_seconds(modified) <= whole_seconds(since)) {
                let mut res = StatusCode::NOT_MODIFIED.into_response();
                insert_last_modified(&mut res, last_modified.as_deref());
                return res;
            }
        }
        let mut res = bytes.into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(&file)),
        );
        insert_last_modified(&mut res, last_modified.as_deref());
        res
    }
}

impl Endpoint for ServeDir {
    fn call(&self, req: Request, _: RequestContext) -> BoxFuture<'static, Response> {
        let this = self.clone();
        Box::pin(async move {
            let since = req.headers().get(header::IF_MODIFIED_SINCE);
            this.serve(req.uri().path(), since).await
        })
    }
}

fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

fn whole_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn insert_last_modified(res: &mut Response, last_modified: Option<&str>) {
    if let Some(value) = last_modified.and_then(|v| HeaderValue::from_str(v).ok()) {
        res.headers_mut().insert(header::LAST_MODIFIED, value);
    }
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

/// Reads `root/relative` (or its `index.html` when it is a directory) if, with symlinks
/// resolved, it lies inside `root` and is a regular file of at most `max` bytes.
fn read_inside(
    root: &Path,
    relative: &Path,
    max: u64,
) -> io::Result<(PathBuf, Vec<u8>, Option<SystemTime>)> {
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
    if meta.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} bytes, over the limit of {max}", meta.len()),
        ));
    }
    let bytes = std::fs::read(&file)?;
    Ok((file, bytes, meta.modified().ok()))
}

/// The content type of a file by its extension.
fn content_type(file: &Path) -> &'static str {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("wasm") => "application/wasm",
        Some("woff2") => "font/woff2",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
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
