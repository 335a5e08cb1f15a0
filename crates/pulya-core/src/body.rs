//! The body of requests and responses.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

use crate::{AppData, ErrorResponse};

/// The error type of streaming bodies: any error, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

type BoxBody = Pin<Box<dyn http_body::Body<Data = Bytes, Error = BoxError> + Send>>;

/// The body of a [`Request`](crate::Request) or a [`Response`](crate::Response): nothing, one
/// buffer, hyper's incoming stream, or any other [`http_body::Body`], boxed.
///
/// The one type for both directions keeps one `http_body::Body` implementation. `Empty` and
/// `Full` report their exact size, so the connection writes a `Content-Length` rather than
/// chunked encoding, and cost no allocation beyond the buffer; hyper's request body is held
/// as it is, without boxing.
///
/// ```
/// use http_body::Body as _;
/// use pulya_core::Body;
///
/// let body = Body::from("hello");
/// assert_eq!(body.size_hint().exact(), Some(5));
/// assert_eq!(body.as_bytes(), Some(&b"hello"[..]));
/// assert!(Body::empty().is_end_stream());
/// ```
pub struct Body(Kind);

enum Kind {
    Empty,
    Full(Option<Bytes>),
    /// The streams, apart: dropping or polling them is out of line, so that the common
    /// buffered bodies stay cheap to drop and poll where hyper writes them.
    Stream(Stream),
}

enum Stream {
    Incoming(hyper::body::Incoming),
    Boxed(BoxBody),
    /// Rendered once, when polled first (or by [`Body::render`]); `None` after.
    Deferred(Option<Box<dyn DeferredBody>>),
}

/// A body written only once the app that serves it is known, with that app's settings: a
/// `Json` converted with no app at hand (inside `tokio::spawn`, say) is encoded by the app's
/// JSON encoder when its response passes back through the app.
///
/// ```
/// use bytes::Bytes;
/// use pulya_core::{AppData, Body, DeferredBody, ErrorResponse};
///
/// struct Greeting;
///
/// impl DeferredBody for Greeting {
///     fn render(self: Box<Self>, app: &AppData) -> Result<Bytes, ErrorResponse> {
///         let name = app.get::<&'static str>().copied().unwrap_or("world");
///         Ok(Bytes::from(format!("hello, {name}")))
///     }
/// }
///
/// let mut data = AppData::new(0);
/// data.insert("pulya");
/// let mut body = Body::deferred(Greeting);
/// assert_eq!(body.as_bytes(), None);
/// body.render(&data).unwrap();
/// assert_eq!(body.as_bytes(), Some(&b"hello, pulya"[..]));
/// ```
pub trait DeferredBody: Send + 'static {
    /// The body's bytes, written with `app`'s settings ([`AppData::empty`] where no app
    /// rendered it before it was sent).
    ///
    /// # Errors
    /// When the body cannot be written; the app answers with the error instead.
    fn render(self: Box<Self>, app: &AppData) -> Result<Bytes, ErrorResponse>;
}

impl Body {
    /// An empty body.
    pub const fn empty() -> Self {
        Body(Kind::Empty)
    }

