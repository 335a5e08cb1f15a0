//! JSON: the [`Json`] body and the two implementations behind it, chosen per app and per
//! direction.
//!
//! [`JsonCodec`] names an implementation: [`JsonCodec::SerdeJson`] or, with the `sonic-rs`
//! feature (on by default), [`JsonCodec::SonicRs`]. Both implement [`Encoder`], writing
//! straight into a [`BytesMut`] and reading from a byte slice, and both report bad input as a
//! [`JsonError`] with the same status, line and column.
//!
//! The defaults are the faster implementation of each direction as measured on this project's
//! machines (`docs/performance.md`, "JSON"): with the `sonic-rs` feature, sonic-rs in both
//! directions. sonic-rs takes its wider SIMD paths only when the compiler may use them: build
//! with `RUSTFLAGS="-C target-cpu=native"` for the figures measured that way (see the same
//! section).

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use pulya_core::Body;
use pulya_core::extract::{
    BodyRejection, FromRequest, OptionalFromRequest, has_content_type, to_bytes,
};
use pulya_core::{
    AppData, DeferredBody, ErrorResponse, IntoResponse, Request, RequestContext, Response,
};

/// A JSON body. As a return value it serialises `T` with `Content-Type: application/json`; as
/// an extractor it parses a JSON request body.
///
/// The encoder is the one of the app that serves the response ([`JsonConfig::encode`], set by
/// `App::json_encoder`). A handler's `Json` is encoded at once with it; a `Json` converted
/// with no app at hand ([`into_response`](IntoResponse::into_response), inside
/// `tokio::spawn`, say) holds its value until its response passes back through the app, which
/// encodes it then (one allocation for the held value). Outside any app, the default encoder
/// ([`JsonCodec::DEFAULT_ENCODE`]) writes it when the body is first polled.
///
/// ```
/// use pulya_core::AppData;
/// use pulya_responses::{IntoResponse, Json, JsonCodec, JsonConfig};
///
/// let mut app = AppData::new(0);
/// app.insert(JsonConfig { encode: JsonCodec::SerdeJson, ..JsonConfig::default() });
/// let res = Json(vec![1, 2, 3]).into_response_in(&app);
/// assert_eq!(res.headers()["content-type"], "application/json");
/// assert_eq!(res.body().as_bytes(), Some(&b"[1,2,3]"[..]));
///
/// let mut deferred = Json(vec![1, 2, 3]).into_response();
/// assert_eq!(deferred.body().as_bytes(), None);
/// deferred.body_mut().render(&app).unwrap();
/// assert_eq!(deferred.body().as_bytes(), Some(&b"[1,2,3]"[..]));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// The starting capacity of a JSON response buffer: small bodies fit without growing.
const INITIAL_CAPACITY: usize = 128;

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

#[inline]
fn encode<T: Serialize + ?Sized>(codec: JsonCodec, value: &T) -> Result<Bytes, ErrorResponse> {
    let mut buf = BytesMut::with_capacity(INITIAL_CAPACITY);
    codec.encode(value, &mut buf).map_err(|err| {
        ErrorResponse::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to serialise the response as JSON: {err}"),
        )
    })?;
    Ok(buf.freeze())
}

/// A `Json` value waiting for the app that serves it.
struct Deferred<T>(T);

impl<T: Serialize + Send + 'static> DeferredBody for Deferred<T> {
    fn render(self: Box<Self>, app: &AppData) -> Result<Bytes, ErrorResponse> {
        let codec = app
            .get::<JsonConfig>()
            .map_or(JsonCodec::DEFAULT_ENCODE, |config| config.encode);
        encode(codec, &self.0)
    }
}

impl<T: Serialize + Send + 'static> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        self.into_response_in(AppData::empty())
    }

    /// With the data of no app ([`AppData::empty`], which `into_response` passes) the value is
    /// held for the app that serves the response; with an app's, encoded at once by its
    /// encoder (the default where it has no [`JsonConfig`]).
    fn into_response_in(self, app: &AppData) -> Response {
        if std::ptr::eq(app, AppData::empty()) {
            return with_content_type(Body::deferred(Deferred(self.0)));
        }
        let codec = app
            .get::<JsonConfig>()
            .map_or(JsonCodec::DEFAULT_ENCODE, |config| config.encode);
        self.into_response_with(codec)
    }
}

