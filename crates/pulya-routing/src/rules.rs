//! Typed parameters: rules checked on a route's parameters after the path matched.

use std::borrow::Cow;
use std::fmt;
use std::ops::{Bound, RangeBounds};

use percent_encoding::percent_decode_str;

/// What a parameter must look like: a type (castor) and optional validators, checked on the
/// percent-decoded value.
///
/// ```
/// use pulya_routing::ParamRule;
///
/// let id = ParamRule::u64().range(1..=1_000_000);
/// let slug = ParamRule::string().len(1..=64);
/// # #[cfg(feature = "regex")]
/// let code = ParamRule::string().regex("[A-Z]{3}").unwrap();
/// ```
#[derive(Clone)]
pub struct ParamRule {
    kind: Kind,
    range: (Bound<i128>, Bound<i128>),
    len: (Bound<usize>, Bound<usize>),
    #[cfg(feature = "regex")]
    regex: Option<regex_lite::Regex>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    String,
    U64,
    I64,
    Uuid,
}

impl fmt::Debug for ParamRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ParamRule");
        d.field("kind", &self.kind)
            .field("range", &self.range)
            .field("len", &self.len);
        #[cfg(feature = "regex")]
        d.field("regex", &self.regex.as_ref().map(regex_lite::Regex::as_str));
        d.finish()
    }
}

impl ParamRule {
    fn of(kind: Kind) -> Self {
        Self {
            kind,
            range: (Bound::Unbounded, Bound::Unbounded),
            len: (Bound::Unbounded, Bound::Unbounded),
            #[cfg(feature = "regex")]
            regex: None,
        }
    }

    /// Any text.
    pub fn string() -> Self {
        Self::of(Kind::String)
    }

    /// An unsigned integer that fits `u64` (decimal digits only).
    pub fn u64() -> Self {
        Self::of(Kind::U64)
    }

    /// A signed integer that fits `i64`.
    pub fn i64() -> Self {
        Self::of(Kind::I64)
    }

    /// A UUID in its hyphenated form (`8-4-4-4-12` hex digits), as `uuid::Uuid` parses it.
    pub fn uuid() -> Self {
        Self::of(Kind::Uuid)
    }

    /// For integers: the value must lie in `range`.
    pub fn range(mut self, range: impl RangeBounds<i64>) -> Self {
        let widen = |b: Bound<&i64>| match b {
            Bound::Included(v) => Bound::Included(i128::from(*v)),
            Bound::Excluded(v) => Bound::Excluded(i128::from(*v)),
            Bound::Unbounded => Bound::Unbounded,
        };
        self.range = (widen(range.start_bound()), widen(range.end_bound()));
        self
    }

    /// The value's length in characters must lie in `range`.
    pub fn len(mut self, range: impl RangeBounds<usize>) -> Self {
        self.len = (range.start_bound().cloned(), range.end_bound().cloned());
        self
    }

    /// The whole value must match `pattern` (it is anchored at both ends). The expression is
    /// compiled here, once; an invalid one is an error.
    #[cfg(feature = "regex")]
    pub fn regex(mut self, pattern: &str) -> Result<Self, regex_lite::Error> {
        self.regex = Some(regex_lite::Regex::new(&format!("^(?:{pattern})$"))?);
        Ok(self)
    }

    /// Checks a raw (percent-encoded) value; the error says why it fails.
    pub fn check(&self, raw: &str) -> Result<(), String> {
        let value: Cow<'_, str> = if raw.contains('%') {
            percent_decode_str(raw)
                .decode_utf8()
                .map_err(|_| "is not valid UTF-8 once percent-decoded".to_owned())?
        } else {
            Cow::Borrowed(raw)
        };
        let number = match self.kind {
            Kind::String => None,
            Kind::U64 => Some(
                value
                    .parse::<u64>()
                    .map(i128::from)
                    .map_err(|_| "is not an unsigned integer".to_owned())?,
            ),
            Kind::I64 => Some(
                value
                    .parse::<i64>()
                    .map(i128::from)
                    .map_err(|_| "is not an integer".to_owned())?,
            ),
            Kind::Uuid if is_uuid(&value) => None,
            Kind::Uuid => return Err("is not a UUID".to_owned()),
        };
        if let Some(n) = number {
            if !self.range.contains(&n) {
                return Err(format!("is out of range ({})", describe(self.range)));
            }
        }
        if self.len != (Bound::Unbounded, Bound::Unbounded)
            && !self.len.contains(&value.chars().count())
        {
            return Err(format!(
                "has a length out of range ({})",
                describe(self.len)
            ));
        }
        #[cfg(feature = "regex")]
        if let Some(regex) = &self.regex {
            if !regex.is_match(&value) {
                return Err(format!("does not match `{}`", regex.as_str()));
            }
        }
        Ok(())
    }
}

