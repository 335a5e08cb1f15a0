//! Pre-encoded error responses: the common error statuses, built once and served by cheap clone.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};

use pulya_core::Body;
use pulya_core::ErrorResponse;
use pulya_core::{IntoResponse, Response};

/// The statuses that have a pre-encoded page.
pub const PRE_ENCODED: [StatusCode; 12] = [
    StatusCode::BAD_REQUEST,
    StatusCode::UNAUTHORIZED,
    StatusCode::FORBIDDEN,
    StatusCode::NOT_FOUND,
    StatusCode::METHOD_NOT_ALLOWED,
    StatusCode::PAYLOAD_TOO_LARGE,
    StatusCode::UNSUPPORTED_MEDIA_TYPE,
    StatusCode::UNPROCESSABLE_ENTITY,
    StatusCode::TOO_MANY_REQUESTS,
    StatusCode::INTERNAL_SERVER_ERROR,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
];

#[derive(Debug, Clone)]
struct Page {
    content_type: HeaderValue,
    body: Bytes,
}

/// The pages of the common error statuses, each a content type and a body encoded once.
///
/// By default every page is Pulya's JSON error body with the status's reason phrase, such as
/// `{"error":"Not Found","status":404}`. An app may replace any of them at startup, for example
/// with HTML. A response from a page costs two reference-count increments for its content and
/// no encoding.
///
/// ```
/// use http::StatusCode;
/// use pulya_responses::ErrorPages;
///
/// let mut pages = ErrorPages::default();
/// pages.set(StatusCode::NOT_FOUND, "text/html; charset=utf-8", "<h1>Not here</h1>")?;
/// let res = pages.response(StatusCode::NOT_FOUND);
/// assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
/// # Ok::<(), pulya_responses::ErrorResponse>(())
/// ```
#[derive(Debug, Clone)]
pub struct ErrorPages {
    pages: [Page; PRE_ENCODED.len()],
    /// HTML alternatives, sent to clients that prefer `text/html` ([`ErrorPages::set_html`]).
    html: [Option<Bytes>; PRE_ENCODED.len()],
}

impl Default for ErrorPages {
    fn default() -> Self {
        let json = HeaderValue::from_static("application/json");
        Self {
            pages: PRE_ENCODED.map(|status| {
                let reason = status.canonical_reason().unwrap_or("Error");
                let body = format!(r#"{{"error":"{reason}","status":{}}}"#, status.as_u16());
                Page {
                    content_type: json.clone(),
                    body: Bytes::from(body),
                }
            }),
            html: Default::default(),
        }
    }
}

impl ErrorPages {
    fn index(status: StatusCode) -> Option<usize> {
        PRE_ENCODED.iter().position(|s| *s == status)
    }

    /// Replaces the page of `status`. Fails for a status without a page or a content type that
    /// is not a valid header value.
    pub fn set(
        &mut self,
        status: StatusCode,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Result<(), ErrorResponse> {
        let index = Self::index(status).ok_or_else(|| {
            ErrorResponse::new(status, format!("{status} has no pre-encoded page"))
        })?;
        let content_type = HeaderValue::from_str(content_type).map_err(|_| {
            ErrorResponse::new(status, format!("invalid content type {content_type:?}"))
        })?;
        self.pages[index] = Page {
            content_type,
            body: body.into(),
        };
        Ok(())
    }

    /// Adds an HTML alternative to the page of `status`, sent instead of it to clients whose
    /// `Accept` header prefers `text/html` ([`ErrorPages::negotiated`]). Fails for a status
    /// without a page.
    pub fn set_html(
        &mut self,
        status: StatusCode,
        html: impl Into<Bytes>,
    ) -> Result<(), ErrorResponse> {
        let index = Self::index(status).ok_or_else(|| {
            ErrorResponse::new(status, format!("{status} has no pre-encoded page"))
        })?;
        self.html[index] = Some(html.into());
        Ok(())
    }

    /// Whether any page has an HTML alternative, that is whether [`ErrorPages::negotiated`]
    /// needs the request's `Accept` header at all.
    pub fn has_html(&self) -> bool {
        self.html.iter().any(Option::is_some)
    }

    /// The response of `status`: its page, or for a status without one, Pulya's JSON error body
    /// with the reason phrase, encoded now.
    pub fn response(&self, status: StatusCode) -> Response {
        let Some(page) = Self::index(status).map(|i| &self.pages[i]) else {
            let reason = status.canonical_reason().unwrap_or("Error");
            return ErrorResponse::new(status, reason).into_response();
        };
        Self::page_response(status, page.body.clone(), page.content_type.clone())
    }

    /// The response of `status` for a client that sent `accept`: the HTML alternative when
    /// there is one and the client prefers HTML to JSON, else [`ErrorPages::response`].
    pub fn negotiated(&self, status: StatusCode, accept: Option<&HeaderValue>) -> Response {
        let html = Self::index(status).and_then(|i| self.html[i].as_ref());
        match html {
            Some(html) if crate::negotiate::prefers_html(accept) => Self::page_response(
                status,
                html.clone(),
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            _ => self.response(status),
        }
    }

    fn page_response(status: StatusCode, body: Bytes, content_type: HeaderValue) -> Response {
        let mut res = Response::new(Body::full(body));
        *res.status_mut() = status;
        res.headers_mut().insert(header::CONTENT_TYPE, content_type);
        res
    }

    /// The `405 Method Not Allowed` response with its `Allow` header, negotiated as
    /// [`ErrorPages::negotiated`] (`None` for the JSON page).
    pub fn method_not_allowed(&self, allow: &str, accept: Option<&HeaderValue>) -> Response {
        let mut res = self.negotiated(StatusCode::METHOD_NOT_ALLOWED, accept);
        if let Ok(value) = HeaderValue::from_str(allow) {
            res.headers_mut().insert(header::ALLOW, value);
        }
        res
    }

    /// The `429 Too Many Requests` response with its `Retry-After` header, in seconds.
    pub fn too_many_requests(&self, retry_after_secs: u64) -> Response {
        let mut res = self.response(StatusCode::TOO_MANY_REQUESTS);
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        res
    }
}
