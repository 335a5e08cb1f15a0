//! What the server tells the app about itself: how many connections are open, and whether
//! graceful shutdown has begun. Kept in [`AppData`](crate::AppData), so that middleware
//! (metrics, a readiness check) reads it through the request's context at no cost per request.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The serving state of an app, written by the server that serves it and read by middleware
/// through [`AppData::serve_status`](crate::AppData::serve_status).
///
/// ```
/// use pulya_core::ServeStatus;
///
/// let status = ServeStatus::new();
/// status.connection_opened();
/// assert_eq!(status.connections_open(), 1);
/// status.connection_closed();
/// assert!(!status.is_draining());
/// status.begin_drain();
/// assert!(status.is_draining(), "from here on, a readiness check answers 503");
/// ```
#[derive(Debug, Default)]
pub struct ServeStatus {
    connections: AtomicUsize,
    draining: AtomicBool,
}

impl ServeStatus {
    /// No connection, not draining.
    pub const fn new() -> Self {
        Self {
            connections: AtomicUsize::new(0),
            draining: AtomicBool::new(false),
        }
    }

    /// Connections open now (as the server counts them: accepted and not yet closed; one
    /// upgraded to a WebSocket until the socket closes).
    pub fn connections_open(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Whether graceful shutdown has begun: a readiness check should fail from now on. The
    /// server may go on accepting for its drain delay, then finishes the requests in flight.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Counts a connection accepted. The server calls it.
    pub fn connection_opened(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a connection closed. The server calls it.
    pub fn connection_closed(&self) {
        self.connections.fetch_sub(1, Ordering::Relaxed);
    }

    /// Marks the start of graceful shutdown. The server calls it.
    pub fn begin_drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }
}
