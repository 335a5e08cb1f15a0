//! The server: configuration, the accept loop and graceful shutdown.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener, ToSocketAddrs};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use pulya_app::middleware::{Endpoint, ServiceEndpoint};
use pulya_app::{App, AppService};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::coalesce::coalesce;
use crate::error::ServeError;
use crate::idle::Activity;
use crate::service::{Connection, Serving, handle};

/// Default time a client has to send a request's headers: 30 s.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default most headers in one HTTP/1 request: 100 (more is answered with 431).
pub const DEFAULT_MAX_HEADERS: usize = 100;
/// Default most bytes of a request head (request line and headers): 64 KiB (more is 431).
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;
/// Default most bytes of a request's path and query: 8 KiB (more is 414). A URI that does not
/// even fit the request head is 431.
pub const DEFAULT_MAX_URI_BYTES: usize = 8 * 1024;
/// Default most open connections: 10,000. Past it, new connections wait in the listen backlog
/// until one closes.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Default time a client has to finish the TLS handshake: 10 s (feature `tls`).
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time in-flight requests get to finish after shutdown begins: 30 s.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// hyper's smallest read buffer; a smaller header limit is raised to it.
const MIN_HEADER_BYTES: usize = 8192;

type Signal = Pin<Box<dyn Future<Output = ()> + Send>>;

enum Listen {
    Addr {
        text: String,
        addrs: io::Result<Vec<SocketAddr>>,
    },
    /// The caller's listener, taken (not duplicated) when serving starts, so that the server
    /// holds the only handle and closing it at shutdown refuses new connections at once.
    Std(Option<StdTcpListener>),
}

/// Which protocols a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocols {
    /// HTTP/1.x and HTTP/2 (prior knowledge), told apart by each connection's first bytes.
    Both,
    Http1,
    Http2,
}

/// An HTTP server for one app. Configure it with the builder methods, then call
/// [`serve`](Server::serve) (blocking, with its own runtime) or [`run`](Server::run) (inside
/// yours).
pub struct Server {
    listen: Listen,
    workers: Option<usize>,
    per_core: bool,
    pin_workers: bool,
    settings: Settings,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::TlsSource>,
    signal: Option<Signal>,
}

/// What every connection of a server is served with: plain values, copied to each worker.
#[derive(Debug, Clone, Copy)]
struct Settings {
    header_read_timeout: Option<Duration>,
    max_headers: usize,
    max_header_bytes: usize,
    max_uri_bytes: usize,
    max_connections: usize,
    keep_alive: bool,
    protocols: Protocols,
    tls_handshake_timeout: Duration,
    shutdown_timeout: Duration,
    drain_delay: Duration,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listen = match &self.listen {
            Listen::Addr { text, .. } => text.clone(),
            Listen::Std(l) => format!("{:?}", l.as_ref().and_then(|l| l.local_addr().ok())),
        };
        f.debug_struct("Server")
            .field("listen", &listen)
            .field("workers", &self.workers)
            .field("per_core", &self.per_core)
            .field("pin_workers", &self.pin_workers)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server that will listen on `addr` (such as `"127.0.0.1:3000"` or `"[::]:80"`). The
    /// address is resolved now and bound when the server starts; either failure is returned
    /// then as [`ServeError::Bind`].
    pub fn bind(addr: impl ToSocketAddrs + fmt::Display) -> Self {
        let text = addr.to_string();
        let addrs = addr.to_socket_addrs().map(Iterator::collect);
        Self::with_listen(Listen::Addr { text, addrs })
    }

    /// A server on a listener you bound yourself (for instance on port 0, to learn the port
    /// from it first).
    pub fn from_listener(listener: StdTcpListener) -> Self {
        Self::with_listen(Listen::Std(Some(listener)))
    }

    fn with_listen(listen: Listen) -> Self {
        Self {
            listen,
            workers: None,
            per_core: false,
            pin_workers: false,
            settings: Settings {
                header_read_timeout: Some(DEFAULT_HEADER_READ_TIMEOUT),
                max_headers: DEFAULT_MAX_HEADERS,
                max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
                max_uri_bytes: DEFAULT_MAX_URI_BYTES,
                max_connections: DEFAULT_MAX_CONNECTIONS,
                keep_alive: true,
                protocols: Protocols::Both,
                tls_handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
                shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
                drain_delay: Duration::ZERO,
            },
            #[cfg(feature = "tls")]
            tls: None,
            signal: None,
        }
    }

