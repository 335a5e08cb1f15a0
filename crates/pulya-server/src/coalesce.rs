//! Writes gathered per poll of a connection's task, so that the answers to pipelined requests
//! go out in one system call rather than one each.
//!
//! hyper's own `pipeline_flush` batches the same way but stops bounding its write buffer, so a
//! client that sends and never reads grows the server's memory (docs/performance.md, "Pipelined
//! throughput"). Here the buffer is bounded: past [`LIMIT`] a write first sends what is
//! gathered and waits for the socket, so a slow reader stalls the connection as before.
//!
//! Which writes wait: the first write after hyper read something answers a request and goes
//! out at once, as on a plain socket, so a connection without pipelining pays nothing but a
//! few flag checks. A write that follows another with no read between (the answers to further
//! pipelined requests, a streaming body's chunks, HTTP/2 frames) is gathered, and
//! [`FlushAfterPoll`] sends what was gathered after each poll of the connection's future. Once
//! that future is over (the connection ended, or an upgrade took the socket to another task),
//! every write goes out at once.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// The most bytes gathered before a write sends them. A write at least this large goes to the
/// socket directly.
const LIMIT: usize = 64 * 1024;

/// The most buffer capacity an emptied buffer keeps; a pipelined batch of small answers fits.
const KEEP: usize = 8 * 1024;

/// The connection's socket as hyper sees it.
pub(crate) struct CoalescedIo {
    read: OwnedReadHalf,
    shared: Arc<Shared>,
    /// Whether hyper read something since its last write: the next write answers it.
    read_since_write: bool,
}

/// What hyper's side and [`FlushAfterPoll`] share.
struct Shared {
    /// Written through `&TcpStream` (readiness, then a non-blocking write) from either side.
    write: OwnedWriteHalf,
    /// What waits for the flush after the poll. Locked only when something is gathered or
    /// sent, by the connection's task, so uncontended but for the moment an upgraded socket
    /// changes tasks.
    gathered: Mutex<Vec<u8>>,
    /// Whether `gathered` holds anything: checked without the lock on every write and after
    /// every poll.
    pending: AtomicBool,
    /// Set once no [`FlushAfterPoll`] will follow: every write goes out at once.
    direct: AtomicBool,
}

/// `stream` split for hyper, and the handle that sends what it gathers.
pub(crate) fn coalesce(stream: TcpStream) -> (CoalescedIo, Flusher) {
    let (read, write) = stream.into_split();
    let shared = Arc::new(Shared {
        write,
        gathered: Mutex::new(Vec::new()),
        pending: AtomicBool::new(false),
        direct: AtomicBool::new(false),
    });
    let flusher = Flusher(Arc::clone(&shared));
    let io = CoalescedIo {
        read,
        shared,
        read_since_write: false,
    };
    (io, flusher)
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        // Nothing panics while holding the lock; a poisoned one still holds consistent bytes.
        self.gathered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn socket(&self) -> &TcpStream {
        self.write.as_ref()
    }

    /// Sends everything in `gathered` (the locked buffer).
    fn poll_send(&self, gathered: &mut Vec<u8>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !gathered.is_empty() {
            ready!(self.socket().poll_write_ready(cx))?;
            match self.socket().try_write(gathered) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    gathered.drain(..n);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
        self.pending.store(false, Ordering::Release);
        if gathered.capacity() > KEEP {
            // A large burst (a streamed body's chunks) does not stay allocated on an idle
            // connection.
            *gathered = Vec::new();
        }
        Poll::Ready(Ok(()))
    }

    /// Sends what is gathered, if anything.
    fn poll_send_pending(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.pending.load(Ordering::Acquire) {
            return Poll::Ready(Ok(()));
        }
        self.poll_send(&mut self.lock(), cx)
    }

    /// Writes `slices` to the socket now, as a plain socket's `poll_write_vectored`.
    fn poll_write_now(
        &self,
        cx: &mut Context<'_>,
        slices: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.socket().poll_write_ready(cx))?;
            match self.socket().try_write_vectored(slices) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                done => return Poll::Ready(done),
            }
        }
    }
}

