//! A Redis store shared by several instances of a service: for [`RateLimit`] one limit per
//! client across every instance, for [`ResponseCache`] one cache.
//!
//! [`RedisStore`] keeps one multiplexed connection (the `redis` crate's `ConnectionManager`),
//! which reconnects on its own when Redis comes back after a failure. A rate-limit check is one
//! round trip: a Lua script (sent by its SHA-1, `EVALSHA`; loaded once per Redis server) that
//! runs GCRA atomically on Redis's own clock, so that instances with skewed clocks agree. A
//! cache read is one `GET`, a fill one `SET ... PX`.
//!
//! ```no_run
//! # async fn run() -> Result<(), pulya_middleware::StoreError> {
//! use std::sync::Arc;
//! use pulya_middleware::rate_limit::{Quota, RateLimit};
//! use pulya_middleware::redis::RedisStore;
//!
//! let store = Arc::new(RedisStore::connect("redis://127.0.0.1:6379").await?);
//! let limit = RateLimit::new(Quota::per_second(20)).shared(store);
//! # let _ = limit; Ok(()) }
//! ```
//!
//! [`RateLimit`]: crate::rate_limit::RateLimit
//! [`ResponseCache`]: crate::cache::ResponseCache

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::StoreError;

/// GCRA on Redis, in microseconds of Redis's clock (`TIME`): the same algorithm as
/// [`gcra`](crate::rate_limit::gcra). KEYS[1] is the key; ARGV the emission interval and the
/// tolerance. Returns allowed (0/1), remaining, reset and retry-after (µs). The key expires when
/// its bucket is full again, so Redis holds only the clients of the last refill period.
const GCRA_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance - interval
if allow_at > now then
  return {0, 0, tat - now, allow_at - now}
end
local ahead = new_tat - now
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(ahead / 1000))
return {1, math.floor((tolerance + interval - ahead) / interval), ahead, 0}
";

/// Limits and cached responses in Redis, under a key prefix (`pulya:` by default).
///
/// Give each [`RateLimit`](crate::rate_limit::RateLimit) that shares one Redis a store of its
/// own [`prefix`](Self::prefix), so that their limits do not mix; one cache may share a store
/// with a limiter (their keys differ).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
    gcra: redis::Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn store_error(err: redis::RedisError) -> StoreError {
    StoreError(Box::new(err))
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://[user:password@]host:port[/db]`). Requests wait
    /// at most 1 s for Redis's answer and a connection attempt at most 1 s; the middleware's own
    /// timeout (50 ms by default) is usually shorter. After a failure the connection is made
    /// again in the background, so the store recovers when Redis comes back.
    ///
    /// # Errors
    /// When `url` is not a Redis URL or Redis cannot be reached now.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(store_error)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(1)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(store_error)?;
        Ok(Self {
            conn,
            prefix: "pulya:".to_owned(),
            gcra: redis::Script::new(GCRA_SCRIPT),
        })
    }

    /// Puts every key of this store under `prefix` (default `pulya:`).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), pulya_middleware::StoreError> {
    /// use pulya_middleware::redis::RedisStore;
    ///
    /// let logins = RedisStore::connect("redis://127.0.0.1/").await?.prefix("shop:login:");
    /// # let _ = logins; Ok(()) }
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, kind: &str, key: &[u8]) -> Vec<u8> {
        let mut full = Vec::with_capacity(self.prefix.len() + kind.len() + key.len());
        full.extend_from_slice(self.prefix.as_bytes());
        full.extend_from_slice(kind.as_bytes());
        full.extend_from_slice(key);
        full
    }
}

impl crate::rate_limit::RateLimitStore for RedisStore {
    fn check<'a>(
        &'a self,
        key: &'a [u8],
        quota: crate::rate_limit::Quota,
    ) -> pulya_core::BoxFuture<'a, Result<crate::rate_limit::Decision, StoreError>> {
        Box::pin(async move {
            // Redis's clock has microseconds; a quota finer than that is rounded up to 1 µs.
            let interval = (quota.interval() / 1_000).max(1);
            let tolerance = quota.tolerance() / 1_000;
            let mut conn = self.conn.clone();
            let (allowed, remaining, reset, retry): (u8, u64, u64, u64) = self
                .gcra
                .key(self.key("rl:", key))
                .arg(interval)
                .arg(tolerance)
                .invoke_async(&mut conn)
                .await
                .map_err(store_error)?;
            Ok(crate::rate_limit::Decision {
                allowed: allowed == 1,
                remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
                reset: Duration::from_micros(reset),
                retry_after: Duration::from_micros(retry),
            })
        })
    }
}

impl crate::cache::CacheStore for RedisStore {
    fn get<'a>(
        &'a self,
        key: &'a [u8],
    ) -> pulya_core::BoxFuture<'a, Result<Option<crate::cache::CachedResponse>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let bytes: Option<Vec<u8>> = redis::cmd("GET")
                .arg(self.key("c:", key))
                .query_async(&mut conn)
                .await
                .map_err(store_error)?;
            match bytes {
                None => Ok(None),
                Some(bytes) => crate::cache::CachedResponse::decode(&bytes)
                    .map(Some)
                    .map_err(|err| StoreError(err.into())),
            }
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a [u8],
        response: &'a crate::cache::CachedResponse,
        ttl: Duration,
    ) -> pulya_core::BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            redis::cmd("SET")
                .arg(self.key("c:", key))
                .arg(response.encode())
                .arg("PX")
                .arg(millis)
                .query_async::<()>(&mut conn)
                .await
                .map_err(store_error)
        })
    }
}
