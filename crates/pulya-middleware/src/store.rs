//! What the shared stores of the rate limiter and the response cache report when they fail.

use std::fmt;

/// A store shared between instances (Redis, say) failed to answer: the middleware then logs it
/// and does what it was configured to do (let the request through, or answer 503).
///
/// ```
/// use pulya_middleware::StoreError;
///
/// let err = StoreError("connection refused".into());
/// assert_eq!(err.to_string(), "the shared store failed: connection refused");
/// ```
#[derive(Debug)]
pub struct StoreError(pub pulya_core::BoxError);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the shared store failed: {}", self.0)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}
