//! Errors of route insertion and route matching.

use std::fmt;

use http::Method;

use crate::router::AllowedMethods;

/// Why a route could not be inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InsertError {
    /// The route's path overlaps a route inserted before it in a way the trie cannot tell apart
    /// (for example `/users/{id}` after `/users/{name}`).
    Conflict {
        /// The path being inserted.
        route: String,
        /// The path of the existing route it conflicts with.
        existing: String,
    },
    /// The same method and path were inserted twice.
    Duplicate {
        /// The method of the route.
        method: Method,
        /// The path of the route.
        route: String,
    },
    /// The path is malformed, or a rule names a parameter the path does not have; the reason
    /// says which.
    InvalidPath {
        /// The path being inserted.
        route: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for InsertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Conflict { route, existing } => write!(
                f,
                "route `{route}` conflicts with the existing route `{existing}`: \
                 both would match the same paths"
            ),
            Self::Duplicate { method, route } => {
                write!(f, "route `{method} {route}` is already registered")
            }
            Self::InvalidPath { route, reason } => write!(f, "invalid route `{route}`: {reason}"),
        }
    }
}

impl std::error::Error for InsertError {}

/// Why a lookup found no value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchError {
    /// No route matches the path.
    NotFound,
    /// A route matches the path, but not for this method; the route's methods are given, for the
    /// `Allow` header of a `405 Method Not Allowed`.
    MethodNotAllowed(AllowedMethods),
    /// The path differs from a route only by a trailing slash and the router's policy is
    /// [`TrailingSlash::Redirect`](crate::TrailingSlash::Redirect): answer `308` to `location`.
    Redirect {
        /// The canonical path (without a query string).
        location: String,
    },
    /// A parameter broke its route's rule, and the route asked for
    /// [`OnInvalid::Reject`](crate::OnInvalid::Reject) (a 422).
    InvalidParam {
        /// The parameter's name.
        name: String,
        /// Why it failed, such as `is not an unsigned integer`.
        reason: String,
    },
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => f.write_str("no route matches the path"),
            Self::MethodNotAllowed(allowed) => write!(
                f,
                "the route does not accept this method (allowed: {})",
                allowed.header_value()
            ),
            Self::Redirect { location } => write!(f, "the canonical path is `{location}`"),
            Self::InvalidParam { name, reason } => write!(f, "path parameter `{name}` {reason}"),
        }
    }
}

impl std::error::Error for MatchError {}
