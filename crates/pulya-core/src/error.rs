//! The error body every Pulya error response uses.

use std::fmt::Write as _;

use http::StatusCode;

/// An error response: a status and a short message, sent as
/// `{"error":"<message>","status":<code>}` with `Content-Type: application/json`.
///
/// Extractor rejections, 404 and 405 from the router and a panicking handler's 500 all use it,
/// so clients see one error shape.
///
/// ```
/// use http::StatusCode;
/// use pulya_core::{ErrorResponse, IntoResponse};
///
/// let res = ErrorResponse::new(StatusCode::CONFLICT, "the name \"ada\" is taken").into_response();
/// assert_eq!(res.status(), StatusCode::CONFLICT);
/// assert_eq!(
///     res.body().as_bytes(),
///     Some(&br#"{"error":"the name \"ada\" is taken","status":409}"#[..])
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    status: StatusCode,
    message: String,
}

impl ErrorResponse {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON body, `{"error":"<message>","status":<code>}`, with the message escaped as
    /// JSON requires (quotes, backslashes and control characters).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.message.len() + 32);
        out.push_str(r#"{"error":""#);
        for c in self.message.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c < ' ' => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        let _ = write!(out, r#"","status":{}}}"#, self.status.as_u16());
        out
    }
}

impl std::fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for ErrorResponse {}

#[cfg(test)]
mod tests {
    use super::ErrorResponse;
    use http::StatusCode;

    #[test]
    fn messages_are_escaped_as_json() {
        let err = ErrorResponse::new(StatusCode::BAD_REQUEST, "a \"b\" \\ c\nd\u{1}é");
        assert_eq!(
            err.to_json(),
            r#"{"error":"a \"b\" \\ c\nd\u0001é","status":400}"#
        );
    }
}
