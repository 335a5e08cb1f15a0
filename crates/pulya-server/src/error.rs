//! Errors of starting a server.

use std::fmt;
use std::io;

use pulya_app::BuildError;

/// Why a server could not start. Once it runs, connection errors are logged, not returned.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The app has invalid routes.
    App(BuildError),
    /// The address could not be resolved or bound (in use, not local, bad syntax).
    Bind {
        /// The address as given.
        addr: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The tokio runtime could not be built, or the listener could not be registered with it.
    Runtime(io::Error),
    /// The TLS certificate chain or key is missing, malformed or mismatched (feature `tls`).
    Tls {
        /// What was wrong, with its file where it came from one.
        what: String,
        /// Why.
        reason: String,
    },
    /// What the app builds before serving failed: an eager singleton of its container
    /// ([`AppService::start`](pulya_app::AppService::start)).
    Start(pulya_app::BoxError),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::App(err) => err.fmt(f),
            Self::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            Self::Runtime(err) => write!(f, "cannot start the runtime: {err}"),
            Self::Tls { what, reason } => write!(f, "cannot serve TLS with {what}: {reason}"),
            Self::Start(err) => write!(f, "cannot start the app: {err}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::App(err) => Some(err),
            Self::Bind { source, .. } => Some(source),
            Self::Runtime(err) => Some(err),
            Self::Tls { .. } => None,
            Self::Start(err) => Some(&**err),
        }
    }
}

impl From<BuildError> for ServeError {
    fn from(err: BuildError) -> Self {
        Self::App(err)
    }
}
