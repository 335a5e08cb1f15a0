//! WebSocket (feature `ws`), on tokio-tungstenite: the [`WebSocketUpgrade`] extractor checks the
//! handshake, [`WebSocketUpgrade::on_upgrade`] answers `101 Switching Protocols` and runs your
//! function with the [`WebSocket`] once the connection is handed over.
//!
//! ```no_run
//! use pulya_app::App;
//! use pulya_server::ws::{Message, WebSocketUpgrade};
//!
//! async fn echo(ws: WebSocketUpgrade) -> pulya_app::Response {
//!     ws.on_upgrade(|mut socket| async move {
//!         while let Some(Ok(message)) = socket.recv().await {
//!             if matches!(message, Message::Text(_) | Message::Binary(_))
//!                 && socket.send(message).await.is_err()
//!             {
//!                 break;
//!             }
//!         }
//!     })
//! }
//!
//! let app = App::new().get("/ws", echo);
//! ```
//!
//! Limits: a message or frame larger than [`WebSocketUpgrade::max_message_size`] or
//! [`WebSocketUpgrade::max_frame_size`] closes the socket with 1009; the send side buffers at
//! most [`WebSocketUpgrade::max_write_buffer_size`] bytes, so a slow reader makes `send` wait
//! instead of memory grow. At graceful shutdown every socket waiting in [`WebSocket::recv`]
//! gets close 1001, and the server waits for the sockets within its shutdown timeout. A
//! request that is no handshake (not a `GET`, no `Upgrade: websocket`, no key, another version)
//! is a 4xx in Pulya's error shape. Both HTTP/1.1's `Upgrade` and HTTP/2's extended CONNECT
//! (RFC 8441, `:protocol` websocket) are served; for HTTP/2, register the handler for
//! `CONNECT` too (`.route(Method::CONNECT, "/ws", handler)`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{SinkExt, StreamExt};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use pulya_app::AppService;
use pulya_core::extract::FromRequestParts;
use pulya_core::{ErrorResponse, IntoResponse, RequestContext, Response};
use tokio::sync::{Notify, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};

use crate::server::OpenConnection;

pub use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
pub use tokio_tungstenite::tungstenite::{Error, Message};

/// Default largest message: 1 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 1024 * 1024;
/// Default largest frame: 256 KiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 256 * 1024;
/// Default most bytes waiting to be written: 1 MiB.
pub const DEFAULT_MAX_WRITE_BUFFER_SIZE: usize = 1024 * 1024;

/// The open sockets of one server, which its graceful shutdown waits for.
#[derive(Debug, Default)]
pub(crate) struct OpenSockets {
    count: AtomicUsize,
    all_closed: Notify,
}

impl OpenSockets {
    /// Waits until no socket is open.
    pub(crate) async fn closed(&self) {
        loop {
            let notified = self.all_closed.notified();
            if self.count.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// One open socket, counted while it lives.
struct Open(Arc<OpenSockets>);

impl Open {
    fn new(sockets: Arc<OpenSockets>) -> Self {
        sockets.count.fetch_add(1, Ordering::AcqRel);
        Self(sockets)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.all_closed.notify_waiters();
        }
    }
}

/// What the server hands an upgrade request: its shutdown flag, its count of sockets, and the
/// app, whose count of open connections a socket stays in.
#[derive(Debug, Clone)]
pub(crate) struct ServerSide {
    pub(crate) stopping: watch::Receiver<bool>,
    pub(crate) sockets: Arc<OpenSockets>,
    pub(crate) app: AppService,
}

/// A WebSocket handshake, checked: answer it with [`on_upgrade`](Self::on_upgrade).
pub struct WebSocketUpgrade {
    /// The key of an HTTP/1.1 handshake; `None` for HTTP/2's extended CONNECT, which has none.
    key: Option<HeaderValue>,
    on_upgrade: OnUpgrade,
    offered: Vec<String>,
    supported: Vec<String>,
    config: WebSocketConfig,
    server: Option<ServerSide>,
}

impl fmt::Debug for WebSocketUpgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketUpgrade")
            .field("offered", &self.offered)
            .field("supported", &self.supported)
            .finish_non_exhaustive()
    }
}

