//! Bounded object pools with a per-thread fast path.
//!
//! A [`Pool`] hands out values built by a factory and takes them back when the guard drops,
//! after a reset. Each thread keeps a few idle values of its own, taken and returned without a
//! lock or an atomic read-modify-write; past those, idle values go to a shared store behind a
//! mutex, bounded by the pool's capacity; past that, and when a value is spoiled (a buffer that
//! grew past a limit), they are dropped. Pulya uses a pool only where a benchmark shows that
//! reuse beats the allocator.
//!
//! ```
//! use pulya_pool::Pool;
//!
//! let pool = Pool::new(16, || Vec::<u8>::with_capacity(1024), Vec::clear)
//!     .keep_if(|buf| buf.capacity() <= 64 * 1024);
//! {
//!     let mut buf = pool.get();
//!     buf.extend_from_slice(b"hello");
//! } // back in this thread's cache, cleared
//! assert_eq!(pool.idle(), 1);
//! assert!(pool.get().is_empty());
//! assert_eq!(pool.stats().hits, 1);
//! ```

use std::cell::RefCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use thread_local::ThreadLocal;

type Make<T> = Box<dyn Fn() -> T + Send + Sync>;
type Reset<T> = Box<dyn Fn(&mut T) + Send + Sync>;
type Keep<T> = Box<dyn Fn(&T) -> bool + Send + Sync>;

/// The default most idle values a thread keeps of its own: 8, or the capacity when smaller.
pub const DEFAULT_PER_THREAD: usize = 8;

/// A pool of reusable values of type `T`. Cloning it gives another handle to the same pool.
pub struct Pool<T: Send> {
    shared: Arc<Shared<T>>,
}

struct Shared<T: Send> {
    /// Each thread's idle values, used only by that thread.
    local: ThreadLocal<RefCell<Vec<T>>>,
    /// Each thread's counts, written only by that thread and read by [`Pool::stats`].
    counters: ThreadLocal<Counters>,
    /// Idle values past a thread's own, for any thread.
    overflow: Mutex<Vec<T>>,
    capacity: usize,
    per_thread: usize,
    make: Make<T>,
    reset: Reset<T>,
    keep: Option<Keep<T>>,
}

/// One thread's counts. Only the owning thread writes them (a plain load and store, no
/// read-modify-write), so they cost no contention; readers sum them.
#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    returned: AtomicU64,
    dropped: AtomicU64,
    /// Values in this thread's cache.
    idle: AtomicU64,
}

fn bump(counter: &AtomicU64, by: i64) {
    let now = counter.load(Ordering::Relaxed);
    counter.store(now.wrapping_add_signed(by), Ordering::Relaxed);
}

/// What a pool has done so far (each figure summed over threads when read; a figure of a
/// thread that is using the pool right now may lag by one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Values lent from a cache or the shared store.
    pub hits: u64,
    /// Values built new, because none was idle.
    pub misses: u64,
    /// Values given back and kept.
    pub returned: u64,
    /// Values given back and dropped: the pool was full, or they were spoiled.
    pub dropped: u64,
    /// Values idle now, in the threads' caches and the shared store.
    pub idle: u64,
}

impl<T: Send> Clone for Pool<T> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T: Send> fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("capacity", &self.shared.capacity)
            .field("per_thread", &self.shared.per_thread)
            .field("stats", &self.stats())
            .finish()
    }
}

impl<T: Send> Pool<T> {
    /// A pool whose shared store keeps at most `capacity` idle values, each thread keeping up
    /// to [`DEFAULT_PER_THREAD`] (or `capacity`, when smaller) of its own before it; new
    /// values come from `make`, and returned ones are cleared by `reset`.
    ///
    /// ```
    /// use pulya_pool::Pool;
    ///
    /// let pool = Pool::new(4, String::new, String::clear);
    /// assert_eq!(pool.capacity(), 4);
    /// ```
    pub fn new(
        capacity: usize,
        make: impl Fn() -> T + Send + Sync + 'static,
        reset: impl Fn(&mut T) + Send + Sync + 'static,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                local: ThreadLocal::new(),
                counters: ThreadLocal::new(),
                overflow: Mutex::new(Vec::with_capacity(capacity)),
                capacity,
                per_thread: capacity.min(DEFAULT_PER_THREAD),
                make: Box::new(make),
                reset: Box::new(reset),
                keep: None,
            }),
        }
    }

    fn configure(&mut self) -> &mut Shared<T> {
        Arc::get_mut(&mut self.shared).expect("configured before it is cloned or used")
    }

    /// How many idle values each thread keeps of its own (default [`DEFAULT_PER_THREAD`], at
    /// most the capacity). With `0` every value goes through the shared store and its lock.
    /// All told, at most `capacity + per_thread × threads` values are idle.
    ///
    /// ```
    /// use pulya_pool::Pool;
    ///
    /// let pool = Pool::new(2, String::new, String::clear).per_thread(0);
    /// drop((pool.get(), pool.get(), pool.get()));
    /// assert_eq!(pool.idle(), 2, "the shared store's bound");
    /// ```
    ///
    /// # Panics
    /// On a pool that was cloned or used (configure it first).
    pub fn per_thread(mut self, n: usize) -> Self {
        self.configure().per_thread = n;
        self
    }

    /// Keeps a returned value only when `keep` says so (checked before the reset): a buffer
    /// that grew past a limit is dropped rather than pinned in memory. Default: every value is
    /// kept while there is room.
    ///
    /// ```
    /// use pulya_pool::Pool;
    ///
    /// let pool = Pool::new(4, Vec::<u8>::new, Vec::clear).keep_if(|v| v.capacity() <= 1024);
    /// pool.get().reserve(1 << 20);
    /// assert_eq!((pool.idle(), pool.stats().dropped), (0, 1));
    /// ```
    ///
    /// # Panics
    /// On a pool that was cloned or used.
    pub fn keep_if(mut self, keep: impl Fn(&T) -> bool + Send + Sync + 'static) -> Self {
        self.configure().keep = Some(Box::new(keep));
        self
    }

    /// An idle value, or a new one when none is idle, lent until the guard drops.
    pub fn get(&self) -> Pooled<'_, T> {
        Pooled {
            pool: &self.shared,
            value: Some(self.shared.take()),
        }
    }

    /// [`get`](Self::get) with a guard that holds the pool itself (`'static` when `T` is): for
    /// a value that moves into a task or lives across `.await` points of a spawned future. It
    /// goes back to the cache of the thread that drops it.
    ///
    /// ```
    /// use pulya_pool::Pool;
    ///
    /// let pool = Pool::new(4, Vec::<u8>::new, Vec::clear);
    /// let mut buf = pool.get_owned();
    /// std::thread::spawn(move || buf.push(1)).join().unwrap();
    /// assert_eq!(pool.stats().returned, 1);
    /// ```
    pub fn get_owned(&self) -> OwnedPooled<T> {
        OwnedPooled {
            pool: Arc::clone(&self.shared),
            value: Some(self.shared.take()),
        }
    }

    /// The number of idle values: in every thread's cache and in the shared store.
    pub fn idle(&self) -> usize {
        usize::try_from(self.stats().idle).unwrap_or(usize::MAX)
    }

    /// The most idle values the shared store keeps.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// The counts so far, summed over threads.
    pub fn stats(&self) -> PoolStats {
        let mut stats = PoolStats {
            idle: self.shared.lock().len() as u64,
            ..PoolStats::default()
        };
        for c in self.shared.counters.iter() {
            stats.hits += c.hits.load(Ordering::Relaxed);
            stats.misses += c.misses.load(Ordering::Relaxed);
            stats.returned += c.returned.load(Ordering::Relaxed);
            stats.dropped += c.dropped.load(Ordering::Relaxed);
            stats.idle += c.idle.load(Ordering::Relaxed);
        }
        stats
    }
}