fn describe<T: fmt::Display>(range: (Bound<T>, Bound<T>)) -> String {
    let start = match range.0 {
        Bound::Included(v) => format!("{v}"),
        Bound::Excluded(v) => format!("> {v}"),
        Bound::Unbounded => String::new(),
    };
    let end = match range.1 {
        Bound::Included(v) => format!("={v}"),
        Bound::Excluded(v) => format!("{v}"),
        Bound::Unbounded => String::new(),
    };
    format!("{start}..{end}")
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// What a lookup does when a parameter breaks its rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnInvalid {
    /// Answer as if no route matched: [`MatchError::NotFound`](crate::MatchError::NotFound).
    #[default]
    NotFound,
    /// Report it: [`MatchError::InvalidParam`](crate::MatchError::InvalidParam), which a
    /// framework answers with 422.
    Reject,
}

/// The rules of a route's parameters, by name, and what a failure does.
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    pub(crate) rules: Vec<(Box<str>, ParamRule)>,
    pub(crate) on_invalid: OnInvalid,
}

impl Constraints {
    /// No rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the rule of parameter `name`.
    pub fn param(mut self, name: &str, rule: ParamRule) -> Self {
        self.rules.retain(|(n, _)| &**n != name);
        self.rules.push((name.into(), rule));
        self
    }

    /// What a failed rule does. Default: [`OnInvalid::NotFound`].
    pub fn on_invalid(mut self, on_invalid: OnInvalid) -> Self {
        self.on_invalid = on_invalid;
        self
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Constraints compiled against one route: each rule knows the position of its parameter.
#[derive(Debug)]
pub(crate) struct CompiledRules {
    pub(crate) rules: Vec<(usize, ParamRule)>,
    pub(crate) on_invalid: OnInvalid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn castors_and_validators() {
        assert!(ParamRule::u64().check("42").is_ok());
        assert_eq!(
            ParamRule::u64().check("-1").unwrap_err(),
            "is not an unsigned integer"
        );
        assert!(ParamRule::u64().check("18446744073709551616").is_err());
        assert!(ParamRule::i64().check("-9").is_ok());
        let r = ParamRule::i64().range(1..=10);
        assert!(r.check("10").is_ok());
        assert_eq!(r.check("11").unwrap_err(), "is out of range (1..=10)");
        assert!(
            ParamRule::uuid()
                .check("67e55044-10b1-426f-9247-bb680e5fe0c8")
                .is_ok()
        );
        assert!(
            ParamRule::uuid()
                .check("67e55044-10b1-426f-9247-bb680e5fe0c")
                .is_err()
        );
        let s = ParamRule::string().len(2..4);
        assert!(s.check("ab").is_ok() && s.check("abc").is_ok());
        assert!(s.check("abcd").is_err() && s.check("a").is_err());
        assert!(
            s.check("%C3%A9%C3%A9").is_ok(),
            "length counts decoded characters"
        );
        assert!(ParamRule::string().check("%FF").is_err());
    }

    #[cfg(feature = "regex")]
    #[test]
    fn regex_is_anchored_and_compiled_once() {
        let r = ParamRule::string().regex("[a-z]+").unwrap();
        assert!(r.check("abc").is_ok());
        assert!(r.check("abc1").is_err());
        assert!(ParamRule::string().regex("(").is_err());
    }
}