    /// Serves with one current-thread runtime per worker ([`workers`](Self::workers) of them,
    /// one per CPU by default), each accepting on a listener of its own bound with
    /// `SO_REUSEPORT` (the kernel spreads connections over them), instead of one multi-thread
    /// runtime. A connection stays on the worker that accepted it, with no work stealing.
    /// Graceful shutdown stops every worker; the connection limit is shared. With
    /// [`from_listener`](Self::from_listener) the workers accept from the one listener given.
    /// Only [`serve`](Self::serve) and [`serve_service`](Self::serve_service) use it. Default:
    /// `false`.
    pub fn per_core(mut self, enabled: bool) -> Self {
        self.per_core = enabled;
        self
    }

    /// With [`per_core`](Self::per_core), pins worker `i` to CPU core `i` (modulo the cores
    /// the process may use), so that a worker's connections stay in one core's caches. A core
    /// that cannot be pinned to is logged and the worker runs unpinned. Default: `false`.
    pub fn pin_workers(mut self, enabled: bool) -> Self {
        self.pin_workers = enabled;
        self
    }

    /// The number of runtime threads [`serve`](Server::serve) starts. Default: one per CPU.
    /// [`run`](Server::run) uses the caller's runtime and ignores it.
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = Some(n.max(1));
        self
    }

    /// How long a connection may go without a complete request head while no request is in
    /// flight, before it is closed: a client sending its head too slowly, and an idle keep-alive
    /// connection (HTTP/1 or HTTP/2). The check runs every half timeout, so the connection is
    /// closed between 1× and 1.5× the timeout after its last request (at 1× when it never
    /// completed one). `None` for no limit. Default: [`DEFAULT_HEADER_READ_TIMEOUT`].
    pub fn header_read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.settings.header_read_timeout = timeout;
        self
    }

    /// The most headers in an HTTP/1 request. Default: [`DEFAULT_MAX_HEADERS`].
    pub fn max_headers(mut self, n: usize) -> Self {
        self.settings.max_headers = n;
        self
    }

    /// The most bytes of a request head (HTTP/1) or header list (HTTP/2). Values under 8 KiB are
    /// raised to 8 KiB, hyper's smallest buffer. Default: [`DEFAULT_MAX_HEADER_BYTES`].
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.settings.max_header_bytes = n.max(MIN_HEADER_BYTES);
        self
    }

    /// The most bytes of a request's path and query; a longer one is answered with
    /// `414 URI Too Long`. Default: [`DEFAULT_MAX_URI_BYTES`].
    pub fn max_uri_bytes(mut self, n: usize) -> Self {
        self.settings.max_uri_bytes = n;
        self
    }

    /// The most connections open at once; more wait in the listen backlog. Default:
    /// [`DEFAULT_MAX_CONNECTIONS`].
    pub fn max_connections(mut self, n: usize) -> Self {
        self.settings.max_connections = n.max(1);
        self
    }

    /// Whether HTTP/1 connections are kept open between requests. Default: `true`.
    pub fn keep_alive(mut self, enabled: bool) -> Self {
        self.settings.keep_alive = enabled;
        self
    }

    /// Serves HTTP/1.x only, without reading the first bytes of each connection to tell an
    /// HTTP/2 preface from an HTTP/1 request: an HTTP/2 client's preface is refused as a bad
    /// request and the connection closed. Default: both protocols, told apart per connection.
    /// The later of this and [`http2_only`](Self::http2_only) wins. With the `ws` feature,
    /// connections are served with HTTP/1.1 upgrades, which always reads the preface: this
    /// setting then does not apply.
    pub fn http1_only(mut self) -> Self {
        self.settings.protocols = Protocols::Http1;
        self
    }

    /// Serves HTTP/2 only (prior knowledge, as behind a proxy that speaks h2c): an HTTP/1
    /// request is refused and the connection closed. Default: both protocols, told apart per
    /// connection. The later of this and [`http1_only`](Self::http1_only) wins. Like
    /// `http1_only`, it does not apply with the `ws` feature.
    pub fn http2_only(mut self) -> Self {
        self.settings.protocols = Protocols::Http2;
        self
    }

    /// Serves HTTPS only, with this certificate chain (PEM, the server's certificate first)
    /// and private key (PEM: PKCS#8, PKCS#1 or SEC1), through rustls; ALPN offers `h2` and
    /// `http/1.1`. A chain or key that does not parse or match stops the server before it
    /// binds, with a [`ServeError::Tls`] that says which and why. Default: plain TCP.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, cert_chain_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        use crate::tls::{Pem, TlsSource};
        self.tls = Some(TlsSource::Pem {
            cert_chain: Pem::Bytes(cert_chain_pem.into()),
            key: Pem::Bytes(key_pem.into()),
        });
        self
    }

    /// [`tls`](Self::tls) with the chain and key read from files when the server starts; an
    /// error names the file.
    #[cfg(feature = "tls")]
    pub fn tls_files(
        mut self,
        cert_chain_pem: impl Into<std::path::PathBuf>,
        key_pem: impl Into<std::path::PathBuf>,
    ) -> Self {
        use crate::tls::{Pem, TlsSource};
        self.tls = Some(TlsSource::Pem {
            cert_chain: Pem::File(cert_chain_pem.into()),
            key: Pem::File(key_pem.into()),
        });
        self
    }

    /// Serves HTTPS with a rustls configuration of your own (client certificates, say). Its
    /// ALPN protocols are set to `h2` and `http/1.1` when it names none.
    #[cfg(feature = "tls")]
    pub fn tls_config(mut self, config: Arc<crate::rustls::ServerConfig>) -> Self {
        self.tls = Some(crate::tls::TlsSource::Config(config));
        self
    }

    /// How long a client has to finish the TLS handshake; a connection still shaking hands
    /// then is closed. Default: [`DEFAULT_TLS_HANDSHAKE_TIMEOUT`]. Without TLS it does nothing.
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.settings.tls_handshake_timeout = timeout;
        self
    }

    /// How long in-flight requests get to finish once shutdown begins; connections still open
    /// after it are dropped. Default: [`DEFAULT_SHUTDOWN_TIMEOUT`].
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.settings.shutdown_timeout = timeout;
        self
    }

    /// How long the server goes on accepting and serving after the shutdown signal, while the
    /// app's [`ServeStatus`](pulya_core::ServeStatus) says it is draining (so a readiness check
    /// such as `pulya_middleware::health::Health` answers 503): the time a load balancer needs to
    /// see the 503 and send new connections elsewhere before this instance stops taking them.
    /// Graceful shutdown, with its [`shutdown_timeout`](Self::shutdown_timeout), follows.
    /// Default: none (the listener closes at the signal). Kubernetes users set it to a little
    /// more than the readiness probe's period.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use pulya_server::Server;
    ///
    /// let server = Server::bind("0.0.0.0:8080").drain_delay(Duration::from_secs(5));
    /// # let _ = server;
    /// ```
    pub fn drain_delay(mut self, delay: Duration) -> Self {
        self.settings.drain_delay = delay;
        self
    }

    /// Shuts down when `signal` completes, instead of on SIGINT or SIGTERM.
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Some(Box::pin(signal));
        self
    }

    /// Builds the app, starts a multi-thread runtime with [`workers`](Server::workers) threads
    /// and serves until shutdown. Returns `Ok(())` after a graceful shutdown.
    pub fn serve(self, app: App) -> Result<(), ServeError> {
        let service = app.build()?;
        self.serve_service(service)
    }

    /// Builds the app and serves it on the current tokio runtime until shutdown.
    pub async fn run(self, app: App) -> Result<(), ServeError> {
        let service = app.build()?;
        self.run_service(service).await
    }

    /// [`serve`](Self::serve) for any `tower::Service` of Pulya requests: a built
    /// [`AppService`], one wrapped in tower layers (`ServiceBuilder::new().layer(..).service(app)`),
    /// or another framework's. Starts its own multi-thread runtime.
    ///
    /// `service` is a `tower::Service<Request>` that is `Clone + Send + Sync + 'static`, whose
    /// response body has `Bytes` data and whose errors and body errors convert into
    /// `BoxError` (what [`ServiceEndpoint`] needs). An `AppService` is served as it is. Any
    /// other service is mounted as the fallback of an app of no routes: a clone of it answers each request, which carries its peer's address
    /// as a [`ConnectInfo<SocketAddr>`](pulya_app::extract::ConnectInfo) extension; an error of
    /// the service is a 500 in Pulya's error shape, logged; a panic is a 500 too.
    pub fn serve_service<S>(self, service: S) -> Result<(), ServeError>
    where
        S: 'static,
        ServiceEndpoint<S>: Endpoint,
    {
        if self.per_core {
            return self.serve_per_core(as_app(service)?);
        }
        let mut runtime = tokio::runtime::Builder::new_multi_thread();
        if let Some(workers) = self.workers {
            runtime.worker_threads(workers);
        }
        let runtime = runtime.enable_all().build().map_err(ServeError::Runtime)?;
        runtime.block_on(self.run_service(service))
    }

    /// One current-thread runtime per worker, each accepting on a listener of its own (bound
    /// with `SO_REUSEPORT`, so that the kernel spreads connections over them), all stopped by
    /// one signal and capped by one connection limit.
    fn serve_per_core(mut self, service: AppService) -> Result<(), ServeError> {
        #[cfg(feature = "tls")]
        let tls = self
            .tls
            .as_ref()
            .map(crate::tls::TlsSource::acceptor)
            .transpose()?;
        #[cfg(not(feature = "tls"))]
        let tls: Option<Acceptor> = None;
        let workers = self.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let waiter = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ServeError::Runtime)?;
        // On the runtime that outlives the workers, so that what the app's eager singletons
        // spawn (a pool's connection tasks) runs while they serve.
        waiter
            .block_on(service.start())
            .map_err(ServeError::Start)?;
        let listeners = self.bind_workers(workers)?;
        if let Some(addr) = listeners.first().and_then(|l| l.local_addr().ok()) {
            tracing::info!(%addr, workers, "listening, one runtime per core");
        }
        let signal = self
            .signal
            .take()
            .unwrap_or_else(|| Box::pin(shutdown_signal()));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let limit = Arc::new(Semaphore::new(self.settings.max_connections));
        let cores = if self.pin_workers {
            core_affinity::get_core_ids().unwrap_or_default()
        } else {
            Vec::new()
        };
        let threads = listeners
            .into_iter()
            .enumerate()
            .map(|(i, listener)| {
                let settings = self.settings;
                let (service, tls, limit) =
                    (service.clone(), tls.as_ref().cloned(), Arc::clone(&limit));
                let mut stopped = stopped.clone();
                let core = (!cores.is_empty()).then(|| cores[i % cores.len()]);
                std::thread::Builder::new()
                    .name(format!("pulya-worker-{i}"))
                    .spawn(move || -> Result<(), ServeError> {
                        if let Some(core) = core {
                            if !core_affinity::set_for_current(core) {
                                tracing::warn!(
                                    worker = i,
                                    core = core.id,
                                    "could not pin the worker"
                                );
                            }
                        }
                        let runtime = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .map_err(ServeError::Runtime)?;
                        runtime.block_on(async move {
                            listener
                                .set_nonblocking(true)
                                .map_err(ServeError::Runtime)?;
                            let listener =
                                TcpListener::from_std(listener).map_err(ServeError::Runtime)?;
                            let signal: Signal = Box::pin(async move {
                                // An error means the sender is gone, which is a stop too.
                                let _ = stopped.wait_for(|stop| *stop).await;
                            });
                            settings
                                .accept_loop(listener, service, tls, signal, limit)
                                .await;
                            Ok(())
                        })
                    })
                    .map_err(ServeError::Runtime)
            })
            .collect::<Result<Vec<_>, _>>()?;
        waiter.block_on(signal);
        stop.send_replace(true);
        let mut result = Ok(());
        for thread in threads {
            match thread.join() {
                Ok(Ok(())) => {}
                Ok(Err(err)) => result = Err(err),
                Err(_) => {
                    result = Err(ServeError::Runtime(io::Error::other(
                        "a worker thread panicked",
                    )))
                }
            }
        }
        waiter.block_on(service.shutdown());
        result
    }

    /// The listeners of `workers` workers: each bound with `SO_REUSEPORT` to the address
    /// (the first one's, when the port is 0), or, for a listener of the caller's, clones of it
    /// (one socket that every worker accepts from).
    fn bind_workers(&mut self, workers: usize) -> Result<Vec<StdTcpListener>, ServeError> {
        let first = match &mut self.listen {
            Listen::Std(listener) => take_listener(listener)?,
            Listen::Addr { text, addrs } => first_bound(text, addrs, reuse_port_listener)?,
        };
        let mut all = vec![];
        for _ in 1..workers {
            all.push(match &self.listen {
                Listen::Std(_) => first.try_clone().map_err(ServeError::Runtime)?,
                Listen::Addr { text, .. } => {
                    let bound = first.local_addr().and_then(reuse_port_listener);
                    bound.map_err(|source| ServeError::Bind {
                        addr: text.clone(),
                        source,
                    })?
                }
            });
        }
        all.insert(0, first);
        Ok(all)
    }

    /// [`run`](Self::run) for any `tower::Service`, on the current tokio runtime; see
    /// [`serve_service`](Self::serve_service).
    pub async fn run_service<S>(mut self, service: S) -> Result<(), ServeError>
    where
        S: 'static,
        ServiceEndpoint<S>: Endpoint,
    {
        let service = as_app(service)?;
        #[cfg(feature = "tls")]
        let tls = self
            .tls
            .as_ref()
            .map(crate::tls::TlsSource::acceptor)
            .transpose()?;
        #[cfg(not(feature = "tls"))]
        let tls = None;
        service.start().await.map_err(ServeError::Start)?;
        let listener = self.listen()?;
        let signal = self
            .signal
            .take()
            .unwrap_or_else(|| Box::pin(shutdown_signal()));
        match listener.local_addr() {
            Ok(addr) => tracing::info!(%addr, "listening"),
            Err(err) => tracing::warn!(%err, "listening on an address the system cannot tell"),
        }
        let limit = Arc::new(Semaphore::new(self.settings.max_connections));
        let app = service.clone();
        self.settings
            .accept_loop(listener, service, tls, signal, limit)
            .await;
        // After the drain: the app's singletons (a connection pool, say) are disposed.
        app.shutdown().await;
        Ok(())
    }

    fn listen(&mut self) -> Result<TcpListener, ServeError> {
        let std = match &mut self.listen {
            Listen::Std(listener) => take_listener(listener)?,
            Listen::Addr { text, addrs } => first_bound(text, addrs, StdTcpListener::bind)?,
        };
        std.set_nonblocking(true).map_err(ServeError::Runtime)?;
        TcpListener::from_std(std).map_err(ServeError::Runtime)
    }
}

