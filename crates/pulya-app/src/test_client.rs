//! An in-process client: requests go straight to [`AppService::call`], no sockets involved.

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use serde::Serialize;
use serde::de::DeserializeOwned;

use pulya_core::Body;

use crate::{AppService, Request};

/// Sends requests to an app in process. Made by [`App::test_client`](crate::App::test_client).
///
/// It is a test helper: a malformed request or an unreadable response panics with a message
/// rather than returning an error.
#[derive(Debug, Clone)]
pub struct TestClient {
    app: AppService,
}

impl TestClient {
    /// The peer address of every request the client sends (`127.0.0.1:1`), which
    /// [`ConnectInfo`](crate::extract::ConnectInfo) reports.
    pub const PEER_ADDR: std::net::SocketAddr = std::net::SocketAddr::V4(
        std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 1),
    );

    pub(crate) fn new(app: AppService) -> Self {
        Self { app }
    }

    /// A request with any method.
    pub fn request(&self, method: Method, uri: &str) -> TestRequest {
        TestRequest {
            app: self.app.clone(),
            builder: http::Request::builder().method(method).uri(uri),
            body: Bytes::new(),
        }
    }

    /// A `GET` request.
    pub fn get(&self, uri: &str) -> TestRequest {
        self.request(Method::GET, uri)
    }

    /// A `HEAD` request.
    pub fn head(&self, uri: &str) -> TestRequest {
        self.request(Method::HEAD, uri)
    }

    /// A `POST` request.
    pub fn post(&self, uri: &str) -> TestRequest {
        self.request(Method::POST, uri)
    }

    /// A `PUT` request.
    pub fn put(&self, uri: &str) -> TestRequest {
        self.request(Method::PUT, uri)
    }

    /// A `PATCH` request.
    pub fn patch(&self, uri: &str) -> TestRequest {
        self.request(Method::PATCH, uri)
    }

    /// A `DELETE` request.
    pub fn delete(&self, uri: &str) -> TestRequest {
        self.request(Method::DELETE, uri)
    }
}

/// A request being built by a [`TestClient`].
#[derive(Debug)]
#[must_use = "a request does nothing until `send` is awaited"]
pub struct TestRequest {
    app: AppService,
    builder: http::request::Builder,
    body: Bytes,
}

impl TestRequest {
    /// Adds a header.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        self.builder = self.builder.header(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        let body = serde_json::to_vec(value).expect("the test value serialises as JSON");
        self.header(header::CONTENT_TYPE, "application/json")
            .body(body)
    }

    /// Sets a URL-encoded form body and its `Content-Type`.
    pub fn form<T: Serialize + ?Sized>(self, value: &T) -> Self {
        let body = serde_urlencoded::to_string(value).expect("the test value URL-encodes");
        self.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
    }

    /// Sends the request and reads the whole response.
    pub async fn send(self) -> TestResponse {
        let len = self.body.len();
        let mut builder = self.builder;
        if len > 0 {
            builder = builder.header(header::CONTENT_LENGTH, len);
        }
        let req: Request = builder
            .body(Body::full(self.body))
            .unwrap_or_else(|err| panic!("invalid test request: {err}"));
        let res = self.app.call_from(req, TestClient::PEER_ADDR).await;
        let (parts, body) = res.into_parts();
        let body = body
            .collect()
            .await
            .unwrap_or_else(|err| panic!("the response body failed: {err}"))
            .to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// A response read whole by a [`TestClient`].
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The value of header `name` as text, if present and visible ASCII.
    pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text.
    ///
    /// # Panics
    /// When the body is not UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("the response body is UTF-8")
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    /// When the body is not JSON of type `T`, with serde_json's message and the body.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "the response body is not the expected JSON ({err}): {:?}",
                self.body
            )
        })
    }
}
