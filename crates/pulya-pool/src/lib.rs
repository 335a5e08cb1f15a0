//! Bounded object pools.
//!
//! A [`Pool`] hands out values built by a factory and takes them back when the [`Pooled`] guard
//! drops, after a reset; it keeps at most `capacity` idle values and drops the rest. Pulya uses a
//! pool only where a benchmark shows that reuse beats the allocator.
//!
//! ```
//! use pulya_pool::Pool;
//!
//! let pool = Pool::new(16, || Vec::<u8>::with_capacity(1024), |v| v.clear());
//! {
//!     let mut buf = pool.get();
//!     buf.extend_from_slice(b"hello");
//! } // returned to the pool, cleared
//! assert_eq!(pool.idle(), 1);
//! assert!(pool.get().is_empty());
//! ```

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

type Make<T> = Box<dyn Fn() -> T + Send + Sync>;
type Reset<T> = Box<dyn Fn(&mut T) + Send + Sync>;

/// A pool of reusable values of type `T`.
pub struct Pool<T> {
    idle: Mutex<Vec<T>>,
    capacity: usize,
    make: Make<T>,
    reset: Reset<T>,
}

impl<T> fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("capacity", &self.capacity)
            .field("idle", &self.idle())
            .finish()
    }
}

impl<T> Pool<T> {
    /// A pool keeping at most `capacity` idle values, building new ones with `make` and clearing
    /// returned ones with `reset`.
    pub fn new(
        capacity: usize,
        make: impl Fn() -> T + Send + Sync + 'static,
        reset: impl Fn(&mut T) + Send + Sync + 'static,
    ) -> Self {
        Self {
            idle: Mutex::new(Vec::with_capacity(capacity)),
            capacity,
            make: Box::new(make),
            reset: Box::new(reset),
        }
    }

    /// An idle value, or a new one when none is idle.
    pub fn get(&self) -> Pooled<'_, T> {
        let reused = self.lock().pop();
        let value = reused.unwrap_or_else(|| (self.make)());
        Pooled {
            pool: self,
            value: Some(value),
        }
    }

    /// The number of idle values.
    pub fn idle(&self) -> usize {
        self.lock().len()
    }

    /// The most idle values the pool keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<T>> {
        // A panic while holding the lock leaves a valid Vec behind: keep using it.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn give_back(&self, mut value: T) {
        (self.reset)(&mut value);
        let mut idle = self.lock();
        if idle.len() < self.capacity {
            idle.push(value);
        }
    }
}

/// A value on loan from a [`Pool`]; it goes back when dropped.
pub struct Pooled<'a, T> {
    pool: &'a Pool<T>,
    value: Option<T>,
}

impl<T> Pooled<'_, T> {
    /// Keeps the value instead of returning it to the pool.
    pub fn detach(mut self) -> T {
        self.value
            .take()
            .expect("a Pooled holds its value until dropped")
    }
}

impl<T> Deref for Pooled<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value
            .as_ref()
            .expect("a Pooled holds its value until dropped")
    }
}

impl<T> DerefMut for Pooled<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value
            .as_mut()
            .expect("a Pooled holds its value until dropped")
    }
}

impl<T: fmt::Debug> fmt::Debug for Pooled<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T> Drop for Pooled<'_, T> {
    fn drop(&mut self) {
        if let Some(value) = self.value.take() {
            self.pool.give_back(value);
        }
    }
}