impl Settings {
    fn connection_builder(self) -> auto::Builder<TokioExecutor> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder = match self.protocols {
            Protocols::Both => builder,
            Protocols::Http1 => builder.http1_only(),
            Protocols::Http2 => builder.http2_only(),
        };
        builder
            .http1()
            .timer(TokioTimer::new())
            // The header-read deadline is kept per connection (`idle.rs`), not by a timer that
            // hyper would arm for every request.
            .header_read_timeout(None)
            .keep_alive(self.keep_alive)
            .max_headers(self.max_headers)
            .max_buf_size(self.max_header_bytes);
        #[cfg(feature = "ws")]
        builder.http2().enable_connect_protocol();
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(self.max_header_bytes).unwrap_or(u32::MAX));
        builder
    }

    /// Accepts and serves connections until `signal`, then drains. `limit` is the connection
    /// cap, shared by every worker of a per-core server.
    async fn accept_loop(
        self,
        listener: TcpListener,
        service: AppService,
        tls: Option<Acceptor>,
        signal: Signal,
        limit: Arc<Semaphore>,
    ) {
        let builder = Arc::new(self.connection_builder());
        let graceful = GracefulShutdown::new();
        let mut backoff = Backoff::default();
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let serving = Arc::new(Serving {
            app: service,
            stopping,
            max_uri_bytes: self.max_uri_bytes,
            #[cfg(feature = "ws")]
            sockets: Arc::default(),
        });
        // The accept loop ends at the signal, or `drain_delay` after it; from the signal on, a
        // readiness check answers 503, so that a load balancer moves away.
        let status = serving.app.clone();
        let drain_delay = self.drain_delay;
        let mut signal = std::pin::pin!(async move {
            signal.await;
            status.serve_status().begin_drain();
            if !drain_delay.is_zero() {
                tracing::info!(delay = ?drain_delay, "shutdown begun: still accepting while readiness reports draining");
                tokio::time::sleep(drain_delay).await;
            }
        });
        loop {
            let permit = tokio::select! {
                permit = Arc::clone(&limit).acquire_owned() => permit.expect("the semaphore is never closed"),
                () = &mut signal => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => { backoff.reset(); (stream, peer) }
                    Err(err) => { backoff.wait(err).await; continue }
                },
                () = &mut signal => break,
            };
            if let Err(err) = stream.set_nodelay(true) {
                tracing::debug!(%err, "could not set TCP_NODELAY");
            }
            let open = OpenConnection::new(&serving.app);
            let activity = Arc::new(Activity::default());
            let connection = Arc::new(Connection {
                serving: Arc::clone(&serving),
                activity: Arc::clone(&activity),
                peer,
            });
            let hyper_service =
                hyper::service::service_fn(move |req| handle(Arc::clone(&connection), req));
            let task = match &tls {
                None => {
                    // The answers to pipelined requests go out together (`coalesce.rs`).
                    let (io, flusher) = coalesce(stream);
                    let conn = flusher.after_each_poll(graceful.watch(
                        serve_connection(&builder, TokioIo::new(io), hyper_service).into_owned(),
                    ));
                    tokio::spawn(async move {
                        log_end(conn.await);
                        drop((permit, open));
                    })
                }
                Some(acceptor) => {
                    let handshake = handshake(acceptor, stream, self.tls_handshake_timeout);
                    let builder = Arc::clone(&builder);
                    let watcher = graceful.watcher();
                    tokio::spawn(async move {
                        if let Some(stream) = handshake.await {
                            let conn =
                                serve_connection(&builder, TokioIo::new(stream), hyper_service)
                                    .into_owned();
                            log_end(watcher.watch(conn).await);
                        }
                        drop((permit, open));
                    })
                }
            };
            if let Some(timeout) = self.header_read_timeout {
                let abort = task.abort_handle();
                tokio::spawn(async move { activity.watch(timeout, abort).await });
            }
        }
        // Dropping the listener closes the socket: new connections are refused from here on.
        drop(listener);
        // Endless streams (server-sent events) end now, so their connections can close.
        stop.send_replace(true);
        tracing::info!(
            open = graceful.count(),
            "shutting down: finishing in-flight requests"
        );
        #[cfg(feature = "ws")]
        let sockets = Arc::clone(&serving.sockets);
        let drained = async move {
            graceful.shutdown().await;
            // Upgraded connections left hyper's watch: their sockets are waited for here.
            #[cfg(feature = "ws")]
            sockets.closed().await;
        };
        tokio::select! {
            () = drained => tracing::info!("shutdown complete"),
            () = tokio::time::sleep(self.shutdown_timeout) => {
                tracing::warn!(timeout = ?self.shutdown_timeout, "shutdown timed out; dropping open connections");
            }
        }
    }
}

