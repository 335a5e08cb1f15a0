//! Facts about a request that the app learns beside it: the matched route and the peer.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http::request::Parts;

use super::{
    ConnectInfoRejection, FromRequestParts, MatchedPathRejection, OptionalFromRequestParts,
};
use crate::RequestContext;

/// The pattern of the route that matched, such as `/users/{id}`: a label with bounded
/// cardinality for logs and metrics, unlike the raw path.
///
/// Middleware of a group or a route reads the same fact from
/// [`Next::context`](crate::Next::context)`.matched_path()`. Where no route matched (in a
/// fallback handler) it is rejected with 500; ask for `Option<MatchedPath>` there.
///
/// ```
/// use pulya_core::extract::MatchedPath;
///
/// let path = MatchedPath::new("/users/{id}", vec!["id".into()].into());
/// assert_eq!(path.as_str(), "/users/{id}");
/// assert_eq!(path.param_names()[..], [Box::from("id")]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MatchedPath(Arc<Route>);

/// One route's facts, shared by all its requests.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Route {
    pattern: Box<str>,
    param_names: Arc<[Box<str>]>,
}

impl MatchedPath {
    /// The route `pattern`, whose parameters are `param_names` in path order; routing makes one
    /// per route, once, so that a request holds it for a reference-count increment.
    pub fn new(pattern: &str, param_names: Arc<[Box<str>]>) -> Self {
        Self(Arc::new(Route {
            pattern: pattern.into(),
            param_names,
        }))
    }

    /// The pattern, as the route was registered (group prefixes included).
    pub fn as_str(&self) -> &str {
        &self.0.pattern
    }

    /// The names of the route's parameters, in path order.
    pub fn param_names(&self) -> &Arc<[Box<str>]> {
        &self.0.param_names
    }
}

impl FromRequestParts for MatchedPath {
    type Rejection = MatchedPathRejection;

    async fn from_request_parts(
        _: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, MatchedPathRejection> {
        cx.matched_path().cloned().ok_or(MatchedPathRejection)
    }
}

/// `None` where no route matched (in a fallback).
impl OptionalFromRequestParts for MatchedPath {
    type Rejection = Infallible;

    async fn from_request_parts(
        _: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Option<Self>, Infallible> {
        Ok(cx.matched_path().cloned())
    }
}

/// The address of the client's end of the connection: `ConnectInfo(addr)`.
///
/// Pulya's server records it for every request; the in-process test client sets
/// `127.0.0.1:1`. A request that reached the app some other way (a tower stack of the user's)
/// carries it as a `ConnectInfo<SocketAddr>` in its extensions, or is rejected with 500.
///
/// ```
/// use std::net::SocketAddr;
/// use pulya_core::extract::ConnectInfo;
///
/// async fn whoami(ConnectInfo(addr): ConnectInfo<SocketAddr>) -> String {
///     format!("you are {addr}")
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnectInfo<T>(pub T);

impl FromRequestParts for ConnectInfo<SocketAddr> {
    type Rejection = ConnectInfoRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, ConnectInfoRejection> {
        peer(parts, cx).ok_or(ConnectInfoRejection)
    }
}

/// `None` for a request that came over no socket.
impl OptionalFromRequestParts for ConnectInfo<SocketAddr> {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Option<Self>, Infallible> {
        Ok(peer(parts, cx))
    }
}

fn peer(parts: &Parts, cx: &RequestContext) -> Option<ConnectInfo<SocketAddr>> {
    cx.peer_addr()
        .map(ConnectInfo)
        .or_else(|| parts.extensions.get::<ConnectInfo<SocketAddr>>().copied())
}
