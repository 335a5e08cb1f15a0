//! The `Date` header value (RFC 9110 IMF-fixdate), formatted at most once per second per
//! thread and otherwise served by cheap clone.
//!
//! Pulya's server leaves `Date` to hyper, which caches it the same way; this is for responses
//! built elsewhere (an in-process test, another server, a cache that stamps its entries).

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderValue;

thread_local! {
    /// The second the cached value is for, and the value.
    static CACHED: RefCell<Option<(u64, HeaderValue)>> = const { RefCell::new(None) };
}

/// The current time as a `Date` header value, such as `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn now() -> HeaderValue {
    at(SystemTime::now())
}

/// `time` as a `Date` header value, reusing this thread's cached text when `time` falls in the
/// same second.
pub fn at(time: SystemTime) -> HeaderValue {
    let second = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        match &*cached {
            Some((s, value)) if *s == second => value.clone(),
            _ => {
                let text = httpdate::fmt_http_date(time);
                // An IMF-fixdate is ASCII letters, digits, spaces, commas and colons.
                let value = HeaderValue::from_str(&text).expect("an HTTP date is a valid header");
                *cached = Some((second, value.clone()));
                value
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn formats_imf_fixdate_and_caches_per_second() {
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(at(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        let a = at(t + Duration::from_millis(999));
        assert_eq!(a, "Sun, 06 Nov 1994 08:49:37 GMT");
        // The same second is the same bytes, not a new text.
        assert_eq!(a.as_bytes().as_ptr(), at(t).as_bytes().as_ptr());
        assert_eq!(
            at(t + Duration::from_secs(1)),
            "Sun, 06 Nov 1994 08:49:38 GMT"
        );
        let parsed = httpdate::parse_http_date(now().to_str().unwrap()).unwrap();
        assert!(SystemTime::now().duration_since(parsed).unwrap() < Duration::from_secs(5));
    }
}
