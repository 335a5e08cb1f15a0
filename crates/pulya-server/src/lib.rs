//! Serves a Pulya [`App`](pulya_app::App) over TCP with hyper.
//!
//! - HTTP/1.1 and HTTP/2 (prior knowledge, `h2c`) on the same port, told apart by the
//!   connection preface; or one of them only (`http1_only`, `http2_only`); or HTTPS with ALPN
//!   (feature `tls`, `Server::tls`).
//! - `TCP_NODELAY` on every connection, keep-alive, a header-read timeout, limits on header count
//!   and size and on open connections: see [`Server`] for each default.
//! - Graceful shutdown on SIGINT/SIGTERM or a future of yours: stop accepting, let in-flight
//!   requests finish within a timeout, then return.
//! - The answers to pipelined HTTP/1.1 requests go out together, in one system call per poll
//!   of the connection rather than one each, with the write buffer bounded (64 KiB), so a client
//!   that does not read stalls its connection instead of growing the server's memory.
//! - Every response carries `Server: pulya` and hyper's `Date` (formatted once a second).
//! - With a `tracing` subscriber listening at DEBUG, one span per request with method, path,
//!   status and latency; with none, the span costs a cached check and nothing is formatted.
//!
//! ```no_run
//! use pulya_app::App;
//! use pulya_server::Server;
//!
//! fn main() -> Result<(), pulya_server::ServeError> {
//!     let app = App::new().get("/", || async { "Hello, World!" });
//!     Server::bind("127.0.0.1:3000").workers(2).serve(app)
//! }
//! ```

mod coalesce;
mod error;
mod idle;
mod server;
mod service;
#[cfg(feature = "tls")]
mod tls;
#[cfg(feature = "ws")]
pub mod ws;

/// rustls, as the server uses it (feature `tls`): for [`Server::tls_config`].
#[cfg(feature = "tls")]
pub use tokio_rustls::rustls;

pub use error::ServeError;
pub use server::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_HEADERS, DEFAULT_MAX_URI_BYTES, DEFAULT_SHUTDOWN_TIMEOUT,
    DEFAULT_TLS_HANDSHAKE_TIMEOUT, Server,
};
