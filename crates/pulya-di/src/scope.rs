//! Request scopes: [`Scope`], the [`Outcome`] its teardown is told, and the body wrapper that
//! holds a scope until its response has been sent.

use std::any::{Any, TypeId, type_name};
use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use bytes::Bytes;
use http::StatusCode;
use http_body::{Frame, SizeHint};
use pulya_core::{Body, BoxError, RequestScope, Response};
use smallvec::SmallVec;
use tokio::sync::OnceCell;

use crate::container::{AnyArc, Container, Cx, Instance, downcast};
use crate::{ResolveError, Resolver};

/// How a request scope's life ended, as its scoped services' disposes are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The handler answered with `status`; `complete` says whether the whole body was sent
    /// (`false` when the client went away mid-body or the body failed).
    Responded {
        /// The handler's status.
        status: StatusCode,
        /// Whether the body was sent to its end.
        complete: bool,
    },
    /// No answer was made: the handler panicked, or the request was dropped before it answered
    /// (the client went away, a timeout cut it).
    Aborted,
    /// The container shut down: what singletons are told.
    Shutdown,
}

impl Outcome {
    /// Whether the handler answered with a success (2xx): when a transaction commits.
    ///
    /// ```
    /// use http::StatusCode;
    /// use pulya_di::Outcome;
    ///
    /// assert!(Outcome::Responded { status: StatusCode::CREATED, complete: false }.is_success());
    /// assert!(!Outcome::Responded { status: StatusCode::BAD_REQUEST, complete: true }.is_success());
    /// assert!(!Outcome::Aborted.is_success());
    /// ```
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Responded { status, .. } if status.is_success())
    }
}

/// One request's services: scoped services are built at most once per scope and disposed when
/// the scope ends. In an app, a scope is made on a request's first scoped resolve and ends
/// after the response body has been sent; [`Container::scope`] makes one by hand, which ends
/// when its last clone is dropped (with [`Outcome::Aborted`] unless [`end`](Self::end) said
/// otherwise).
#[derive(Clone)]
pub struct Scope {
    inner: Arc<ScopeInner>,
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

impl Scope {
    pub(crate) fn new(container: Arc<Container>) -> Self {
        Self {
            inner: Arc::new(ScopeInner::new(container)),
        }
    }

    /// Resolves a service of any lifetime synchronously (sync factories, and async ones
    /// already built); prefer [`get`](Self::get).
    pub fn resolve<T: Any + Send + Sync>(&self) -> Result<Arc<T>, ResolveError> {
        downcast(
            self.inner
                .cx()
                .resolve_any(TypeId::of::<T>(), type_name::<T>())?,
        )
    }

    /// Resolves a service of any lifetime, building what it needs.
    pub async fn get<T: Any + Send + Sync>(&self) -> Result<Arc<T>, ResolveError> {
        self.inner.cx().get().await
    }

    /// Sets the outcome the disposes are told when the scope ends (the first one set stays).
    pub fn end(self, outcome: Outcome) {
        let _ = self.inner.outcome.set(outcome);
    }
}

/// A scope's state, shared by the request's context and, once the handler answered, its body.
pub(crate) struct ScopeInner {
    container: Arc<Container>,
    /// Inline for up to two scoped services, so that making a scope is one allocation (more
    /// inline slots measured slower: the scope is moved into its `Arc`).
    slots: SmallVec<[OnceCell<Instance>; 2]>,
    created: AtomicU64,
    outcome: OnceLock<Outcome>,
}

impl ScopeInner {
    pub(crate) fn new(container: Arc<Container>) -> Self {
        Self {
            slots: container.scoped.iter().map(|_| OnceCell::new()).collect(),
            container,
            created: AtomicU64::new(0),
            outcome: OnceLock::new(),
        }
    }

    pub(crate) fn cx(&self) -> Cx<'_> {
        Cx::new(&self.container, Some(self))
    }

    pub(crate) fn container(&self) -> &Arc<Container> {
        &self.container
    }

    pub(crate) fn slot(&self, slot: usize) -> &OnceCell<Instance> {
        &self.slots[slot]
    }

    pub(crate) fn next_created(&self) -> u64 {
        self.created.fetch_add(1, Ordering::Relaxed)
    }
}

impl RequestScope for ScopeInner {
    fn attach(self: Arc<Self>, res: Response) -> Response {
        let status = res.status();
        res.map(|body| {
            Body::new(ScopedBody {
                body,
                scope: Some(self),
                status,
                ended: false,
            })
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The end of a scope: its built services with a dispose, the latest built first, are
/// disposed on the runtime, so that the connection does not wait for them.
impl Drop for ScopeInner {
    fn drop(&mut self) {
        let outcome = self.outcome.get().copied().unwrap_or(Outcome::Aborted);
        let mut built: Vec<(u64, usize, AnyArc)> = self
            .slots
            .iter_mut()
            .zip(&self.container.scoped)
            .filter(|(_, i)| self.container.registration(**i).has_dispose())
            .filter_map(|(slot, &i)| slot.take().map(|(n, v)| (n, i, v)))
            .collect();
        if built.is_empty() {
            return;
        }
        built.sort_unstable_by_key(|&(n, _, _)| std::cmp::Reverse(n));
        let container = Arc::clone(&self.container);
        run_detached(async move {
            for (_, i, value) in built {
                container.dispose(i, value, outcome).await;
            }
        });
    }
}

/// Runs `fut` on the current tokio runtime, or here to its end when there is none.
fn run_detached(fut: impl Future<Output = ()> + Send + 'static) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn(fut)),
        Err(_) => block_on(fut),
    }
}

struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// `fut`, with a panic in it logged (naming `service`) instead of unwinding into the runtime.
pub(crate) async fn guarded(service: &'static str, fut: impl Future<Output = ()>) {
    let mut fut = pin!(fut);
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(_) => {
                tracing::error!(service, "a service's dispose panicked");
                Poll::Ready(())
            }
        },
    )
    .await;
}

/// A response body that holds its request's scope until it has been sent or dropped, and
/// then tells the scope how it went.
struct ScopedBody {
    body: Body,
    scope: Option<Arc<ScopeInner>>,
    status: StatusCode,
    ended: bool,
}

impl http_body::Body for ScopedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let frame = Pin::new(&mut self.body).poll_frame(cx);
        if let Poll::Ready(None) = frame {
            self.ended = true;
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for ScopedBody {
    fn drop(&mut self) {
        if let Some(scope) = self.scope.take() {
            let complete = self.ended || http_body::Body::is_end_stream(&self.body);
            let _ = scope.outcome.set(Outcome::Responded {
                status: self.status,
                complete,
            });
        }
    }
}