/// One accepted connection in the app's count of open connections, until it is dropped (also
/// when its task is aborted). A WebSocket holds one of its own, as it outlives the HTTP
/// connection it was upgraded from.
pub(crate) struct OpenConnection(AppService);

impl OpenConnection {
    pub(crate) fn new(app: &AppService) -> Self {
        app.serve_status().connection_opened();
        Self(app.clone())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.serve_status().connection_closed();
    }
}

/// The caller's listener, which the server takes (it holds the only handle from then on).
fn take_listener(listener: &mut Option<StdTcpListener>) -> Result<StdTcpListener, ServeError> {
    listener.take().ok_or_else(|| {
        ServeError::Runtime(io::Error::other("the server's listener was taken already"))
    })
}

/// A listener bound by `bind` to the first of `addrs` that takes it; else the last error,
/// naming the address as given.
fn first_bound(
    text: &str,
    addrs: &io::Result<Vec<SocketAddr>>,
    mut bind: impl FnMut(SocketAddr) -> io::Result<StdTcpListener>,
) -> Result<StdTcpListener, ServeError> {
    let bind_err = |source| ServeError::Bind {
        addr: text.to_owned(),
        source,
    };
    let addrs = addrs
        .as_ref()
        .map_err(|err| bind_err(io::Error::new(err.kind(), err.to_string())))?;
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to bind");
    for &addr in addrs {
        match bind(addr) {
            Ok(listener) => return Ok(listener),
            Err(err) => last = err,
        }
    }
    Err(bind_err(last))
}

