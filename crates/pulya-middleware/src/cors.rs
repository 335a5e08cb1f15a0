//! Cross-origin resource sharing, after the Fetch standard's CORS protocol: preflights answered
//! here, the `Access-Control-*` headers on the responses to allowed origins.
//!
//! Put [`Cors`] on the app (`App::middleware`): app-level middleware runs before routing, so a
//! preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered also for routes that
//! have no `OPTIONS`. On a group or a route, only the actual requests get CORS headers, since
//! routing answers an `OPTIONS` those routes lack with 405 first.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http::header::{self, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use pulya_core::{BoxFuture, ErrorResponse, IntoResponse, Middleware, Next, Request, Response};

/// The CORS middleware, built by [`CorsBuilder`]. Cheap to clone.
///
/// - A request without `Origin` passes through untouched, but for `Vary: Origin`.
/// - A preflight from an allowed origin, for an allowed method and allowed headers, is answered
///   `204` with `Access-Control-Allow-Origin`, `-Methods`, `-Headers`, `-Credentials` and
///   `-Max-Age` as configured; the handler is not called.
/// - A preflight that is not allowed is answered `403` in Pulya's error shape, with no CORS
///   headers, so the browser refuses the request and a developer reading the response sees why.
/// - Any other request from an allowed origin runs and its response gets
///   `Access-Control-Allow-Origin`, `-Credentials` and `-Expose-Headers`.
/// - A malformed or disallowed `Origin` gets no CORS headers; the request still runs (the
///   browser keeps its response from the page).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use http::Method;
/// use pulya_app::App;
/// use pulya_middleware::cors::Cors;
///
/// let cors = Cors::builder()
///     .allow_origins(["https://app.example"])
///     .allow_methods([Method::GET, Method::POST])
///     .allow_headers(["content-type"])
///     .build()
///     .unwrap();
/// let client = App::new().middleware(cors).post("/items", || async { "made" }).test_client();
///
/// let preflight = client
///     .request(Method::OPTIONS, "/items")
///     .header("origin", "https://app.example")
///     .header("access-control-request-method", "POST")
///     .header("access-control-request-headers", "content-type")
///     .send()
///     .await;
/// assert_eq!(preflight.status(), 204);
/// assert_eq!(preflight.header("access-control-allow-origin"), Some("https://app.example"));
///
/// let other = client.post("/items").header("origin", "https://evil.example").send().await;
/// assert_eq!(other.status(), 200);
/// assert_eq!(other.header("access-control-allow-origin"), None);
/// # }
/// ```
#[derive(Clone)]
pub struct Cors(Arc<Config>);

struct Config {
    origins: Origins,
    methods: Vec<Method>,
    allow_methods: HeaderValue,
    headers: AllowedHeaders,
    expose_headers: Option<HeaderValue>,
    credentials: bool,
    max_age: Option<HeaderValue>,
}

enum Origins {
    Any,
    /// Lower-cased serialized origins.
    List(Vec<Box<str>>),
    Predicate(Arc<dyn Fn(&str) -> bool + Send + Sync>),
}

enum AllowedHeaders {
    /// Lower-cased names, and the same as one header value.
    List(Vec<HeaderName>, Option<HeaderValue>),
    /// Whatever the preflight asks for is allowed (echoed back, so credentials still work).
    Any,
}

/// Builds a [`Cors`]; [`build`](CorsBuilder::build) checks the whole configuration at once.
#[must_use]
pub struct CorsBuilder {
    origins: Option<Origins>,
    methods: Vec<Method>,
    headers: Option<Vec<HeaderName>>,
    expose: Vec<HeaderName>,
    any_header: bool,
    credentials: bool,
    max_age: Option<Duration>,
    error: Option<CorsError>,
}

/// What is wrong with a CORS configuration: found by [`CorsBuilder::build`], at startup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsError {
    /// No origin was allowed: call `allow_origins`, `allow_origin_fn` or `allow_any_origin`.
    NoOrigins,
    /// Credentials with any origin, which the Fetch standard forbids (`*` is not allowed with
    /// `Access-Control-Allow-Credentials: true`): list the origins instead.
    CredentialsWithAnyOrigin,
    /// An allowed origin that is not a serialized origin (`scheme://host[:port]`, no path).
    InvalidOrigin(String),
    /// A header name that is not a valid one.
    InvalidHeaderName(String),
}

