//! The core types on their own: the body, the params, the chain, the body limit.

use std::sync::Arc;

use bytes::Bytes;
use http_body::Body as _;
use http_body_util::BodyExt;
use pulya_core::extract::{BodyRejection, to_bytes};
use pulya_core::middleware::Chain;
use pulya_core::{
    AppData, Body, BoxFuture, Endpoint, IntoResponse, Middleware, Next, Request, RequestContext,
    Response, RouteParams,
};

struct Chunks(std::vec::IntoIter<Result<&'static str, std::io::Error>>);

impl futures_core::Stream for Chunks {
    type Item = Result<&'static str, std::io::Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}

#[test]
fn a_body_wrapped_again_is_not_boxed() {
    let body = Body::new(Body::from("abc"));
    assert_eq!(body.as_bytes(), Some(&b"abc"[..]));
    assert_eq!(body.size_hint().exact(), Some(3));
    assert_eq!(Body::full(Bytes::new()).as_bytes(), Some(&[][..]));
}

#[tokio::test]
async fn a_stream_body_yields_its_chunks_then_its_error() {
    let body = Body::from_stream(Chunks(vec![Ok("a"), Ok("b")].into_iter()));
    assert_eq!(body.as_bytes(), None);
    assert_eq!(body.collect().await.unwrap().to_bytes(), "ab");

    let failing = Body::from_stream(Chunks(
        vec![Ok("a"), Err(std::io::Error::other("gone"))].into_iter(),
    ));
    let err = to_bytes(failing, 100).await.unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(
        matches!(&err, BodyRejection::Read(reason) if reason.contains("gone")),
        "{err}"
    );
}

#[tokio::test]
async fn the_limit_holds_across_frames() {
    let body = || Body::from_stream(Chunks(vec![Ok("abc"), Ok("def")].into_iter()));
    assert_eq!(to_bytes(body(), 6).await.unwrap(), "abcdef");
    assert_eq!(
        to_bytes(body(), 5).await.unwrap_err(),
        BodyRejection::TooLarge { limit: 5 }
    );
}

#[test]
fn params_past_four_spill_and_keep_their_order() {
    let path = "/a/1/b/2/c/3/d/4/e/5/f/6";
    let names: Arc<[Box<str>]> = ["a", "b", "c", "d", "e", "f"].map(Box::from).into();
    let values: Vec<&str> = path.split('/').skip(2).step_by(2).collect();
    let params = RouteParams::new(path, values);
    assert_eq!(params.len(), 6);
    let read: Vec<_> = params.iter(&names, path).map(Option::unwrap).collect();
    assert_eq!(
        read,
        [
            ("a", "1"),
            ("b", "2"),
            ("c", "3"),
            ("d", "4"),
            ("e", "5"),
            ("f", "6")
        ]
    );
    // A rewritten, shorter path gives `None` for the ranges past its end, not a panic.
    let rewritten: Vec<_> = params.iter(&names, "/a/1").collect();
    assert_eq!(rewritten[0], Some(("a", "1")));
    assert!(rewritten[1..].iter().all(Option::is_none));
}

#[test]
#[should_panic(expected = "a slice of the path")]
fn a_value_from_elsewhere_is_refused() {
    let other = String::from("7");
    RouteParams::new("/users/7", [other.as_str()]);
}

struct Hello;

impl Endpoint for Hello {
    fn call(&self, _: Request, cx: RequestContext) -> BoxFuture<'static, Response> {
        let limit = cx.body_limit();
        Box::pin(async move { format!("limit {limit}").into_response() })
    }
}

struct Tag(&'static str);

impl Middleware for Tag {
    fn call(&self, req: Request, mut next: Next) -> BoxFuture<'static, Response> {
        let tag = self.0;
        next.context_mut()
            .set_peer_addr(Some("127.0.0.9:9".parse().unwrap()));
        Box::pin(async move {
            let mut res = next.run(req).await;
            res.headers_mut().append("x-tag", tag.parse().unwrap());
            res
        })
    }
}

#[tokio::test]
async fn a_chain_runs_its_middleware_outermost_first_around_its_endpoint() {
    let middleware: Vec<Arc<dyn Middleware>> = vec![Arc::new(Tag("outer")), Arc::new(Tag("inner"))];
    let chain = Arc::new(Chain::new(middleware, Box::new(Hello)));
    assert_eq!(chain.len(), 2);
    let cx = RequestContext::new(Arc::new(AppData::new(99)));
    let res = chain.run(Request::new(Body::empty()), cx).await;
    let tags: Vec<_> = res.headers().get_all("x-tag").iter().collect();
    assert_eq!(tags, ["inner", "outer"]);
    assert_eq!(res.body().as_bytes(), Some(&b"limit 99"[..]));
}
