//! The match cache: recent dynamic lookups and the route each matched, per thread.
//!
//! Each thread keeps, for each router it used recently, a direct-mapped table: a slot is chosen
//! by the hash of (method, path) and holds the last lookup that hashed there. A hit costs a hash
//! and a compare; there is no lock and no shared cache line between worker threads, and a slot
//! reuses its path buffer, so a warm cache allocates nothing. Entries carry the router's id and
//! generation: any change to the router makes every older entry a miss.

use std::cell::RefCell;
use std::hash::Hasher;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hash::FxHasher;

/// The default capacity when the cache is switched on with
/// [`Router::set_cache_capacity`](crate::Router::set_cache_capacity).
pub const DEFAULT_CACHE_CAPACITY: usize = 1024;

/// The most routers whose tables one thread keeps; the least recently added goes first.
const TABLES_PER_THREAD: usize = 4;

/// A router's cache settings and identity.
#[derive(Debug)]
pub(crate) struct MatchCache {
    /// A power of two.
    capacity: usize,
    id: u64,
    generation: u64,
}

struct Slot {
    generation: u64,
    method: u8,
    path: String,
    entry: Option<u32>,
}

struct Table {
    router: u64,
    slots: Vec<Slot>,
}

thread_local! {
    static TABLES: RefCell<Vec<Table>> = const { RefCell::new(Vec::new()) };
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl MatchCache {
    /// A cache of `capacity` slots per thread, rounded up to a power of two.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.next_power_of_two(),
            id: next_id(),
            generation: 0,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Makes every entry cached so far a miss.
    pub(crate) fn invalidate(&mut self) {
        self.generation += 1;
    }

    #[inline]
    fn slot_index(&self, method: u8, path: &str) -> usize {
        let mut h = FxHasher::default();
        h.write_u8(method);
        h.write(path.as_bytes());
        // The high bits of a multiplicative hash are the well-mixed ones.
        (h.finish() >> 32) as usize & (self.capacity - 1)
    }

    /// The path entry `path` matched for the method tagged `method`, if cached.
    #[inline]
    pub(crate) fn get(&self, method: u8, path: &str) -> Option<u32> {
        let index = self.slot_index(method, path);
        TABLES.with(|tables| {
            let tables = tables.try_borrow().ok()?;
            let table = tables.iter().find(|t| t.router == self.id)?;
            let slot = &table.slots[index];
            let hit =
                slot.generation == self.generation && slot.method == method && slot.path == path;
            if hit { slot.entry } else { None }
        })
    }

    /// Remembers that `path` matched the path entry `entry`, replacing what its slot held.
    pub(crate) fn put(&self, method: u8, path: &str, entry: u32) {
        let index = self.slot_index(method, path);
        TABLES.with(|tables| {
            let Ok(mut tables) = tables.try_borrow_mut() else {
                return;
            };
            let position = match tables.iter().position(|t| t.router == self.id) {
                Some(position) => position,
                None => {
                    if tables.len() == TABLES_PER_THREAD {
                        tables.remove(0);
                    }
                    let slots = (0..self.capacity)
                        .map(|_| Slot {
                            generation: 0,
                            method: 0,
                            path: String::new(),
                            entry: None,
                        })
                        .collect();
                    tables.push(Table {
                        router: self.id,
                        slots,
                    });
                    tables.len() - 1
                }
            };
            let slot = &mut tables[position].slots[index];
            slot.generation = self.generation;
            slot.method = method;
            slot.path.clear();
            slot.path.push_str(path);
            slot.entry = Some(entry);
        });
    }
}
