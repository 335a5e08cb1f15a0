//! The rejections of this crate's extractors: each says why, answers with its status in Pulya's
//! error shape, and can be matched on by a handler that asks for `Result<T, T::Rejection>`.

use std::fmt;

use http::StatusCode;
use pulya_core::extract::BodyRejection;

/// Why [`Path`](super::Path) refused the route's parameters.
///
/// ```
/// use pulya_app::{App, extract::{Path, PathRejection}};
///
/// // The handler answers a bad id its own way instead of the default 400.
/// async fn show(id: Result<Path<u64>, PathRejection>) -> String {
///     match id {
///         Ok(Path(id)) => format!("item {id}"),
///         Err(PathRejection::Deserialize(reason)) => format!("no such item: {reason}"),
///         Err(other) => other.to_string(),
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let client = App::new().get("/items/{id}", show).test_client();
/// assert!(client.get("/items/x").send().await.text().starts_with("no such item"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathRejection {
    /// A parameter is not UTF-8 once percent-decoded (`400`); it names the parameter.
    InvalidUtf8 {
        /// The parameter's name.
        name: String,
    },
    /// The parameters do not fit the type (`400`): a value that does not parse, or a count
    /// that does not match.
    Deserialize(String),
    /// A middleware rewrote the request's path after routing, so its parameters are lost
    /// (`500`).
    PathRewritten,
}

impl PathRejection {
    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            PathRejection::InvalidUtf8 { .. } | PathRejection::Deserialize(_) => {
                StatusCode::BAD_REQUEST
            }
            PathRejection::PathRewritten => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for PathRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathRejection::InvalidUtf8 { name } => {
                write!(f, "path parameter `{name}` is not valid UTF-8")
            }
            PathRejection::Deserialize(reason) => write!(f, "invalid path parameter: {reason}"),
            PathRejection::PathRewritten => {
                f.write_str("the request path was changed after routing; its parameters are lost")
            }
        }
    }
}

/// Why [`Query`](super::Query) refused the query string: it does not fit the type (`400`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRejection(pub(crate) String);

impl QueryRejection {
    /// The status it answers with: 400.
    pub fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    /// Why the query string does not fit.
    pub fn reason(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for QueryRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid query string: {}", self.0)
    }
}

/// Why [`Form`](super::Form) refused the body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormRejection {
    /// The `Content-Type` is not `application/x-www-form-urlencoded` (`415`).
    ContentType,
    /// The body could not be read whole (`413` over the limit, `400` when it failed).
    Body(BodyRejection),
    /// The form does not fit the type (`422`).
    Deserialize(String),
}

impl FormRejection {
    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            FormRejection::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            FormRejection::Body(body) => body.status(),
            FormRejection::Deserialize(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl fmt::Display for FormRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormRejection::ContentType => f.write_str(
                "expected a request with `Content-Type: application/x-www-form-urlencoded`",
            ),
            FormRejection::Body(body) => body.fmt(f),
            FormRejection::Deserialize(reason) => write!(f, "invalid form body: {reason}"),
        }
    }
}

impl From<BodyRejection> for FormRejection {
    fn from(body: BodyRejection) -> Self {
        FormRejection::Body(body)
    }
}

/// [`State<T>`](super::State) of a type the app does not have (`500`). `App::build` refuses
/// such a route, so this is seen only where extraction runs outside a built app's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRejection {
    pub(crate) type_name: &'static str,
}

impl StateRejection {
    /// The status it answers with: 500.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl fmt::Display for StateRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no app state of type `{}`: register it with `App::state`",
            self.type_name
        )
    }
}

/// [`Extension<T>`](super::Extension) of a type no middleware put into the request (`500`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionRejection {
    pub(crate) type_name: &'static str,
}

impl ExtensionRejection {
    /// The status it answers with: 500.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl fmt::Display for ExtensionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no request extension of type `{}`: is the middleware that adds it installed?",
            self.type_name
        )
    }
}

pulya_core::__answered_in_the_error_shape!(
    PathRejection,
    QueryRejection,
    FormRejection,
    StateRejection,
    ExtensionRejection,
);
