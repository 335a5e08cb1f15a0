//! Security headers on every response: `X-Content-Type-Options`, `X-Frame-Options`,
//! `Referrer-Policy`, and, when configured, `Content-Security-Policy` and
//! `Strict-Transport-Security`.

use std::sync::Arc;
use std::time::Duration;

use http::header::{self, HeaderName, HeaderValue, InvalidHeaderValue};
use pulya_core::{BoxFuture, Middleware, Next, Request, Response};

/// Middleware that adds security headers to every response, leaving alone any that the
/// handler set itself. The values are encoded once, here; per request the headers are copied.
///
/// Defaults: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
/// `Referrer-Policy: strict-origin-when-cross-origin`; no CSP and no HSTS unless configured.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
/// use pulya_app::App;
/// use pulya_middleware::security_headers::{FrameOptions, SecurityHeaders};
///
/// let headers = SecurityHeaders::new()
///     .frame_options(FrameOptions::SameOrigin)
///     .content_security_policy("default-src 'self'")
///     .unwrap()
///     .hsts(Duration::from_secs(31_536_000), true);
/// let client = App::new().middleware(headers).get("/", || async { "hi" }).test_client();
///
/// let res = client.get("/").send().await;
/// assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
/// assert_eq!(res.header("x-frame-options"), Some("SAMEORIGIN"));
/// assert_eq!(res.header("content-security-policy"), Some("default-src 'self'"));
/// assert_eq!(
///     res.header("strict-transport-security"),
///     Some("max-age=31536000; includeSubDomains")
/// );
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    no_sniff: bool,
    frame_options: FrameOptions,
    referrer_policy: Option<HeaderValue>,
    csp: Option<HeaderValue>,
    hsts: Option<HeaderValue>,
    /// What the setters above add up to, in the order written.
    encoded: Arc<[(HeaderName, HeaderValue)]>,
}

/// The value of `X-Frame-Options`: whether other sites may show the page in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameOptions {
    /// `DENY`: in no frame (the default).
    Deny,
    /// `SAMEORIGIN`: only in frames of the same origin.
    SameOrigin,
    /// No `X-Frame-Options` header (leave framing to a CSP's `frame-ancestors`).
    Off,
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        Self::new()
    }
}

impl SecurityHeaders {
    /// The middleware with the defaults listed on the type.
    pub fn new() -> Self {
        Self {
            no_sniff: true,
            frame_options: FrameOptions::Deny,
            referrer_policy: Some(HeaderValue::from_static("strict-origin-when-cross-origin")),
            csp: None,
            hsts: None,
            encoded: Arc::from([]),
        }
        .encode()
    }

    /// Whether to send `X-Content-Type-Options: nosniff`, which stops browsers from guessing a
    /// type other than the `Content-Type`. Default: on.
    pub fn no_sniff(mut self, on: bool) -> Self {
        self.no_sniff = on;
        self.encode()
    }

    /// The `X-Frame-Options` header. Default: [`FrameOptions::Deny`].
    pub fn frame_options(mut self, options: FrameOptions) -> Self {
        self.frame_options = options;
        self.encode()
    }

    /// The `Referrer-Policy`, such as `no-referrer`; `None` sends none. Default:
    /// `strict-origin-when-cross-origin`.
    ///
    /// # Errors
    /// When `policy` is not a valid header value.
    pub fn referrer_policy(mut self, policy: Option<&str>) -> Result<Self, InvalidHeaderValue> {
        self.referrer_policy = policy.map(HeaderValue::from_str).transpose()?;
        Ok(self.encode())
    }

    /// A `Content-Security-Policy`, such as `default-src 'self'`. Default: none, since a
    /// policy depends on what the pages load.
    ///
    /// # Errors
    /// When `policy` is not a valid header value.
    pub fn content_security_policy(mut self, policy: &str) -> Result<Self, InvalidHeaderValue> {
        self.csp = Some(HeaderValue::from_str(policy)?);
        Ok(self.encode())
    }

    /// `Strict-Transport-Security` with `max-age` in whole seconds, and `includeSubDomains`
    /// when asked. Default: none, because browsers remember it for `max_age`: turn it on only
    /// where every response is served over TLS.
    pub fn hsts(mut self, max_age: Duration, include_subdomains: bool) -> Self {
        let suffix = if include_subdomains {
            "; includeSubDomains"
        } else {
            ""
        };
        let value = format!("max-age={}{suffix}", max_age.as_secs());
        self.hsts = Some(HeaderValue::try_from(value).expect("digits and ASCII form a value"));
        self.encode()
    }

    fn encode(mut self) -> Self {
        let mut out = Vec::with_capacity(5);
        if self.no_sniff {
            out.push((
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ));
        }
        match self.frame_options {
            FrameOptions::Deny => {
                out.push((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
            }
            FrameOptions::SameOrigin => {
                out.push((
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("SAMEORIGIN"),
                ));
            }
            FrameOptions::Off => {}
        }
        if let Some(policy) = &self.referrer_policy {
            out.push((header::REFERRER_POLICY, policy.clone()));
        }
        if let Some(csp) = &self.csp {
            out.push((header::CONTENT_SECURITY_POLICY, csp.clone()));
        }
        if let Some(hsts) = &self.hsts {
            out.push((header::STRICT_TRANSPORT_SECURITY, hsts.clone()));
        }
        self.encoded = out.into();
        self
    }

    /// The encoded headers, shared: what the standard preset applies in its own step.
    pub(crate) fn encoded(&self) -> Arc<[(HeaderName, HeaderValue)]> {
        Arc::clone(&self.encoded)
    }
}

/// Adds the headers of `encoded` that `res` does not have yet.
pub(crate) fn apply(encoded: &[(HeaderName, HeaderValue)], res: &mut Response) {
    let headers = res.headers_mut();
    for (name, value) in encoded {
        // One lookup per header: a value the handler set is kept.
        if let http::header::Entry::Vacant(slot) = headers.entry(name) {
            slot.insert(value.clone());
        }
    }
}

impl Middleware for SecurityHeaders {
    fn call(&self, req: Request, next: Next) -> BoxFuture<'static, Response> {
        let encoded = self.encoded();
        let fut = next.run(req);
        Box::pin(async move {
            let mut res = fut.await;
            apply(&encoded, &mut res);
            res
        })
    }
}
