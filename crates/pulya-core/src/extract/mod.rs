//! The extractor traits: typed pieces of a request that a handler asks for by its arguments.
//!
//! A handler's arguments are extracted in order. All but the last implement
//! [`FromRequestParts`] (they read the head of the request); the last may implement
//! [`FromRequest`] and consume the body. A failed extraction answers the request with the
//! extractor's rejection (a 4xx, or a 500 for a misconfigured app) and the handler is not
//! called.
//!
//! ```
//! use http::request::Parts;
//! use pulya_core::extract::{FromRequestParts, Rejection};
//! use pulya_core::RequestContext;
//!
//! /// The bearer token of the `Authorization` header.
//! struct Bearer(String);
//!
//! impl FromRequestParts for Bearer {
//!     type Rejection = Rejection;
//!
//!     async fn from_request_parts(parts: &mut Parts, _: &RequestContext) -> Result<Self, Rejection> {
//!         parts.headers.get("authorization")
//!             .and_then(|v| v.to_str().ok())
//!             .and_then(|v| v.strip_prefix("Bearer "))
//!             .map(|token| Bearer(token.to_owned()))
//!             .ok_or_else(|| Rejection::new(http::StatusCode::UNAUTHORIZED, "a bearer token is required"))
//!     }
//! }
//! ```

use std::convert::Infallible;
use std::future::Future;

use http::request::Parts;
use http::{Method, Uri, Version};

use crate::{IntoResponse, Request, RequestContext};

mod body;
mod facts;
mod rejection;
mod requirements;

pub use body::{has_content_type, to_bytes};
pub use facts::{ConnectInfo, MatchedPath};
pub use rejection::{
    BodyRejection, ConnectInfoRejection, MatchedPathRejection, Rejection, StringRejection,
};
pub use requirements::{Need, Requirements};

/// An extractor that reads the request head (method, URI, headers, extensions, route params).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor that reads the request head",
    note = "a handler's arguments implement `FromRequestParts` (only the last may implement \
            `FromRequest` and read the body); wrap app state in `State<T>`"
)]
pub trait FromRequestParts: Sized {
    /// The response when extraction fails.
    type Rejection: IntoResponse;

    /// Extracts `Self` from the request head.
    fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send;

    /// Adds what this extractor needs from the app (such as a state type), which the app
    /// checks when it is built. Default: nothing.
    fn requirements(needs: &mut Requirements) {
        let _ = needs;
    }
}

/// An extractor that consumes the whole request, body included. Only a handler's last argument
/// may be one.
///
/// `M` tells apart the blanket implementation for [`FromRequestParts`] types; implementations
/// leave it at its default.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor",
    note = "a handler's arguments implement `FromRequestParts`; the last may implement \
            `FromRequest` instead (a body extractor such as `Json`, `Form`, `String`, `Bytes`)"
)]
pub trait FromRequest<M = private::ViaRequest>: Sized {
    /// The response when extraction fails.
    type Rejection: IntoResponse;

    /// Extracts `Self` from the request.
    fn from_request(
        req: Request,
        cx: &RequestContext,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send;

    /// Adds what this extractor needs from the app, checked when the app is built; see
    /// [`FromRequestParts::requirements`]. Default: nothing.
    fn requirements(needs: &mut Requirements) {
        let _ = needs;
    }
}

mod private {
    /// The marker of [`FromRequest`](super::FromRequest) implementations proper.
    #[derive(Debug)]
    pub enum ViaRequest {}
    /// The marker of the blanket implementation for head-only extractors.
    #[derive(Debug)]
    pub enum ViaParts {}
}

impl<T: FromRequestParts + Send> FromRequest<private::ViaParts> for T {
    type Rejection = T::Rejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, Self::Rejection> {
        let (mut parts, _) = req.into_parts();
        T::from_request_parts(&mut parts, cx).await
    }

    fn requirements(needs: &mut Requirements) {
        T::requirements(needs);
    }
}

impl FromRequest for Request {
    type Rejection = Infallible;

    async fn from_request(req: Request, _: &RequestContext) -> Result<Self, Infallible> {
        Ok(req)
    }
}

impl FromRequestParts for Method {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &RequestContext) -> Result<Self, Infallible> {
        Ok(parts.method.clone())
    }
}

impl FromRequestParts for Uri {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &RequestContext) -> Result<Self, Infallible> {
        Ok(parts.uri.clone())
    }
}

impl FromRequestParts for Version {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &RequestContext) -> Result<Self, Infallible> {
        Ok(parts.version)
    }
}

/// The request's headers (a clone of them).
impl FromRequestParts for http::HeaderMap {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &RequestContext) -> Result<Self, Infallible> {
        Ok(parts.headers.clone())
    }
}

/// An extractor of the request head that may be absent: `Option<T>` is `None` when it is, and
/// still rejects what is present but wrong (a malformed query string, say).
#[diagnostic::on_unimplemented(
    message = "`Option<{Self}>` is not an extractor: `{Self}` has no notion of absence",
    note = "ask for `{Self}` itself, or for `Result<{Self}, _>` to handle its rejection"
)]
pub trait OptionalFromRequestParts: Sized {
    /// The response when the value is present but cannot be extracted.
    type Rejection: IntoResponse;

    /// Extracts `Some(Self)`, or `None` when the request has none.
    fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> impl Future<Output = Result<Option<Self>, Self::Rejection>> + Send;
}

/// A body extractor that may be absent, such as a JSON body the client may leave out; see
/// [`OptionalFromRequestParts`].
#[diagnostic::on_unimplemented(
    message = "`Option<{Self}>` is not an extractor: `{Self}` has no notion of absence",
    note = "ask for `{Self}` itself, or for `Result<{Self}, _>` to handle its rejection"
)]
pub trait OptionalFromRequest: Sized {
    /// The response when the value is present but cannot be extracted.
    type Rejection: IntoResponse;

    /// Extracts `Some(Self)`, or `None` when the request has none.
    fn from_request(
        req: Request,
        cx: &RequestContext,
    ) -> impl Future<Output = Result<Option<Self>, Self::Rejection>> + Send;
}

/// `None` only where the value is absent (see [`OptionalFromRequestParts`]); it asks nothing of
/// the app at build.
impl<T: OptionalFromRequestParts + Send> FromRequestParts for Option<T> {
    type Rejection = T::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, T::Rejection> {
        <T as OptionalFromRequestParts>::from_request_parts(parts, cx).await
    }
}

/// `None` only where the body is absent (see [`OptionalFromRequest`]).
impl<T: OptionalFromRequest + Send> FromRequest for Option<T> {
    type Rejection = T::Rejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, T::Rejection> {
        <T as OptionalFromRequest>::from_request(req, cx).await
    }
}

/// The extraction's outcome itself, for a handler that answers a rejection its own way. It
/// never rejects, and asks nothing of the app at build.
impl<T: FromRequestParts + Send> FromRequestParts for Result<T, T::Rejection>
where
    T::Rejection: Send,
{
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Infallible> {
        Ok(T::from_request_parts(parts, cx).await)
    }
}

/// The body extraction's outcome itself; see the `FromRequestParts` implementation.
impl<T: FromRequest + Send> FromRequest for Result<T, T::Rejection>
where
    T::Rejection: Send,
{
    type Rejection = Infallible;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, Infallible> {
        Ok(T::from_request(req, cx).await)
    }
}