    /// A body of one buffer.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        if bytes.is_empty() {
            Self::empty()
        } else {
            Body(Kind::Full(Some(bytes)))
        }
    }

    /// A body from any [`http_body::Body`], such as a stream. It is boxed, unless it already is
    /// a `Body`.
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let mut slot = Some(body);
        if let Some(body) = (&mut slot as &mut dyn std::any::Any).downcast_mut::<Option<Body>>() {
            return body.take().unwrap_or_default();
        }
        let body = slot.expect("taken only when `B` is `Body`");
        Body(Kind::Stream(Stream::Boxed(Box::pin(
            body.map_err(Into::into),
        ))))
    }

    /// A body from a stream of chunks, such as server-sent events or a file read in pieces.
    /// An `Err` item ends the body with that error (the connection is closed mid-body).
    ///
    /// ```
    /// let chunks = [Ok::<_, std::io::Error>("a"), Ok("b")];
    /// let body = pulya_core::Body::from_stream(StreamOf(chunks.into_iter()));
    /// # struct StreamOf<I>(I);
    /// # impl<I: Iterator + Unpin> futures_core::Stream for StreamOf<I> {
    /// #     type Item = I::Item;
    /// #     fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>)
    /// #         -> std::task::Poll<Option<I::Item>> { std::task::Poll::Ready(self.0.next()) }
    /// # }
    /// ```
    pub fn from_stream<S, B, E>(stream: S) -> Self
    where
        S: futures_core::Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<BoxError>,
    {
        Self::new(StreamBody {
            stream: Box::pin(stream),
        })
    }

    /// A body that `body` renders with the settings of the app that serves it.
    pub fn deferred(body: impl DeferredBody) -> Self {
        Body(Kind::Stream(Stream::Deferred(Some(Box::new(body)))))
    }

    /// Renders a [deferred](Body::deferred) body with `app`'s settings, so that it becomes one
    /// buffer; any other body is left as it is. An app calls it on every response it answers.
    ///
    /// # Errors
    /// When the body cannot be written; it is then empty.
    #[inline]
    pub fn render(&mut self, app: &AppData) -> Result<(), ErrorResponse> {
        match &mut self.0 {
            Kind::Stream(Stream::Deferred(deferred)) => {
                let rendered = render_deferred(deferred, app);
                *self = Body::empty();
                if let Some(bytes) = rendered? {
                    *self = Body::full(bytes);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The whole body, when it is one buffer (or empty) rather than a stream.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.0 {
            Kind::Empty => Some(&[]),
            Kind::Full(bytes) => Some(bytes.as_deref().unwrap_or_default()),
            Kind::Stream(_) => None,
        }
    }
}

/// Out of line: most responses have nothing to render.
#[inline(never)]
fn render_deferred(
    deferred: &mut Option<Box<dyn DeferredBody>>,
    app: &AppData,
) -> Result<Option<Bytes>, ErrorResponse> {
    deferred.take().map(|body| body.render(app)).transpose()
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Empty => f.write_str("Body::Empty"),
            Kind::Full(bytes) => f.debug_tuple("Body::Full").field(bytes).finish(),
            Kind::Stream(Stream::Incoming(_)) => f.write_str("Body::Incoming"),
            Kind::Stream(Stream::Boxed(_)) => f.write_str("Body::Stream"),
            Kind::Stream(Stream::Deferred(_)) => f.write_str("Body::Deferred"),
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    #[inline]
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.0 {
            Kind::Empty => Poll::Ready(None),
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Stream(stream) => stream.poll_frame(cx),
        }
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Empty => true,
            Kind::Full(bytes) => bytes.is_none(),
            Kind::Stream(stream) => stream.is_end_stream(),
        }
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Stream(stream) => stream.size_hint(),
        }
    }
}

impl Stream {
    // The `http_body::Body` methods, named through the trait: `Stream` is not a body itself.
    #[inline(never)]
    fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self {
            Stream::Incoming(body) => {
                http_body::Body::poll_frame(Pin::new(body), cx).map_err(Into::into)
            }
            Stream::Boxed(body) => body.as_mut().poll_frame(cx),
            Stream::Deferred(deferred) => Poll::Ready(deferred.take().map(|body| {
                body.render(AppData::empty())
                    .map(Frame::data)
                    .map_err(|err| BoxError::from(err.to_string()))
            })),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Stream::Incoming(body) => http_body::Body::is_end_stream(body),
            Stream::Boxed(body) => body.is_end_stream(),
            Stream::Deferred(deferred) => deferred.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Stream::Incoming(body) => http_body::Body::size_hint(body),
            Stream::Boxed(body) => body.size_hint(),
            Stream::Deferred(_) => SizeHint::new(),
        }
    }
}

impl From<hyper::body::Incoming> for Body {
    fn from(body: hyper::body::Incoming) -> Self {
        Body(Kind::Stream(Stream::Incoming(body)))
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self::full(bytes)
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Self::full(Bytes::from_static(s.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Self {
        Self::full(Bytes::from_static(s))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Self::full(s)
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Self::full(v)
    }
}

/// A stream of chunks as an [`http_body::Body`].
struct StreamBody<S> {
    stream: Pin<Box<S>>,
}

impl<S, B, E> http_body::Body for StreamBody<S>
where
    S: futures_core::Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
    E: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.stream
            .as_mut()
            .poll_next(cx)
            .map(|item| item.map(|chunk| chunk.map(|b| Frame::data(b.into())).map_err(Into::into)))
    }
}