/// Why a request is no WebSocket handshake; answered in Pulya's error shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebSocketRejection {
    /// Not a `GET` (`405`).
    NotGet,
    /// No `Connection: upgrade` or no `Upgrade: websocket` (`400`).
    NotUpgrade,
    /// No `Sec-WebSocket-Key` (`400`).
    NoKey,
    /// A `Sec-WebSocket-Version` other than 13 (`426`, with `Sec-WebSocket-Version: 13`).
    Version,
    /// The connection cannot be handed over: not served by a server built with the `ws`
    /// feature (`426`).
    NotUpgradable,
}

impl WebSocketRejection {
    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotGet => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotUpgrade | Self::NoKey => StatusCode::BAD_REQUEST,
            Self::Version | Self::NotUpgradable => StatusCode::UPGRADE_REQUIRED,
        }
    }
}

impl fmt::Display for WebSocketRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotGet => "a WebSocket handshake is a GET",
            Self::NotUpgrade => "expected `Connection: upgrade` and `Upgrade: websocket`",
            Self::NoKey => "expected a `Sec-WebSocket-Key`",
            Self::Version => "only WebSocket version 13 is served",
            Self::NotUpgradable => "this connection cannot be upgraded",
        })
    }
}

impl std::error::Error for WebSocketRejection {}

impl IntoResponse for WebSocketRejection {
    fn into_response(self) -> Response {
        let mut res = ErrorResponse::new(self.status(), self.to_string()).into_response();
        if self == Self::Version {
            res.headers_mut().insert(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
        }
        res
    }
}

/// Whether a comma-separated header `name` holds `token` (case-insensitive).
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

impl FromRequestParts for WebSocketUpgrade {
    type Rejection = WebSocketRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &RequestContext,
    ) -> Result<Self, WebSocketRejection> {
        let headers = &parts.headers;
        // HTTP/2 (RFC 8441): a CONNECT with `:protocol` websocket, and no key.
        let extended_connect = parts.method == Method::CONNECT
            && parts
                .extensions
                .get::<hyper::ext::Protocol>()
                .is_some_and(|p| p.as_str().eq_ignore_ascii_case("websocket"));
        if !extended_connect {
            if parts.method != Method::GET {
                return Err(WebSocketRejection::NotGet);
            }
            if !has_token(headers, header::CONNECTION, "upgrade")
                || !has_token(headers, header::UPGRADE, "websocket")
            {
                return Err(WebSocketRejection::NotUpgrade);
            }
        }
        let version = headers.get(header::SEC_WEBSOCKET_VERSION);
        if version.map(HeaderValue::as_bytes) != Some(b"13") {
            return Err(WebSocketRejection::Version);
        }
        let key = if extended_connect {
            None
        } else {
            Some(
                headers
                    .get(header::SEC_WEBSOCKET_KEY)
                    .cloned()
                    .ok_or(WebSocketRejection::NoKey)?,
            )
        };
        let offered = headers
            .get_all(header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or(WebSocketRejection::NotUpgradable)?;
        let mut config = WebSocketConfig::default();
        config.max_message_size = Some(DEFAULT_MAX_MESSAGE_SIZE);
        config.max_frame_size = Some(DEFAULT_MAX_FRAME_SIZE);
        config.max_write_buffer_size = DEFAULT_MAX_WRITE_BUFFER_SIZE;
        Ok(Self {
            key,
            on_upgrade,
            offered,
            supported: Vec::new(),
            config,
            server: parts.extensions.remove::<ServerSide>(),
        })
    }
}

impl WebSocketUpgrade {
    /// The subprotocols this endpoint speaks; the first one the client offers (in its order)
    /// that is among them is chosen and named in the response. Default: none.
    pub fn protocols<I, P>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<String>,
    {
        self.supported = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// The subprotocol that will be chosen, if any.
    pub fn selected_protocol(&self) -> Option<&str> {
        self.offered
            .iter()
            .find(|p| self.supported.iter().any(|s| s == *p))
            .map(String::as_str)
    }

    /// The largest message; a larger one closes the socket with 1009. Default:
    /// [`DEFAULT_MAX_MESSAGE_SIZE`].
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.config.max_message_size = Some(bytes);
        self
    }

    /// The largest frame; a larger one closes the socket with 1009. Default:
    /// [`DEFAULT_MAX_FRAME_SIZE`].
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.config.max_frame_size = Some(bytes);
        self
    }

