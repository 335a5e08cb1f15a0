//! The request body.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use pulya_responses::{Body, BoxError};

/// The body of a [`Request`](crate::Request): hyper's incoming stream, or any [`Body`] (empty,
/// one buffer, or boxed).
///
/// The server wraps hyper's body without boxing it; the test client uses one buffer.
pub struct RequestBody(Kind);

enum Kind {
    Incoming(hyper::body::Incoming),
    Other(Body),
}

impl RequestBody {
    /// An empty body.
    pub const fn empty() -> Self {
        Self(Kind::Other(Body::empty()))
    }

    /// A body of one buffer.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        Self(Kind::Other(Body::full(bytes)))
    }

    /// Any other body, boxed.
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Self(Kind::Other(Body::new(body)))
    }
}

impl From<hyper::body::Incoming> for RequestBody {
    fn from(body: hyper::body::Incoming) -> Self {
        Self(Kind::Incoming(body))
    }
}

impl From<Body> for RequestBody {
    fn from(body: Body) -> Self {
        Self(Kind::Other(body))
    }
}

impl Default for RequestBody {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Incoming(_) => f.write_str("RequestBody::Incoming"),
            Kind::Other(body) => f.debug_tuple("RequestBody").field(body).finish(),
        }
    }
}

impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.0 {
            Kind::Incoming(body) => Pin::new(body).poll_frame(cx).map_err(Into::into),
            Kind::Other(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Incoming(body) => body.is_end_stream(),
            Kind::Other(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Incoming(body) => body.size_hint(),
            Kind::Other(body) => body.size_hint(),
        }
    }
}