impl<T: Serialize> Json<T> {
    /// The response, encoded at once by `codec`: for code that serves responses outside an
    /// app and wants their bytes (and so a `Content-Length`) now. A value that cannot be
    /// JSON is a 500 in Pulya's error shape.
    ///
    /// ```
    /// use pulya_responses::{Json, JsonCodec};
    ///
    /// let res = Json([1, 2]).into_response_with(JsonCodec::SerdeJson);
    /// assert_eq!(res.body().as_bytes(), Some(&b"[1,2]"[..]));
    /// ```
    #[inline]
    pub fn into_response_with(self, codec: JsonCodec) -> Response {
        match encode(codec, &self.0) {
            Ok(bytes) => with_content_type(Body::full(bytes)),
            Err(err) => err.into_response(),
        }
    }
}

#[inline]
fn with_content_type(body: Body) -> Response {
    let mut res = Response::new(body);
    res.headers_mut()
        .insert(header::CONTENT_TYPE, APPLICATION_JSON);
    res
}

/// A JSON body parsed into `T`.
///
/// Answers 415 unless `Content-Type` is `application/json` (or `…+json`), 413 over the body
/// limit, 400 for malformed JSON and 422 for JSON that does not fit `T`; the message gives the
/// reason with its line and column ([`JsonRejection`]). The decoder is the app's
/// ([`JsonConfig::decode`], set by `App::json_decoder`), else [`JsonCodec::DEFAULT_DECODE`].
impl<T: DeserializeOwned> FromRequest for Json<T> {
    type Rejection = JsonRejection;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, JsonRejection> {
        if !has_content_type(req.headers(), "application/json") {
            return Err(JsonRejection::ContentType);
        }
        let bytes = to_bytes(req.into_body(), cx.body_limit()).await?;
        let codec = cx
            .app()
            .get::<JsonConfig>()
            .map_or(JsonCodec::DEFAULT_DECODE, |config| config.decode);
        codec
            .decode(&bytes)
            .map(Json)
            .map_err(JsonRejection::Invalid)
    }
}

/// `Option<Json<T>>`: `None` for a request without `Content-Type`; with one, as `Json<T>`.
impl<T: DeserializeOwned> OptionalFromRequest for Json<T> {
    type Rejection = JsonRejection;

    async fn from_request(
        req: Request,
        cx: &RequestContext,
    ) -> Result<Option<Self>, JsonRejection> {
        if !req.headers().contains_key(header::CONTENT_TYPE) {
            return Ok(None);
        }
        <Self as FromRequest>::from_request(req, cx).await.map(Some)
    }
}

/// Why a request body could not be extracted as [`Json`]: its variants tell a wrong content
/// type, an unreadable or oversized body, and JSON that is malformed or does not fit.
///
/// ```
/// use pulya_responses::{Json, JsonRejection};
///
/// async fn create(body: Result<Json<serde_json::Value>, JsonRejection>) -> String {
///     match body {
///         Ok(Json(v)) => v.to_string(),
///         Err(JsonRejection::ContentType) => "send JSON".to_owned(),
///         Err(other) => format!("{}: {other}", other.status()),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonRejection {
    /// The request's `Content-Type` is not `application/json` or `…+json` (`415`).
    ContentType,
    /// The body could not be read whole (`413` over the limit, `400` when it failed).
    Body(BodyRejection),
    /// The body is not JSON (`400`) or does not fit the type (`422`).
    Invalid(JsonError),
}

impl JsonRejection {
    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            JsonRejection::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::Body(body) => body.status(),
            JsonRejection::Invalid(err) => err.status(),
        }
    }
}

impl fmt::Display for JsonRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonRejection::ContentType => {
                f.write_str("expected a request with `Content-Type: application/json`")
            }
            JsonRejection::Body(body) => body.fmt(f),
            JsonRejection::Invalid(err) => write!(f, "invalid JSON body: {err}"),
        }
    }
}