    /// The most bytes waiting to be written; past it [`WebSocket::send`] waits for the client
    /// to read. Default: [`DEFAULT_MAX_WRITE_BUFFER_SIZE`].
    pub fn max_write_buffer_size(mut self, bytes: usize) -> Self {
        self.config.max_write_buffer_size = bytes.max(self.config.write_buffer_size + 1);
        self
    }

    /// Answers the handshake with `101 Switching Protocols` (`200 OK` for HTTP/2's extended
    /// CONNECT) and, once the connection or stream is handed over, runs `callback` with the
    /// socket on a task of its own (a panic in it ends that socket only).
    pub fn on_upgrade<F, Fut>(self, callback: F) -> Response
    where
        F: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let protocol = self.selected_protocol().map(str::to_owned);
        let mut res = match &self.key {
            Some(key) => {
                let mut res = StatusCode::SWITCHING_PROTOCOLS.into_response();
                let headers = res.headers_mut();
                headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
                headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
                if let Ok(accept) = HeaderValue::try_from(derive_accept_key(key.as_bytes())) {
                    headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
                }
                res
            }
            None => StatusCode::OK.into_response(),
        };
        let headers = res.headers_mut();
        if let Some(value) = protocol
            .as_deref()
            .and_then(|p| HeaderValue::from_str(p).ok())
        {
            headers.insert(header::SEC_WEBSOCKET_PROTOCOL, value);
        }
        let Self {
            on_upgrade,
            config,
            server,
            ..
        } = self;
        // Counted from now, so that a shutdown that begins before the hand-over waits too. The
        // socket stays an open connection of the app after hyper's connection task has ended.
        let (stopping, open) = match server {
            Some(server) => (
                Some(server.stopping),
                Some((Open::new(server.sockets), OpenConnection::new(&server.app))),
            ),
            None => (None, None),
        };
        tokio::spawn(async move {
            let upgraded = match on_upgrade.await {
                Ok(upgraded) => upgraded,
                Err(err) => {
                    tracing::debug!(%err, "a WebSocket upgrade failed");
                    return;
                }
            };
            let io = TokioIo::new(upgraded);
            let stream = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
            let stop = stopping.map(|mut stopping| {
                let stop: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
                    // An error means the server is gone, which is a shutdown too.
                    let _ = stopping.wait_for(|stop| *stop).await;
                });
                stop
            });
            callback(WebSocket {
                stream,
                protocol,
                stop,
                _open: open,
            })
            .await;
        });
        res
    }
}

/// An open WebSocket: receive with [`recv`](Self::recv), send with [`send`](Self::send).
pub struct WebSocket {
    stream: WebSocketStream<TokioIo<Upgraded>>,
    protocol: Option<String>,
    /// Ready once the server is shutting down; made once per socket, not per message, and
    /// dropped once it has fired.
    stop: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    /// Counted among the server's sockets and the app's open connections while it lives.
    _open: Option<(Open, OpenConnection)>,
}

impl fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl WebSocket {
    /// The next message (pings are answered on the way), or `None` once the socket is closed:
    /// by the client, or with 1001 because the server is shutting down. A message over the
    /// limits closes the socket with 1009 and is returned as the error.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        let next = match &mut self.stop {
            Some(stop) => tokio::select! {
                next = self.stream.next() => Some(next),
                () = stop.as_mut() => None,
            },
            None => Some(self.stream.next().await),
        };
        let Some(next) = next else {
            self.stop = None;
            self.close(CloseCode::Away, "the server is shutting down")
                .await;
            return None;
        };
        match next {
            Some(Err(err @ Error::Capacity(_))) => {
                self.close(CloseCode::Size, "message too big").await;
                Some(Err(err))
            }
            Some(Ok(Message::Close(_))) => {
                // The reply to the client's close is queued; flushing sends it, which ends the
                // closing handshake before the connection goes.
                let _ = self.stream.flush().await;
                None
            }
            None => None,
            other => other,
        }
    }

    /// Sends `message`, waiting while the send buffer is full.
    ///
    /// # Errors
    /// When the socket is closed or the connection failed.
    pub async fn send(&mut self, message: Message) -> Result<(), Error> {
        self.stream.send(message).await
    }

    /// Closes the socket with `code` and `reason` (best effort: a gone client is no error).
    pub async fn close(&mut self, code: CloseCode, reason: &str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = self.stream.close(Some(frame)).await;
    }

    /// The subprotocol chosen in the handshake, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }
}
