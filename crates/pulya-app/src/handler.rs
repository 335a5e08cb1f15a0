//! Handlers: async functions whose arguments are extractors and whose result is a response.

use std::future::Future;
use std::marker::PhantomData;

use pulya_core::extract::{FromRequest, FromRequestParts, Requirements};
use pulya_core::{BoxFuture, Endpoint, IntoResponse, Request, RequestContext, Response};

/// A function that can handle requests.
///
/// It is implemented for `async fn`s and closures returning futures that take up to 12
/// arguments, each an extractor ([`FromRequestParts`], the last may be a [`FromRequest`]), and
/// return a type that implements [`IntoResponse`]. `T` only tells the implementations apart.
///
/// ```
/// use pulya_app::extract::{Json, Path};
///
/// async fn hello() -> &'static str { "Hello" }
/// async fn user(Path(id): Path<u64>) -> String { format!("user {id}") }
/// async fn echo(Json(v): Json<serde_json::Value>) -> Json<serde_json::Value> { Json(v) }
///
/// let app = pulya_app::App::new()
///     .get("/", hello)
///     .get("/users/{id}", user)
///     .post("/echo", echo);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Pulya handler",
    note = "a handler is an `async fn` taking extractors (at most one body extractor, last) and \
            returning a type that implements `IntoResponse`"
)]
pub trait Handler<T>: Clone + Send + Sync + Sized + 'static {
    /// Extracts the arguments from the request, calls the function and converts its result.
    fn call(&self, req: Request, cx: RequestContext) -> BoxFuture<'static, Response>;

    /// What the handler's extractors need from the app, checked by `App::build`.
    fn requirements(needs: &mut Requirements) {
        let _ = needs;
    }
}

/// A handler as the endpoint of its route's chain.
pub(crate) struct HandlerEndpoint<H, T> {
    handler: H,
    _args: PhantomData<fn() -> T>,
}

impl<H, T> HandlerEndpoint<H, T> {
    pub(crate) fn new(handler: H) -> Self {
        Self {
            handler,
            _args: PhantomData,
        }
    }
}

impl<H: Handler<T>, T: 'static> Endpoint for HandlerEndpoint<H, T> {
    fn call(&self, req: Request, cx: RequestContext) -> BoxFuture<'static, Response> {
        self.handler.call(req, cx)
    }
}

impl<F, Fut, Res> Handler<()> for F
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Res> + Send + 'static,
    Res: IntoResponse,
{
    fn call(&self, _: Request, cx: RequestContext) -> BoxFuture<'static, Response> {
        let fut = self();
        let app = cx.into_app();
        Box::pin(async move { fut.await.into_response_in(&app) })
    }
}

macro_rules! impl_handler {
    ($($head:ident),* ; $last:ident) => {
        #[allow(non_snake_case)]
        impl<F, Fut, Res, M, $($head,)* $last> Handler<(M, $($head,)* $last,)> for F
        where
            F: Fn($($head,)* $last) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = Res> + Send + 'static,
            Res: IntoResponse,
            $($head: FromRequestParts + Send + 'static,)*
            $last: FromRequest<M> + Send + 'static,
        {
            fn requirements(needs: &mut Requirements) {
                $($head::requirements(needs);)*
                $last::requirements(needs);
            }

            fn call(&self, req: Request, cx: RequestContext) -> BoxFuture<'static, Response> {
                let f = self.clone();
                Box::pin(async move {
                    #[allow(unused_mut)]
                    let (mut parts, body) = req.into_parts();
                    $(
                        let $head = match $head::from_request_parts(&mut parts, &cx).await {
                            Ok(value) => value,
                            Err(rejection) => return rejection.into_response(),
                        };
                    )*
                    let req = Request::from_parts(parts, body);
                    let $last = match $last::from_request(req, &cx).await {
                        Ok(value) => value,
                        Err(rejection) => return rejection.into_response(),
                    };
                    let res = f($($head,)* $last).await.into_response_in(cx.app());
                    // A request scope, if an extractor made one, ends with the response.
                    cx.finish(res)
                })
            }
        }
    };
}

impl_handler!(; T1);
impl_handler!(T1; T2);
impl_handler!(T1, T2; T3);
impl_handler!(T1, T2, T3; T4);
impl_handler!(T1, T2, T3, T4; T5);
impl_handler!(T1, T2, T3, T4, T5; T6);
impl_handler!(T1, T2, T3, T4, T5, T6; T7);
impl_handler!(T1, T2, T3, T4, T5, T6, T7; T8);
impl_handler!(T1, T2, T3, T4, T5, T6, T7, T8; T9);
impl_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9; T10);
impl_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10; T11);
impl_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11; T12);

/// Defines an `async fn` handler and checks, where it is defined, that each argument is an
/// extractor and the result a response, so that a mistake is reported with the argument's type
/// (`` `Db` is not an extractor ``) rather than as "not a Pulya handler" where the handler is
/// registered. Arguments but the last must read only the request head (`FromRequestParts`);
/// the last may read the body (`FromRequest`). Each argument's pattern is a name or a wrapper
/// (`Path(id)`, `State(db)`); generic handlers are not supported.
///
/// ```
/// use pulya_app::extract::Path;
///
/// pulya_app::debug_handler! {
///     async fn show(Path(id): Path<u64>, body: String) -> String {
///         format!("{id}: {body}")
///     }
/// }
///
/// let app = pulya_app::App::new().post("/items/{id}", show);
/// ```
///
/// A handler whose argument is no extractor fails to compile, naming it:
///
/// ```compile_fail
/// struct Db;
///
/// pulya_app::debug_handler! {
///     async fn list(db: Db) -> &'static str { "" }
/// }
/// ```
///
/// So does a body extractor before the last argument:
///
/// ```compile_fail
/// use pulya_app::{Json, extract::Path};
///
/// pulya_app::debug_handler! {
///     async fn create(Json(v): Json<serde_json::Value>, Path(id): Path<u64>) -> String {
///         format!("{id} {v}")
///     }
/// }
/// ```
#[macro_export]
macro_rules! debug_handler {
    (
        $(#[$attr:meta])*
        $vis:vis async fn $name:ident (
            $( $arg:tt $( ( $($inner:tt)* ) )? : $ty:ty ),* $(,)?
        ) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$attr])*
        $vis async fn $name ( $( $arg $( ( $($inner)* ) )? : $ty ),* ) $(-> $ret)? $body

        const _: () = {
            #[allow(dead_code)]
            fn check() {
                $crate::debug_handler!(@args [$($ty),*]);
                $( $crate::__private::assert_response::<$ret>(); )?
            }
        };
    };
    (@args []) => {};
    (@args [$last:ty]) => {
        $crate::__private::assert_request::<$last, _>();
    };
    (@args [$head:ty, $($rest:ty),+]) => {
        $crate::__private::assert_parts::<$head>();
        $crate::debug_handler!(@args [$($rest),+]);
    };
}