impl From<BodyRejection> for JsonRejection {
    fn from(body: BodyRejection) -> Self {
        JsonRejection::Body(body)
    }
}

pulya_core::__answered_in_the_error_shape!(JsonRejection);

/// An app's choice of JSON implementations, kept in its [`AppData`], where
/// the [`Json`] extractor finds its decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonConfig {
    /// Parses request bodies. Default: [`JsonCodec::DEFAULT_DECODE`].
    pub decode: JsonCodec,
    /// Writes responses. Default: [`JsonCodec::DEFAULT_ENCODE`].
    pub encode: JsonCodec,
}

impl Default for JsonConfig {
    fn default() -> Self {
        Self {
            decode: JsonCodec::DEFAULT_DECODE,
            encode: JsonCodec::DEFAULT_ENCODE,
        }
    }
}

/// A JSON implementation: encodes into a caller's buffer (reused or pooled; never a fresh
/// `Vec` that is then copied) and decodes from a byte slice.
pub trait Encoder {
    /// Appends `value` as compact JSON to `buf`.
    ///
    /// # Errors
    /// When `T`'s `Serialize` fails, or `T` holds a map whose keys are not strings.
    fn encode<T: Serialize + ?Sized>(&self, value: &T, buf: &mut BytesMut)
    -> Result<(), JsonError>;

    /// Parses `bytes` as one JSON value of type `T`.
    ///
    /// # Errors
    /// Malformed JSON ([`JsonErrorKind::Syntax`], [`JsonErrorKind::Eof`]) or JSON that does not
    /// fit `T` ([`JsonErrorKind::Data`]), with the line and column where it was found.
    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, JsonError>;
}

/// The serde_json implementation.
#[derive(Debug, Clone, Copy, Default)]
pub struct SerdeJson;

impl Encoder for SerdeJson {
    fn encode<T: Serialize + ?Sized>(
        &self,
        value: &T,
        buf: &mut BytesMut,
    ) -> Result<(), JsonError> {
        serde_json::to_writer(buf.writer(), value).map_err(JsonError::encoding)
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, JsonError> {
        serde_json::from_slice(bytes).map_err(JsonError::from_serde_json)
    }
}

/// The sonic-rs implementation (SIMD; see the module docs on `target-cpu`).
#[cfg(feature = "sonic-rs")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SonicRs;

#[cfg(feature = "sonic-rs")]
impl Encoder for SonicRs {
    fn encode<T: Serialize + ?Sized>(
        &self,
        value: &T,
        buf: &mut BytesMut,
    ) -> Result<(), JsonError> {
        sonic_rs::to_writer(buf.writer(), value).map_err(JsonError::encoding)
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, JsonError> {
        sonic_rs::from_slice(bytes).map_err(JsonError::from_sonic_rs)
    }
}

/// Which JSON implementation to use, chosen at run time (per app, per direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonCodec {
    /// [`SerdeJson`].
    SerdeJson,
    /// [`SonicRs`].
    #[cfg(feature = "sonic-rs")]
    SonicRs,
}

impl JsonCodec {
    /// The default for encoding responses: sonic-rs when the feature is on (13–17 % fewer
    /// instructions than serde_json from small to large bodies), else serde_json.
    #[cfg(feature = "sonic-rs")]
    pub const DEFAULT_ENCODE: JsonCodec = JsonCodec::SonicRs;
    /// The default for encoding responses: serde_json (the `sonic-rs` feature is off).
    #[cfg(not(feature = "sonic-rs"))]
    pub const DEFAULT_ENCODE: JsonCodec = JsonCodec::SerdeJson;

