//! What the TCP test binaries share: a server on a free port that a test can stop, and the
//! check that the server closed a connection.
#![allow(dead_code, reason = "each test binary uses its own part")]

use std::net::SocketAddr;
use std::time::Duration;

use pulya_app::{App, AppService};
use pulya_server::{ServeError, Server};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A hang guard: generous, and only there so that a broken server fails instead of hanging.
pub(crate) const GUARD: Duration = Duration::from_secs(20);

pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServeError>>,
}

/// Serves `app` on a free port of 127.0.0.1 with `server`'s settings, until
/// [`Running::stop`] or until the `Running` is dropped.
pub(crate) fn start(server: impl FnOnce(Server) -> Server, app: App) -> Running {
    start_service(server, app.build().expect("the app builds"))
}

/// [`start`] for a built app, of which the test may keep a clone (to read its serve status).
pub(crate) fn start_service(server: impl FnOnce(Server) -> Server, app: AppService) -> Running {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = server(Server::from_listener(listener)).with_graceful_shutdown(async move {
        let _ = stopped.await;
    });
    Running {
        addr,
        stop: Some(stop),
        task: tokio::spawn(server.run_service(app)),
    }
}

impl Running {
    pub(crate) fn stop(&mut self) {
        let _ = self.stop.take().expect("stopped once").send(());
    }

    /// Waits for the server to exit, failing the test if it hangs.
    pub(crate) async fn exited(self) {
        let result = tokio::time::timeout(GUARD, self.task).await;
        assert!(matches!(result, Ok(Ok(Ok(())))), "{result:?}");
    }
}

/// `fut`, failing the test if it takes longer than the hang guard.
pub(crate) async fn guard<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, fut)
        .await
        .unwrap_or_else(|_| panic!("hung: {what}"))
}

/// Waits until `count()` stops moving (the same over 300 ms), within the hang guard; returns
/// where it stopped. How a test sees that the server stalled, or that a count settled.
pub(crate) async fn stalled(what: &str, count: impl Fn() -> usize) -> usize {
    let mut last = usize::MAX;
    guard(what, async {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let now = count();
            if now == last {
                return now;
            }
            last = now;
        }
    })
    .await
}

/// Whether the server closes `stream` (end of stream or reset) within the hang guard.
pub(crate) async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 512];
    tokio::time::timeout(GUARD, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await
    .is_ok()
}