/// A listener on `addr` with `SO_REUSEPORT` (and `SO_REUSEADDR`), so that several can share it.
fn reuse_port_listener(addr: SocketAddr) -> io::Result<StdTcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// Hands `io` to hyper: with the `ws` feature, with HTTP/1.1 upgrades enabled (which always
/// reads the preface, so `http1_only` and `http2_only` do not apply), else plainly.
#[cfg(not(feature = "ws"))]
fn serve_connection<I, S, B>(
    builder: &auto::Builder<TokioExecutor>,
    io: I,
    service: S,
) -> auto::Connection<'_, I, S, TokioExecutor>
where
    S: hyper::service::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>,
    S::Future: 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + 'static,
    TokioExecutor: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    builder.serve_connection(io, service)
}

/// See the other `serve_connection`.
#[cfg(feature = "ws")]
fn serve_connection<I, S, B>(
    builder: &auto::Builder<TokioExecutor>,
    io: I,
    service: S,
) -> auto::UpgradeableConnection<'_, I, S, TokioExecutor>
where
    S: hyper::service::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>,
    S::Future: 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    TokioExecutor: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    builder.serve_connection_with_upgrades(io, service)
}

/// Logs how a connection ended, when it ended with an error.
fn log_end(end: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(err) = end {
        tracing::debug!(err = %err, "connection ended with an error");
    }
}

