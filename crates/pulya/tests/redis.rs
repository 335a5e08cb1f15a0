//! The `api` example's `--redis` against a real Redis server that this test starts itself
//! (`redis-server` on a free loopback port, in a temporary directory, without persistence,
//! stopped at the end), over TCP with hyper-util's client: two instances on one Redis share one
//! rate limit and one cache, a limit check is one round trip, and when Redis hangs or stops
//! the limiter fails open (or closed, as configured) within its timeout and recovers when
//! Redis comes back.
//!
//! Where no server can be started the test says so and passes, except under `CI=true`, where
//! that is a failure.

#[allow(dead_code)]
#[path = "../examples/api.rs"]
mod api;

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use pulya::middleware::rate_limit::{OnStoreError, Quota, RateLimit};
use pulya::middleware::redis::RedisStore;
use pulya::prelude::*;

/// A Redis server of this test's own, stopped and its directory removed on drop.
struct Redis {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Redis {
    /// Starts one, or says why it cannot.
    fn start() -> Result<Self, String> {
        let bin = redis_bin().ok_or("no `redis-server` found (apt-get install redis-server)")?;
        let dir = std::env::temp_dir().join(format!(
            "pulya-redis-{}-{}",
            std::process::id(),
            common::free_port()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut redis = Redis {
            bin,
            dir,
            port: common::free_port(),
            child: None,
        };
        redis.run()?;
        Ok(redis)
    }

    /// Starts the server process on this server's port and waits until it answers.
    fn run(&mut self) -> Result<(), String> {
        let child = Command::new(&self.bin)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", self.bin.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.command("PING").is_ok_and(|pong| pong == "PONG") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("redis-server did not answer on port {}", self.port))
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) the server process: a Redis that hangs.
    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill {signal} {pid}");
    }

    /// Stops the server process (its data is gone: no persistence).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Sends one inline command and reads a simple or bulk string answer.
    fn command(&self, line: &str) -> Result<String, String> {
        let err = |e: std::io::Error| e.to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(err)?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(err)?;
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .map_err(err)?;
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        reader.read_line(&mut head).map_err(err)?;
        let head = head.trim_end();
        match head.split_at(1) {
            ("+", text) => Ok(text.to_owned()),
            ("$", len) => {
                let len: usize = len.parse().map_err(|_| format!("bad answer {head}"))?;
                let mut body = vec![0; len + 2];
                reader.read_exact(&mut body).map_err(err)?;
                body.truncate(len);
                String::from_utf8(body).map_err(|e| e.to_string())
            }
            _ => Err(format!("unexpected answer {head}")),
        }
    }

    /// Calls of each command Redis has run (also those a script ran), from `INFO
    /// commandstats`, the `INFO` itself left out.
    fn command_calls(&self) -> std::collections::BTreeMap<String, u64> {
        let info = self.command("INFO commandstats").expect("INFO");
        info.lines()
            .filter_map(|line| line.strip_prefix("cmdstat_"))
            .filter(|line| !line.starts_with("info:"))
            .filter_map(|line| {
                let (name, stats) = line.split_once(':')?;
                let calls = stats.strip_prefix("calls=")?.split(',').next()?;
                Some((name.to_owned(), calls.parse().ok()?))
            })
            .collect()
    }

    /// Commands run since `before`, by name, and in all.
    fn calls_since(
        &self,
        before: &std::collections::BTreeMap<String, u64>,
    ) -> (std::collections::BTreeMap<String, u64>, u64) {
        let mut since = self.command_calls();
        for (name, calls) in &mut since {
            *calls -= before.get(name).copied().unwrap_or(0);
        }
        since.retain(|_, calls| *calls > 0);
        let total = since.values().sum();
        (since, total)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn redis_bin() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("redis-server"))
        .find(|bin| bin.is_file())
}

/// The server, or `None` after saying loudly why not (a failure under `CI=true`).
fn redis_or_skip() -> Option<Redis> {
    common::started_or_skip("Redis", Redis::start())
}

/// A Pulya server on a free port, on this test's runtime, stopped on drop.
struct Instance {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn serve(app: App) -> Instance {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = Server::from_listener(listener)
        .shutdown_timeout(Duration::from_secs(2))
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
    tokio::spawn(async move { server.run(app).await.unwrap() });
    Instance {
        addr,
        stop: Some(stop),
    }
}

/// The `api` example with `--redis` and the given flags.
async fn api_instance(redis: &Redis, options: api::Options) -> Instance {
    let store = RedisStore::connect(&redis.url()).await.unwrap();
    let options = api::Options {
        redis: Some(Arc::new(store.prefix("pulya-api:"))),
        ..options
    };
    serve(api::app(&options).unwrap())
}

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn get(client: &HttpClient, addr: SocketAddr, path: &str) -> (StatusCode, HeaderMap, Bytes) {
    let uri = format!("http://{addr}{path}");
    let res = tokio::time::timeout(Duration::from_secs(10), client.get(uri.parse().unwrap()))
        .await
        .expect("an answer within 10 s: never a hang")
        .expect("a response");
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_rate_limit() {
    let Some(redis) = redis_or_skip() else { return };
    let limited = || api::Options {
        rate_limit: Some(Quota::per_second(20)),
        ..Default::default()
    };
    let one = api_instance(&redis, limited()).await;
    let two = api_instance(&redis, limited()).await;
    let client = client();

    // Over two seconds, both instances asked in turn as fast as they answer (at most 4,000).
    let started = Instant::now();
    let (mut allowed, mut refused) = (0_u32, 0_u32);
    let mut sent = 0;
    while started.elapsed() < Duration::from_secs(2) && sent < 4_000 {
        for addr in [one.addr, two.addr] {
            let (status, headers, _) = get(&client, addr, "/items/1").await;
            sent += 1;
            assert_eq!(headers["ratelimit-limit"], "20");
            match status.as_u16() {
                200 => allowed += 1,
                429 => refused += 1,
                other => panic!("status {other}"),
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // One limit: the burst of 20 plus 20 a second, whichever instance was asked. Separate
    // limits would let through twice that (two bursts of 20 at once).
    let one_limit = 20.0 + 20.0 * elapsed;
    assert!(
        refused > 0,
        "{allowed} allowed, none refused in {elapsed:.2} s"
    );
    assert!(
        f64::from(allowed) <= one_limit + 2.0,
        "{allowed} allowed in {elapsed:.2} s: more than one limit of {one_limit:.0}"
    );
    assert!(allowed >= 20, "at least the burst: {allowed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_check_is_one_round_trip() {
    let Some(redis) = redis_or_skip() else { return };
    let instance = api_instance(
        &redis,
        api::Options {
            rate_limit: Some(Quota::per_second(1_000_000)),
            ..Default::default()
        },
    )
    .await;
    let client = client();
    // The first check loads the script into Redis (EVALSHA, then SCRIPT LOAD or EVAL).
    assert_eq!(get(&client, instance.addr, "/items/1").await.0, 200);
    let before = redis.command_calls();
    for _ in 0..100 {
        assert_eq!(get(&client, instance.addr, "/items/1").await.0, 200);
    }
    // One EVALSHA a request; the rest are the commands its script runs inside Redis (TIME, GET
    // and SET), which the stats count too: the client sent nothing else.
    let (since, total) = redis.calls_since(&before);
    assert_eq!(since.get("evalsha"), Some(&100), "{since:?}");
    assert_eq!(total, 400, "{since:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_fill_on_one_instance_is_a_hit_on_the_other() {
    let Some(redis) = redis_or_skip() else { return };
    let cached = || api::Options {
        cache_ttl: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let one = api_instance(&redis, cached()).await;
    let two = api_instance(&redis, cached()).await;
    let client = client();
    let (status, headers, filled) = get(&client, one.addr, "/items").await;
    assert_eq!(status, 200);
    assert!(headers.get("age").is_none(), "the first is a miss");
    let before = redis.command_calls();
    let (status, headers, hit) = get(&client, two.addr, "/items").await;
    assert_eq!(status, 200);
    assert!(
        headers.contains_key("age"),
        "the other instance's fill: {headers:?}"
    );
    assert_eq!(hit, filled);
    let (since, total) = redis.calls_since(&before);
    assert_eq!(
        (since.get("get"), total),
        (Some(&1), 1),
        "a hit is one GET: {since:?}"
    );
    let items: serde_json::Value = serde_json::from_slice(&hit).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 1_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_frozen_or_stopped_fails_open_or_closed_then_recovers() {
    let Some(mut redis) = redis_or_skip() else {
        return;
    };
    let open = api_instance(
        &redis,
        api::Options {
            rate_limit: Some(Quota::per_second(1_000)),
            cache_ttl: Some(Duration::from_secs(60)),
            ..Default::default()
        },
    )
    .await;
    let store = RedisStore::connect(&redis.url()).await.unwrap();
    let closed = serve(App::new().get("/", || async { "checked" }).middleware(
        RateLimit::new(Quota::per_second(1_000)).store(
            Arc::new(store.prefix("closed:")),
            Duration::from_millis(50),
            OnStoreError::Refuse,
        ),
    ));
    let client = client();
    assert_eq!(get(&client, open.addr, "/items/1").await.0, 200);
    assert_eq!(get(&client, closed.addr, "/").await.0, 200);

    // A Redis that hangs: each request waits out the 50 ms timeout, then fails open or closed.
    redis.signal("-STOP");
    let frozen = Instant::now();
    for _ in 0..3 {
        assert_eq!(get(&client, open.addr, "/items/1").await.0, 200);
        assert_eq!(get(&client, closed.addr, "/").await.0, 503);
    }
    let waited = frozen.elapsed();
    redis.signal("-CONT");
    eprintln!("six requests against a frozen Redis took {waited:?} (50 ms timeout each)");

    redis.stop();
    for _ in 0..5 {
        // Fail open: the request goes on, without the store's headers; the cache asks the handler.
        let (status, _, _) = get(&client, open.addr, "/items/1").await;
        assert_eq!(status, 200);
        let (status, _, body) = get(&client, open.addr, "/items").await;
        assert_eq!(status, 200);
        assert!(body.starts_with(b"[{\"id\":1"));
        // Fail closed: 503 in Pulya's error shape.
        let (status, _, body) = get(&client, closed.addr, "/").await;
        assert_eq!(status, 503);
        let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(error["status"], 503);
    }

    redis.run().expect("Redis started again on its port");
    // The connection is made again in the background: within a few seconds the limiter
    // answers from Redis again.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, headers, _) = get(&client, closed.addr, "/").await;
        if status == 200 && headers.contains_key("ratelimit-remaining") {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