impl fmt::Display for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsError::NoOrigins => f.write_str("CORS allows no origin: list some, or allow any"),
            CorsError::CredentialsWithAnyOrigin => f.write_str(
                "CORS with credentials cannot allow any origin (the Fetch standard forbids `*` \
                 with credentials): list the origins",
            ),
            CorsError::InvalidOrigin(origin) => write!(
                f,
                "{origin:?} is not an origin: write scheme://host or scheme://host:port, no path"
            ),
            CorsError::InvalidHeaderName(name) => write!(f, "{name:?} is not a header name"),
        }
    }
}

impl std::error::Error for CorsError {}

impl Cors {
    /// A builder that allows no origin yet, the CORS-safelisted methods (`GET`, `HEAD`,
    /// `POST`), no request headers beyond the safelisted ones, no credentials and no max-age.
    pub fn builder() -> CorsBuilder {
        CorsBuilder {
            origins: None,
            methods: vec![Method::GET, Method::HEAD, Method::POST],
            headers: None,
            expose: Vec::new(),
            any_header: false,
            credentials: false,
            max_age: None,
            error: None,
        }
    }
}

impl CorsBuilder {
    /// Allows these origins, such as `https://app.example` or `http://localhost:3000`
    /// (compared without regard to ASCII case). Adds to earlier calls.
    pub fn allow_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list = match self.origins.take() {
            Some(Origins::List(list)) => list,
            _ => Vec::new(),
        };
        for origin in origins {
            let origin = origin.as_ref();
            if is_origin(origin.as_bytes()) {
                list.push(origin.to_ascii_lowercase().into());
            } else if self.error.is_none() {
                self.error = Some(CorsError::InvalidOrigin(origin.to_owned()));
            }
        }
        self.origins = Some(Origins::List(list));
        self
    }

    /// Allows the origins for which `allowed` returns true; it is given well-formed origins
    /// only (`https://tenant.app.example`, say).
    pub fn allow_origin_fn(
        mut self,
        allowed: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.origins = Some(Origins::Predicate(Arc::new(allowed)));
        self
    }

    /// Allows every origin, answered `Access-Control-Allow-Origin: *`. Not with credentials.
    pub fn allow_any_origin(mut self) -> Self {
        self.origins = Some(Origins::Any);
        self
    }

    /// The methods a preflight may ask for. Default: `GET`, `HEAD`, `POST`.
    pub fn allow_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// The request headers a preflight may ask for, such as `content-type` or
    /// `authorization`. Default: none beyond the CORS-safelisted ones.
    pub fn allow_headers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.headers = Some(self.header_names(names));
        self
    }

    /// Allows whatever request headers a preflight asks for, echoing them back (so that it
    /// works with credentials too, where `*` would not).
    pub fn allow_any_header(mut self) -> Self {
        self.headers = None;
        self.any_header = true;
        self
    }

    /// The response headers that the page may read beyond the safelisted ones, such as
    /// `x-request-id`. Default: none.
    pub fn expose_headers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.expose = self.header_names(names);
        self
    }

    /// Whether the browser may send cookies and credentials
    /// (`Access-Control-Allow-Credentials: true`). Default: no. Not with any origin.
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.credentials = allow;
        self
    }

    /// How long the browser may cache a preflight's answer (`Access-Control-Max-Age`, in whole
    /// seconds). Default: none sent, so browsers use their own (5 s in Chromium and Firefox).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The middleware.
    ///
    /// # Errors
    /// The first problem of the configuration: no origin, credentials with any origin, an
    /// origin or a header name that is malformed.
    pub fn build(self) -> Result<Cors, CorsError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let origins = self.origins.ok_or(CorsError::NoOrigins)?;
        if self.credentials && matches!(origins, Origins::Any) {
            return Err(CorsError::CredentialsWithAnyOrigin);
        }
        let headers = if self.any_header {
            AllowedHeaders::Any
        } else {
            let names = self.headers.unwrap_or_default();
            let value = join(&names);
            AllowedHeaders::List(names, value)
        };
        let methods: Vec<String> = self.methods.iter().map(|m| m.as_str().to_owned()).collect();
        let allow_methods = HeaderValue::try_from(methods.join(", "))
            .expect("method names are tokens, which form a header value");
        Ok(Cors(Arc::new(Config {
            origins,
            methods: self.methods,
            allow_methods,
            headers,
            expose_headers: join(&self.expose),
            credentials: self.credentials,
            max_age: self.max_age.map(|age| HeaderValue::from(age.as_secs())),
        })))
    }

    fn header_names<I, S>(&mut self, names: I) -> Vec<HeaderName>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = Vec::new();
        for name in names {
            match HeaderName::try_from(name.as_ref()) {
                Ok(name) => out.push(name),
                Err(_) if self.error.is_none() => {
                    self.error = Some(CorsError::InvalidHeaderName(name.as_ref().to_owned()));
                }
                Err(_) => {}
            }
        }
        out
    }
}

