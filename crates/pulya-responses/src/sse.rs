//! Server-Sent Events (`text/event-stream`): a typed [`Event`], the [`Sse`] response with
//! keep-alive comments, and a bounded [`channel`] for pushing events from elsewhere.
//!
//! Backpressure: the server pulls the next event only when the connection has room to write it,
//! so a slow client stalls the producer instead of growing a buffer. With [`channel`], a
//! producer's `send` waits while `capacity` events are queued.
//!
//! ```
//! use std::time::Duration;
//! use pulya_responses::sse::{Event, KeepAlive, Sse};
//!
//! # async fn handler() -> impl pulya_responses::IntoResponse {
//! let (tx, sse) = pulya_responses::sse::channel(16);
//! tokio::spawn(async move {
//!     for i in 0..3 {
//!         let event = Event::new().event("tick")?.id(&i.to_string())?.data("hello");
//!         if tx.send(event).await.is_err() {
//!             break; // the client went away
//!         }
//!     }
//!     Ok::<_, pulya_responses::sse::InvalidEvent>(())
//! });
//! sse.keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
//! # }
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use futures_core::Stream;
use http::{HeaderValue, header};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

use crate::json::{Encoder, JsonCodec, JsonError};
use pulya_core::{Body, BoxError};
use pulya_core::{IntoResponse, Response};

/// A response extension that lets a server end this streaming body between two frames when it
/// shuts down gracefully, instead of waiting for a stream that may never end. [`Sse`] sets it;
/// set it on any endless stream of self-contained frames.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndOnShutdown;

/// An event name or id that would break the stream's framing: it holds a line break (or, for an
/// id, a NUL byte).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEvent {
    field: &'static str,
}

impl fmt::Display for InvalidEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an SSE `{}` field must not contain CR, LF or NUL",
            self.field
        )
    }
}

impl std::error::Error for InvalidEvent {}

/// One server-sent event, encoded as its fields are added (in call order).
///
/// ```
/// use pulya_responses::sse::Event;
///
/// let event = Event::new().event("update")?.id("7")?.data("line 1\nline 2");
/// assert_eq!(
///     &event.to_bytes()[..],
///     b"event: update\nid: 7\ndata: line 1\ndata: line 2\n\n"
/// );
/// # Ok::<(), pulya_responses::sse::InvalidEvent>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Event {
    buf: BytesMut,
}

impl Event {
    /// An event with no fields yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn field(mut self, name: &str, value: &str) -> Self {
        self.buf.reserve(name.len() + value.len() + 3);
        self.buf.put_slice(name.as_bytes());
        if !value.is_empty() {
            self.buf.put_slice(b": ");
            self.buf.put_slice(value.as_bytes());
        }
        self.buf.put_u8(b'\n');
        self
    }

    fn each_line(mut self, name: &str, text: &str) -> Self {
        // The event-stream format ends a line at CRLF, LF or CR.
        for line in text.split("\r\n").flat_map(|l| l.split(['\n', '\r'])) {
            self = self.field(name, line);
        }
        self
    }

    /// Adds `data`; each of its lines becomes one `data:` field, so the client sees the same
    /// text (lines joined by `\n`).
    pub fn data(self, data: &str) -> Self {
        self.each_line("data", data)
    }

    /// Adds `value` as one line of JSON data, written by the default encoder
    /// ([`JsonCodec::DEFAULT_ENCODE`]; [`json_data_with`](Self::json_data_with) names another).
    ///
    /// # Errors
    /// When `value` cannot be serialised.
    pub fn json_data<T: Serialize + ?Sized>(self, value: &T) -> Result<Self, JsonError> {
        self.json_data_with(JsonCodec::DEFAULT_ENCODE, value)
    }

    /// Adds `value` as one line of JSON data, written by `codec`.
    ///
    /// # Errors
    /// When `value` cannot be serialised.
    pub fn json_data_with<T: Serialize + ?Sized>(
        mut self,
        codec: JsonCodec,
        value: &T,
    ) -> Result<Self, JsonError> {
        self.buf.put_slice(b"data: ");
        codec.encode(value, &mut self.buf)?;
        self.buf.put_u8(b'\n');
        Ok(self)
    }

    /// Sets the event's type (the client's `addEventListener` name).
    ///
    /// # Errors
    /// When `name` holds a line break.
    pub fn event(self, name: &str) -> Result<Self, InvalidEvent> {
        if name.contains(['\r', '\n']) {
            return Err(InvalidEvent { field: "event" });
        }
        Ok(self.field("event", name))
    }

    /// Sets the event's id, which a reconnecting client sends back as `Last-Event-ID`.
    ///
    /// # Errors
    /// When `id` holds a line break or NUL.
    pub fn id(self, id: &str) -> Result<Self, InvalidEvent> {
        if id.contains(['\r', '\n', '\0']) {
            return Err(InvalidEvent { field: "id" });
        }
        Ok(self.field("id", id))
    }

    /// Tells the client how long to wait before reconnecting.
    pub fn retry(self, after: Duration) -> Self {
        let millis = after.as_millis().to_string();
        self.field("retry", &millis)
    }

    /// Adds a comment (ignored by clients; useful to keep a connection alive or for debugging).
    pub fn comment(self, text: &str) -> Self {
        self.each_line("", text)
    }

    /// The event's bytes on the wire, ending with the blank line that dispatches it.
    pub fn to_bytes(&self) -> Bytes {
        self.clone().into_bytes()
    }

    fn into_bytes(mut self) -> Bytes {
        self.buf.put_u8(b'\n');
        self.buf.freeze()
    }
}