impl AsyncRead for CoalescedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.read).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.read_since_write = true;
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for CoalescedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(data)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        slices: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let answers_a_read = std::mem::take(&mut this.read_since_write);
        let shared = &*this.shared;
        if answers_a_read && !shared.pending.load(Ordering::Acquire) {
            // The common case, a connection without pipelining: a plain socket's write.
            return shared.poll_write_now(cx, slices);
        }
        let total: usize = slices.iter().map(|s| s.len()).sum();
        let now = answers_a_read || total >= LIMIT || shared.direct.load(Ordering::Acquire);
        if !now || shared.pending.load(Ordering::Acquire) {
            let mut gathered = shared.lock();
            if now || gathered.len() + total > LIMIT {
                // What waits goes first, so that bytes keep their order.
                if shared.poll_send(&mut gathered, cx)?.is_pending() {
                    this.read_since_write = answers_a_read;
                    return Poll::Pending;
                }
            }
            if !now {
                gathered.reserve(total);
                for slice in slices {
                    gathered.extend_from_slice(slice);
                }
                shared.pending.store(true, Ordering::Release);
                return Poll::Ready(Ok(total));
            }
        }
        shared.poll_write_now(cx, slices)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.shared.direct.load(Ordering::Acquire) {
            return self.shared.poll_send_pending(cx);
        }
        // The flush after this poll of the connection's task sends what waits.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.shared.poll_send_pending(cx))?;
        Poll::Ready(
            socket2::SockRef::from(self.shared.socket()).shutdown(std::net::Shutdown::Write),
        )
    }
}

impl Drop for CoalescedIo {
    fn drop(&mut self) {
        // A socket dropped without a flush still sends what it was given, as a plain one
        // would have: as much as the socket takes now.
        if !self.shared.pending.load(Ordering::Acquire) {
            return;
        }
        let mut gathered = self.shared.lock();
        while let Ok(n @ 1..) = self.shared.socket().try_write(&gathered) {
            gathered.drain(..n);
        }
    }
}

/// The handle that [`FlushAfterPoll`] sends with.
pub(crate) struct Flusher(Arc<Shared>);

impl Flusher {
    /// Wraps `fut`, the future that serves the connection.
    pub(crate) fn after_each_poll<F: Future>(self, fut: F) -> FlushAfterPoll<F> {
        FlushAfterPoll {
            fut,
            output: None,
            flusher: self,
        }
    }

    /// From now on every write goes out at once; what waits is sent by the next write or
    /// flush.
    fn stop(&self) {
        let _gathered = self.0.lock();
        self.0.direct.store(true, Ordering::Release);
    }
}

pin_project_lite::pin_project! {
    /// A connection's future that sends what was gathered after each of its polls, and all of
    /// it before it completes.
    pub(crate) struct FlushAfterPoll<F: Future> {
        #[pin]
        fut: F,
        output: Option<F::Output>,
        flusher: Flusher,
    }

    impl<F: Future> PinnedDrop for FlushAfterPoll<F> {
        fn drop(this: Pin<&mut Self>) {
            // Done or aborted: an upgraded socket that lives on sends at once.
            this.project().flusher.stop();
        }
    }
}

impl<F: Future> Future for FlushAfterPoll<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        if this.output.is_none() {
            if let Poll::Ready(output) = this.fut.as_mut().poll(cx) {
                *this.output = Some(output);
            }
        }
        // A failed send shows at hyper's next write, or is moot once the connection is over.
        let sent = this.flusher.0.poll_send_pending(cx);
        match this.output.take() {
            None => Poll::Pending,
            Some(output) if sent.is_pending() => {
                *this.output = Some(output);
                Poll::Pending
            }
            Some(output) => {
                this.flusher.stop();
                Poll::Ready(output)
            }
        }
    }
}