impl fmt::Debug for CorsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsBuilder")
            .field("methods", &self.methods)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Cors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origins = match &self.0.origins {
            Origins::Any => "any".to_owned(),
            Origins::List(list) => list.join(", "),
            Origins::Predicate(_) => "a predicate".to_owned(),
        };
        f.debug_struct("Cors")
            .field("origins", &origins)
            .field("methods", &self.0.methods)
            .field("credentials", &self.0.credentials)
            .finish_non_exhaustive()
    }
}

/// Names joined as one header value, `None` for none.
fn join(names: &[HeaderName]) -> Option<HeaderValue> {
    if names.is_empty() {
        return None;
    }
    let joined: Vec<&str> = names.iter().map(HeaderName::as_str).collect();
    Some(HeaderValue::try_from(joined.join(", ")).expect("header names form a header value"))
}

/// Whether `origin` is a serialized origin: `null`, or `scheme://host[:port]` with a scheme of
/// letters, digits, `+`, `-` and `.`, and a host of visible ASCII other than `/?#@\`.
fn is_origin(origin: &[u8]) -> bool {
    if origin == b"null" {
        return true;
    }
    let Some(colon) = origin.iter().position(|&b| b == b':') else {
        return false;
    };
    let (scheme, rest) = origin.split_at(colon);
    let Some(authority) = rest.strip_prefix(b"://") else {
        return false;
    };
    let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    let (host, port) = match authority.iter().rposition(|&b| b == b':') {
        // An IPv6 literal's colons are inside brackets; a port follows the last `]`.
        Some(i) if !authority[i..].contains(&b']') => (&authority[..i], Some(&authority[i + 1..])),
        _ => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host
            .iter()
            .all(|&b| b.is_ascii_graphic() && !matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\'));
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.iter().all(u8::is_ascii_digit));
    scheme_ok && host_ok && port_ok
}

impl Config {
    /// Whether `origin` (well-formed) is allowed.
    fn allows(&self, origin: &str) -> bool {
        match &self.origins {
            Origins::Any => true,
            Origins::List(list) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
            Origins::Predicate(allowed) => allowed(origin),
        }
    }

    /// The `Access-Control-Allow-Origin` value for an allowed `origin`.
    fn allow_origin(&self, origin: &HeaderValue) -> HeaderValue {
        match self.origins {
            Origins::Any => HeaderValue::from_static("*"),
            _ => origin.clone(),
        }
    }

    /// The request's `Origin`, when it is well-formed and allowed.
    fn allowed_origin<'r>(&self, req: &'r Request) -> Option<&'r HeaderValue> {
        let origin = req.headers().get(header::ORIGIN)?;
        let text = origin.to_str().ok()?;
        (is_origin(text.as_bytes()) && self.allows(text)).then_some(origin)
    }

    /// Answers a preflight: 204 with the allow headers, or 403 when it is not allowed.
    fn preflight(&self, req: &Request) -> Response {
        match self.check_preflight(req) {
            Ok((origin, headers)) => {
                let mut res = Response::new(pulya_core::Body::empty());
                *res.status_mut() = StatusCode::NO_CONTENT;
                let out = res.headers_mut();
                out.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    self.allow_origin(origin),
                );
                out.insert(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    self.allow_methods.clone(),
                );
                if let Some(headers) = headers {
                    out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, headers);
                }
                if self.credentials {
                    out.insert(
                        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                        HeaderValue::from_static("true"),
                    );
                }
                if let Some(max_age) = &self.max_age {
                    out.insert(header::ACCESS_CONTROL_MAX_AGE, max_age.clone());
                }
                self.vary(&mut res, true);
                res
            }
            Err(why) => {
                let mut res = ErrorResponse::new(StatusCode::FORBIDDEN, why).into_response();
                self.vary(&mut res, true);
                res
            }
        }
    }

    /// The origin and the `Access-Control-Allow-Headers` of an allowed preflight, or why not.
    fn check_preflight<'r>(
        &self,
        req: &'r Request,
    ) -> Result<(&'r HeaderValue, Option<HeaderValue>), &'static str> {
        let origin = self
            .allowed_origin(req)
            .ok_or("CORS preflight refused: the origin is not allowed")?;
        let method = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .ok_or("CORS preflight refused: malformed Access-Control-Request-Method")?;
        // The safelisted methods are allowed whatever the list says (Fetch's CORS-preflight check).
        let safelisted = matches!(method, Method::GET | Method::HEAD | Method::POST);
        if !safelisted && !self.methods.contains(&method) {
            return Err("CORS preflight refused: the method is not allowed");
        }
        let requested = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS);
        let headers = match &self.headers {
            AllowedHeaders::Any => requested.cloned(),
            AllowedHeaders::List(names, value) => {
                let asked = requested.map(|h| h.to_str().map_err(|_| ())).transpose();
                let asked = asked.map_err(
                    |_| "CORS preflight refused: malformed Access-Control-Request-Headers",
                )?;
                let all_allowed = asked
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .all(|n| {
                        names
                            .iter()
                            .any(|allowed| allowed.as_str().eq_ignore_ascii_case(n))
                    });
                if !all_allowed {
                    return Err("CORS preflight refused: a request header is not allowed");
                }
                value.clone()
            }
        };
        Ok((origin, headers))
    }

    /// Adds `Vary: Origin` (and the preflight's request headers) unless any origin is allowed
    /// without credentials, where the answer is the same for every origin.
    fn vary(&self, res: &mut Response, preflight: bool) {
        if matches!(self.origins, Origins::Any) && !preflight {
            return;
        }
        let value = if preflight {
            HeaderValue::from_static(
                "origin, access-control-request-method, access-control-request-headers",
            )
        } else {
            HeaderValue::from_static("origin")
        };
        res.headers_mut().append(header::VARY, value);
    }

    /// Adds the CORS headers of an actual request from `origin`.
    fn decorate(&self, res: &mut Response, origin: Option<&HeaderValue>) {
        if let Some(origin) = origin {
            let out = res.headers_mut();
            out.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                self.allow_origin(origin),
            );
            if self.credentials {
                out.insert(
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                );
            }
            if let Some(expose) = &self.expose_headers {
                out.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
            }
        }
        self.vary(res, false);
    }
}

