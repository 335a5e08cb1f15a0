//! The header-read and idle deadline of a connection, kept without a timer per request.
//!
//! hyper's own `header_read_timeout` arms a timer for every request head, about 1,600
//! instructions per request here (docs/performance.md). Instead, each connection counts the
//! requests it starts and has one watchdog, a task of its own, that wakes every half timeout: when no request
//! started and none was in flight (handler running or body streaming) for two wakes in a row,
//! the client has sent no complete head for at least the timeout, and the connection is closed.
//! A slow or silent client is thus closed between 1× and 1.5× the timeout after its last
//! request (at 1× when it never completed one), and a request costs two atomic additions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::task::AbortHandle;

/// What one connection's requests report to its watchdog.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    started: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    /// Marks a request as started; it is in flight until the guard is dropped.
    pub(crate) fn enter(self: &Arc<Self>) -> InFlight {
        self.started.fetch_add(1, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(Arc::clone(self))
    }

    /// Watches the connection whose task is `connection`: aborts it once it has been idle (no
    /// request started, none in flight) for at least `timeout`, and returns when the connection
    /// has ended by itself. It runs as a task of its own, so the connection's task is not
    /// slowed by polling a timer on every wake.
    pub(crate) async fn watch(&self, timeout: Duration, connection: AbortHandle) {
        let period = timeout / 2;
        // A new connection has started nothing: if that holds at the second check, it never
        // completed a head, and it is closed at 1× the timeout.
        let mut seen = self.started.load(Ordering::Relaxed);
        let mut quiet = 0;
        loop {
            tokio::time::sleep(period).await;
            if connection.is_finished() {
                return;
            }
            let started = self.started.load(Ordering::Relaxed);
            if started == seen && self.in_flight.load(Ordering::Relaxed) == 0 {
                quiet += 1;
                if quiet == 2 {
                    tracing::debug!("closing a connection idle past the header-read timeout");
                    connection.abort();
                    return;
                }
            } else {
                quiet = 0;
            }
            seen = started;
        }
    }
}

/// A request in flight on its connection, until dropped.
#[derive(Debug)]
pub(crate) struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}
