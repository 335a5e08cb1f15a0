//! Errors: names and values that HTTP does not allow are refused, never stored.

use std::fmt;

/// Why a header was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// The name is empty or has a byte that is not an HTTP token character.
    InvalidName(String),
    /// The value has a control character (other than tab) or a byte HTTP does not allow.
    InvalidValue {
        /// The header's name.
        name: String,
    },
    /// A line of a raw header block has no `:`.
    MissingColon {
        /// The line's number, from 1.
        line: usize,
    },
    /// A raw header block of a gibibyte or more.
    TooLarge {
        /// Its length.
        len: usize,
    },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidName(name) => write!(f, "invalid header name {name:?}"),
            Self::InvalidValue { name } => write!(f, "invalid value for header `{name}`"),
            Self::MissingColon { line } => write!(f, "header line {line} has no `:`"),
            Self::TooLarge { len } => write!(f, "header block of {len} bytes is too large"),
        }
    }
}

impl std::error::Error for HeaderError {}

/// A value that is not visible ASCII was read as text
/// ([`ValueRef::to_str`](crate::ValueRef::to_str)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToStrError;

impl fmt::Display for ToStrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("header value is not visible ASCII")
    }
}

impl std::error::Error for ToStrError {}