#[cfg(feature = "tls")]
type Acceptor = tokio_rustls::TlsAcceptor;
/// Without the `tls` feature there is no acceptor to have.
#[cfg(not(feature = "tls"))]
type Acceptor = std::convert::Infallible;

/// The TLS handshake of `stream`, cut at `timeout`; `None` (logged) when it fails or stalls.
#[cfg(feature = "tls")]
fn handshake(
    acceptor: &Acceptor,
    stream: tokio::net::TcpStream,
    timeout: Duration,
) -> impl Future<Output = Option<tokio_rustls::server::TlsStream<tokio::net::TcpStream>>> + use<> {
    let accept = acceptor.accept(stream);
    async move {
        match tokio::time::timeout(timeout, accept).await {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(err)) => {
                tracing::debug!(%err, "TLS handshake failed");
                None
            }
            Err(_) => {
                tracing::debug!(?timeout, "TLS handshake timed out");
                None
            }
        }
    }
}

#[cfg(not(feature = "tls"))]
fn handshake(
    acceptor: &Acceptor,
    _: tokio::net::TcpStream,
    _: Duration,
) -> std::future::Ready<Option<tokio::net::TcpStream>> {
    match *acceptor {}
}

/// `service` as an app: itself when it is one (the accept loop then serves it with no
/// extension or box per request), else mounted as the fallback of an app of no routes.
fn as_app<S>(service: S) -> Result<AppService, ServeError>
where
    S: 'static,
    ServiceEndpoint<S>: Endpoint,
{
    let mut slot = Some(service);
    if let Some(app) = (&mut slot as &mut dyn std::any::Any).downcast_mut::<Option<AppService>>() {
        return Ok(app.take().expect("just filled"));
    }
    let service = slot.expect("not taken");
    Ok(App::new().fallback_service(service).build()?)
}

/// Waits after accept errors. Errors of one connection (reset before accept) are retried at
/// once; others, such as running out of file descriptors, wait 5 ms, doubling to 1 s, so the
/// loop does not spin while the condition lasts.
#[derive(Default)]
struct Backoff {
    delay: Option<Duration>,
}

impl Backoff {
    fn reset(&mut self) {
        self.delay = None;
    }

    async fn wait(&mut self, err: io::Error) {
        use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
        if matches!(
            err.kind(),
            ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
        ) {
            tracing::debug!(%err, "accept failed for one connection");
            return;
        }
        let delay = self.delay.map_or(Duration::from_millis(5), |d| {
            (d * 2).min(Duration::from_secs(1))
        });
        self.delay = Some(delay);
        tracing::warn!(%err, ?delay, "accept failed; backing off");
        tokio::time::sleep(delay).await;
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