/// Whether `req` is a CORS preflight: `OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`. A plain `OPTIONS` goes to its route.
fn is_preflight(req: &Request) -> bool {
    req.method() == Method::OPTIONS
        && req.headers().contains_key(header::ORIGIN)
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

impl Middleware for Cors {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        if is_preflight(&req) {
            let res = self.0.preflight(&req);
            return Box::pin(std::future::ready(res));
        }
        let origin = self.0.allowed_origin(&req).cloned();
        Box::pin(Decorated {
            fut: next.run(req),
            origin,
            config: Arc::clone(&self.0),
        })
    }
}

/// An actual request's response, to get its CORS headers.
struct Decorated {
    fut: BoxFuture<'static, Response>,
    origin: Option<HeaderValue>,
    config: Arc<Config>,
}

impl Future for Decorated {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.get_mut();
        let mut res = ready!(this.fut.as_mut().poll(cx));
        this.config.decorate(&mut res, this.origin.as_ref());
        Poll::Ready(res)
    }
}

#[cfg(test)]
mod tests {
    use super::is_origin;

    #[test]
    fn origins_are_recognised() {
        for good in [
            "https://a.example",
            "http://localhost:3000",
            "null",
            "http://[::1]:8080",
            "http://[::1]",
            "app+x://h.example",
        ] {
            assert!(is_origin(good.as_bytes()), "{good}");
        }
        for bad in [
            "",
            "a.example",
            "https://",
            "https://a.example/",
            "https://a.example/path",
            "https://user@a.example",
            "https://a.example:",
            "https://a.example:123456",
            "https://a.example:80x",
            "1http://a.example",
            "https://a b.example",
            "https://a.example?q",
        ] {
            assert!(!is_origin(bad.as_bytes()), "{bad}");
        }
    }
}
