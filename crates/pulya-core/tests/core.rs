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

struct Greeting;

impl pulya_core::DeferredBody for Greeting {
    fn render(self: Box<Self>, app: &AppData) -> Result<Bytes, pulya_core::ErrorResponse> {
        match app.get::<&'static str>() {
            Some(name) => Ok(Bytes::from(format!("hello, {name}"))),
            None => Ok(Bytes::from_static(b"hello")),
        }
    }
}

struct Broken;

impl pulya_core::DeferredBody for Broken {
    fn render(self: Box<Self>, _: &AppData) -> Result<Bytes, pulya_core::ErrorResponse> {
        Err(pulya_core::ErrorResponse::new(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "cannot",
        ))
    }
}

#[tokio::test]
async fn a_deferred_body_polled_outside_an_app_renders_with_no_apps_data() {
    let body = Body::deferred(Greeting);
    assert!(!body.is_end_stream());
    assert_eq!(body.size_hint().exact(), None);
    assert_eq!(body.collect().await.unwrap().to_bytes(), "hello");

    let err = Body::deferred(Broken).collect().await.unwrap_err();
    assert!(err.to_string().contains("cannot"), "{err}");
}

#[test]
fn a_deferred_body_rendered_by_an_app_becomes_one_buffer() {
    let mut data = AppData::new(0);
    data.insert("ada");
    let mut body = Body::deferred(Greeting);
    body.render(&data).unwrap();
    assert_eq!(body.as_bytes(), Some(&b"hello, ada"[..]));
    assert_eq!(body.size_hint().exact(), Some(10));
    // Rendering again, or rendering a body that is not deferred, changes nothing.
    body.render(AppData::empty()).unwrap();
    assert_eq!(body.as_bytes(), Some(&b"hello, ada"[..]));

    let mut broken = Body::deferred(Broken);
    assert!(broken.render(&data).is_err());
    assert_eq!(broken.as_bytes(), Some(&b""[..]));
}

#[test]
fn app_data_holds_one_value_per_type() {
    let mut data = AppData::new(10);
    assert_eq!(data.insert(1u8), None);
    assert_eq!(data.insert(2u8), Some(1));
    assert_eq!(data.insert(String::from("s")), None);
    assert_eq!(data.get::<u8>(), Some(&2));
    assert!(data.contains(std::any::TypeId::of::<String>()));
    assert!(!data.contains(std::any::TypeId::of::<u16>()));
    data.set_body_limit(20);
    assert_eq!(data.body_limit(), 20);
    assert_eq!(AppData::empty().body_limit(), 0);
    assert!(AppData::empty().get::<u8>().is_none());
}

#[test]
fn a_context_records_the_route_and_reads_its_params() {
    use pulya_core::extract::MatchedPath;
    let mut data = AppData::new(0);
    let names: Arc<[Box<str>]> = ["id"].map(Box::from).into();
    let id = data.add_route(MatchedPath::new("/users/{id}", names));
    let data = Arc::new(data);
    let mut cx = RequestContext::new(Arc::clone(&data));
    assert!(cx.matched_path().is_none());
    assert_eq!(cx.params("/users/7").count(), 0);
    let path = "/users/7";
    cx.set_route(id, RouteParams::new(path, [&path[7..]]));
    assert_eq!(cx.matched_path().unwrap().as_str(), "/users/{id}");
    let params: Vec<_> = cx.params(path).collect();
    assert_eq!(params, [Some(("id", "7"))]);
    assert!(format!("{cx:?}").contains("/users/{id}"));
    assert!(Arc::ptr_eq(&cx.into_app(), &data));
}

#[test]
fn requirements_are_kept_once_each() {
    use pulya_core::extract::{Need, Requirements};
    let mut needs = Requirements::new();
    needs.state::<u8>();
    needs.state::<u8>();
    needs.state::<String>();
    let names: Vec<String> = needs.iter().map(Need::to_string).collect();
    assert_eq!(names.len(), 2);
    assert!(
        names[0].contains("`u8`") && names[1].contains("String"),
        "{names:?}"
    );
}