impl<T: Send> Shared<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<T>> {
        // A panic while holding the lock leaves a valid Vec behind: keep using it.
        self.overflow.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn counters(&self) -> &Counters {
        self.counters.get_or_default()
    }

    fn take(&self) -> T {
        let counters = self.counters();
        // No user code runs while the cache is borrowed, so a factory or reset that uses the
        // pool again cannot find it borrowed.
        let cached = self.local.get_or_default().borrow_mut().pop();
        if let Some(value) = cached {
            bump(&counters.idle, -1);
            bump(&counters.hits, 1);
            return value;
        }
        let shared = self.lock().pop();
        match shared {
            Some(value) => {
                bump(&counters.hits, 1);
                value
            }
            None => {
                bump(&counters.misses, 1);
                (self.make)()
            }
        }
    }

    fn give_back(&self, mut value: T) {
        let counters = self.counters();
        if self.keep.as_ref().is_some_and(|keep| !keep(&value)) {
            bump(&counters.dropped, 1);
            return;
        }
        (self.reset)(&mut value);
        {
            let mut cache = self.local.get_or_default().borrow_mut();
            if cache.len() < self.per_thread {
                cache.push(value);
                bump(&counters.idle, 1);
                bump(&counters.returned, 1);
                return;
            }
        }
        let mut overflow = self.lock();
        if overflow.len() < self.capacity {
            overflow.push(value);
            drop(overflow);
            bump(&counters.returned, 1);
        } else {
            drop(overflow);
            bump(&counters.dropped, 1);
            // `value` drops here, outside the lock.
        }
    }
}

/// A value on loan from a [`Pool`]; it goes back when dropped.
pub struct Pooled<'a, T: Send> {
    pool: &'a Shared<T>,
    value: Option<T>,
}

/// A value on loan from a [`Pool`], holding the pool ([`Pool::get_owned`]); it goes back when
/// dropped, on whichever thread.
pub struct OwnedPooled<T: Send> {
    pool: Arc<Shared<T>>,
    value: Option<T>,
}

/// What both guards share: the value until drop, and giving it back.
macro_rules! guard {
    ($guard:ident $(<$lt:lifetime>)?) => {
        impl<$($lt,)? T: Send> $guard<$($lt,)? T> {
            /// Keeps the value instead of returning it to the pool.
            pub fn detach(mut self) -> T {
                self.value
                    .take()
                    .expect("a guard holds its value until dropped")
            }
        }

        impl<$($lt,)? T: Send> Deref for $guard<$($lt,)? T> {
            type Target = T;

            fn deref(&self) -> &T {
                self.value
                    .as_ref()
                    .expect("a guard holds its value until dropped")
            }
        }

        impl<$($lt,)? T: Send> DerefMut for $guard<$($lt,)? T> {
            fn deref_mut(&mut self) -> &mut T {
                self.value
                    .as_mut()
                    .expect("a guard holds its value until dropped")
            }
        }

        impl<$($lt,)? T: Send + fmt::Debug> fmt::Debug for $guard<$($lt,)? T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.value.fmt(f)
            }
        }

        impl<$($lt,)? T: Send> Drop for $guard<$($lt,)? T> {
            fn drop(&mut self) {
                if let Some(value) = self.value.take() {
                    self.pool.give_back(value);
                }
            }
        }
    };
}

guard!(Pooled<'a>);
guard!(OwnedPooled);