/// Keep-alive comments sent when no event has gone out for an interval, so that proxies and
/// clients do not close an idle stream. Default: `:keep-alive` every 15 seconds.
#[derive(Debug, Clone)]
pub struct KeepAlive {
    interval: Duration,
    comment: Bytes,
}

impl Default for KeepAlive {
    fn default() -> Self {
        Self::new()
    }
}

impl KeepAlive {
    /// `:keep-alive` every 15 seconds.
    pub fn new() -> Self {
        Self {
            interval: Duration::from_secs(15),
            comment: Bytes::from_static(b":keep-alive\n\n"),
        }
    }

    /// How long the stream may be silent before a comment is sent.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The comment's text (line breaks start further comment lines).
    pub fn text(mut self, text: &str) -> Self {
        self.comment = Event::new().comment(text).into_bytes();
        self
    }
}

/// A `text/event-stream` response from a stream of events. An `Err` item ends the response
/// (the connection is closed mid-body, which a client sees as a dropped stream).
pub struct Sse<S> {
    stream: S,
    keep_alive: Option<KeepAlive>,
}

impl<S> fmt::Debug for Sse<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sse")
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl<S, E> Sse<S>
where
    S: Stream<Item = Result<Event, E>> + Send + 'static,
    E: Into<BoxError>,
{
    /// A response sending each event of `stream` as it comes, with no keep-alive.
    pub fn new(stream: S) -> Self {
        Self {
            stream,
            keep_alive: None,
        }
    }

    /// Sends keep-alive comments while the stream is silent.
    pub fn keep_alive(mut self, keep_alive: KeepAlive) -> Self {
        self.keep_alive = Some(keep_alive);
        self
    }
}

impl<S, E> IntoResponse for Sse<S>
where
    S: Stream<Item = Result<Event, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    fn into_response(self) -> Response {
        let keep_alive = self.keep_alive.map(|k| {
            let sleep = Box::pin(tokio::time::sleep(k.interval));
            (k, sleep)
        });
        let body = Body::from_stream(EventStream {
            events: Box::pin(self.stream),
            keep_alive,
        });
        let mut res = Response::new(body);
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        res.extensions_mut().insert(EndOnShutdown);
        res
    }
}

type BoxEvents<E> = Pin<Box<dyn Stream<Item = Result<Event, E>> + Send>>;

/// The events as encoded chunks, with keep-alive comments in the silences.
struct EventStream<E> {
    events: BoxEvents<E>,
    keep_alive: Option<(KeepAlive, Pin<Box<Sleep>>)>,
}

impl<E> Stream for EventStream<E> {
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match this.events.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(event))) => {
                if let Some((k, sleep)) = &mut this.keep_alive {
                    sleep.as_mut().reset(Instant::now() + k.interval);
                }
                Poll::Ready(Some(Ok(event.into_bytes())))
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(err))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let Some((k, sleep)) = &mut this.keep_alive else {
                    return Poll::Pending;
                };
                ready!(sleep.as_mut().poll(cx));
                sleep.as_mut().reset(Instant::now() + k.interval);
                Poll::Ready(Some(Ok(k.comment.clone())))
            }
        }
    }
}

/// The sending half of [`channel`]. Cheap to clone; the stream ends when every sender is
/// dropped.
#[derive(Debug, Clone)]
pub struct Sender {
    tx: mpsc::Sender<Event>,
}

/// The client has gone away (the response was dropped): stop producing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the event stream's client has gone away")
    }
}

impl std::error::Error for Closed {}

impl Sender {
    /// Queues `event`, waiting while the queue is full (the client reads slower than events
    /// come).
    ///
    /// # Errors
    /// [`Closed`] when the response is gone.
    pub async fn send(&self, event: Event) -> Result<(), Closed> {
        self.tx.send(event).await.map_err(|_| Closed)
    }

    /// Queues `event` if there is room now: `Ok(true)` when queued, `Ok(false)` when the queue
    /// is full (the event is dropped).
    ///
    /// # Errors
    /// [`Closed`] when the response is gone.
    pub fn try_send(&self, event: Event) -> Result<bool, Closed> {
        match self.tx.try_send(event) {
            Ok(()) => Ok(true),
            Err(mpsc::error::TrySendError::Full(_)) => Ok(false),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Closed),
        }
    }

    /// Whether the response is gone.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// The receiving half of [`channel`], as a stream of events.
#[derive(Debug)]
pub struct Receiver {
    rx: mpsc::Receiver<Event>,
}

impl Stream for Receiver {
    type Item = Result<Event, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx).map(|e| e.map(Ok))
    }
}

/// A bounded queue of at most `capacity` events (at least 1) and the response that sends them:
/// a producer that outpaces its client waits in [`Sender::send`] instead of buffering.
pub fn channel(capacity: usize) -> (Sender, Sse<Receiver>) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (Sender { tx }, Sse::new(Receiver { rx }))
}