    /// The default for decoding request bodies: sonic-rs when the feature is on (about 25 %
    /// fewer instructions from 1 KiB up; within 3 % of serde_json on tiny bodies), else
    /// serde_json.
    #[cfg(feature = "sonic-rs")]
    pub const DEFAULT_DECODE: JsonCodec = JsonCodec::SonicRs;
    /// The default for decoding request bodies: serde_json (the `sonic-rs` feature is off).
    #[cfg(not(feature = "sonic-rs"))]
    pub const DEFAULT_DECODE: JsonCodec = JsonCodec::SerdeJson;
}

impl Encoder for JsonCodec {
    fn encode<T: Serialize + ?Sized>(
        &self,
        value: &T,
        buf: &mut BytesMut,
    ) -> Result<(), JsonError> {
        match self {
            JsonCodec::SerdeJson => SerdeJson.encode(value, buf),
            #[cfg(feature = "sonic-rs")]
            JsonCodec::SonicRs => SonicRs.encode(value, buf),
        }
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, JsonError> {
        match self {
            JsonCodec::SerdeJson => SerdeJson.decode(bytes),
            #[cfg(feature = "sonic-rs")]
            JsonCodec::SonicRs => SonicRs.decode(bytes),
        }
    }
}

/// What kind of JSON failure a [`JsonError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// Not valid JSON.
    Syntax,
    /// The input ended inside a value.
    Eof,
    /// Valid JSON that does not fit the target type.
    Data,
    /// A value could not be serialised.
    Encode,
}

/// A JSON failure, the same from both implementations: its kind, the line and column where the
/// input went wrong (1-based; 0 for encoding failures), and the implementation's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    kind: JsonErrorKind,
    line: usize,
    column: usize,
    reason: String,
}

impl JsonError {
    fn new(kind: JsonErrorKind, line: usize, column: usize, display: String) -> Self {
        // Both libraries end their message with " at line L column C" (sonic-rs then adds a
        // snippet of the input on following lines); keep the reason alone.
        let first = display.lines().next().unwrap_or_default();
        let reason = match first.rfind(" at line ") {
            Some(at) => &first[..at],
            None => first,
        };
        let at_input = kind != JsonErrorKind::Encode;
        Self {
            kind,
            line: if at_input { line.max(1) } else { 0 },
            // serde_json puts an error right after a newline at column 0, sonic-rs at 1.
            column: if at_input { column.max(1) } else { 0 },
            reason: reason.to_owned(),
        }
    }

    fn encoding(err: impl fmt::Display) -> Self {
        Self::new(JsonErrorKind::Encode, 0, 0, err.to_string())
    }

    fn from_serde_json(err: serde_json::Error) -> Self {
        use serde_json::error::Category;
        let kind = match err.classify() {
            Category::Syntax => JsonErrorKind::Syntax,
            Category::Eof => JsonErrorKind::Eof,
            Category::Data => JsonErrorKind::Data,
            Category::Io => JsonErrorKind::Encode,
        };
        Self::new(kind, err.line(), err.column(), err.to_string())
    }

    #[cfg(feature = "sonic-rs")]
    fn from_sonic_rs(err: sonic_rs::Error) -> Self {
        use sonic_rs::error::Category;
        let kind = match err.classify() {
            Category::Syntax => JsonErrorKind::Syntax,
            Category::Eof => JsonErrorKind::Eof,
            Category::TypeUnmatched | Category::NotFound => JsonErrorKind::Data,
            // Reading from a slice has no I/O; a category added later is treated as malformed.
            _ => JsonErrorKind::Syntax,
        };
        Self::new(kind, err.line(), err.column(), err.to_string())
    }

    /// The kind of failure.
    pub fn kind(&self) -> JsonErrorKind {
        self.kind
    }

    /// The 1-based line of the input where decoding failed.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column of the input where decoding failed.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The status a server answers when a request body fails so: 400 for malformed JSON, 422
    /// for JSON that does not fit, 500 for a response that could not be encoded.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            JsonErrorKind::Syntax | JsonErrorKind::Eof => StatusCode::BAD_REQUEST,
            JsonErrorKind::Data => StatusCode::UNPROCESSABLE_ENTITY,
            JsonErrorKind::Encode => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == JsonErrorKind::Encode {
            f.write_str(&self.reason)
        } else {
            write!(
                f,
                "{} at line {} column {}",
                self.reason, self.line, self.column
            )
        }
    }
}

impl std::error::Error for JsonError {}
