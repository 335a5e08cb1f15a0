//! What the shared stores of the rate limiter and the response cache report when they fail,
//! and the deadline every call to such a store runs under.

use std::fmt;
use std::future::Future;
use std::time::Duration;

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

/// `call`'s answer, or a [`StoreError`] when it failed or gave none within `timeout`: a store
/// that is late counts as one that failed.
pub(crate) async fn within<T>(
    timeout: Duration,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, call).await {
        Ok(answer) => answer,
        Err(_) => Err(StoreError(format!("no answer within {timeout:?}").into())),
    }
}
