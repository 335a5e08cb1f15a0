//! The `todo_postgres` example against a real PostgreSQL server that this test starts itself
//! (`initdb` and `pg_ctl` on a temporary directory and a free loopback port, stopped at the
//! end), over TCP with hyper-util's client: commit on success, rollback on a failing or
//! panicking handler, bad input refused with nothing written, the TechEmpower endpoints, every
//! connection back in the pool after each request, 200 concurrent requests on a pool of 8, a
//! client gone mid-body, and the pool closed by the server's graceful shutdown.
//!
//! Where no server can be started the test says so and passes, except under `CI=true`, where
//! that is a failure. As root, PostgreSQL runs as the unprivileged `postgres` user (`initdb`
//! refuses root).

#[allow(dead_code)]
#[path = "../examples/todo_postgres.rs"]
mod todo;

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use deadpool_postgres::Pool;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use pulya::di::Inject;
use pulya::prelude::*;

/// A PostgreSQL server of this test's own, stopped and removed on drop.
struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    user: Option<&'static str>,
    port: u16,
}

impl Postgres {
    /// Starts one, or says why it cannot.
    fn start() -> Result<Self, String> {
        let bin =
            postgres_bin().ok_or("no `initdb`/`pg_ctl` found (apt-get install postgresql)")?;
        let root = is_root();
        let user = root.then_some("postgres");
        let dir = std::env::temp_dir().join(format!("pulya-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if let Some(user) = user {
            let chown = Command::new("chown")
                .args([user, &dir.to_string_lossy()])
                .status();
            if !chown.is_ok_and(|s| s.success()) {
                return Err(format!(
                    "cannot hand {} to the `{user}` user",
                    dir.display()
                ));
            }
        }
        let port = common::free_port();
        let server = Postgres {
            bin,
            dir,
            user,
            port,
        };
        let data = server.dir.join("data");
        server.run(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "pulya",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ],
        )?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40",
            server.dir.display()
        );
        server.run(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &server.dir.join("log").to_string_lossy(),
                "-o",
                &options,
                "-w",
                "-t",
                "30",
                "start",
            ],
        )?;
        Ok(server)
    }

    /// Runs the PostgreSQL program `name`, as the unprivileged user when we are root.
    fn run(&self, name: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(name);
        let mut command = match self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        let out = command
            .args(args)
            .current_dir(&self.dir)
            .output()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{name} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn url(&self) -> String {
        format!("postgres://pulya@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where `initdb` and `pg_ctl` are: on the `PATH`, or in Debian's versioned directory.
fn postgres_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"));
    on_path
        .chain(debian)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

/// Whether this process runs as root, read from `/proc` (no libc call for one number).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|uids| uids.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// The server, or `None` after saying loudly why not (a failure under `CI=true`).
fn postgres_or_skip() -> Option<Postgres> {
    common::started_or_skip("PostgreSQL", Postgres::start())
}

type Answer = (StatusCode, Bytes);

struct Api {
    addr: SocketAddr,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

impl Api {
    async fn send(&self, method: Method, path: &str, body: Option<&str>) -> Answer {
        let mut req = http::Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let body = Full::new(Bytes::from(body.unwrap_or("").to_owned()));
        let res = tokio::time::timeout(
            Duration::from_secs(20),
            self.client.request(req.body(body).unwrap()),
        )
        .await
        .expect("the server answers in time")
        .expect("a response");
        let status = res.status();
        (status, res.into_body().collect().await.unwrap().to_bytes())
    }
}

fn json(body: &Bytes) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|e| panic!("JSON ({e}): {body:?}"))
}

/// How many todos the database holds once the app's requests have ended (a transaction is
/// committed or rolled back after its response has been sent, so a client can have its answer
/// a moment before), read on a connection of the test's own.
async fn rows(app: &Pool, checker: &Pool) -> i64 {
    all_idle(app).await;
    let conn = checker.get().await.unwrap();
    conn.query_one("SELECT count(*) FROM todos", &[])
        .await
        .unwrap()
        .get(0)
}

/// Waits (bounded) until every connection of `pool` is back, idle: disposes run after the
/// response, on the runtime.
async fn all_idle(pool: &Pool) -> deadpool_postgres::Status {
    for _ in 0..400 {
        let status = pool.status();
        if status.available == status.size {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    pool.status()
}

/// Inserts a row, then panics: the transaction must roll back.
async fn insert_then_panic(Inject(tx): Inject<todo::Tx>) -> &'static str {
    let _ = &tx;
    panic!("the handler failed after writing");
}

/// Inserts a row, then streams a chunk every 20 ms (for at most 10 s): a client that goes away
/// mid-body has had a 200, so the row is committed, and the connection goes back to the pool.
async fn insert_then_stream(Inject(tx): Inject<todo::Tx>) -> Response {
    tx.client()
        .execute("INSERT INTO todos (title) VALUES ('streamed')", &[])
        .await
        .expect("the insert");
    struct Ticks(tokio::time::Interval, u32);
    impl futures_core::Stream for Ticks {
        type Item = Result<Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.1 == 500 {
                return std::task::Poll::Ready(None);
            }
            std::task::ready!(self.0.poll_tick(cx));
            self.1 += 1;
            std::task::Poll::Ready(Some(Ok(Bytes::from_static(b"tick\n"))))
        }
    }
    let ticks = Ticks(tokio::time::interval(Duration::from_millis(20)), 0);
    Response::new(pulya::Body::from_stream(ticks))
}

/// Sends `GET path` on a socket of its own, reads until `until` arrives, and closes the socket.
async fn read_then_hang_up(addr: SocketAddr, path: &str, until: &[u8]) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nhost: test\r\n\r\n");
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(until.len()).any(|w| w == until) {
        let n = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut buf))
            .await
            .expect("bytes in time")
            .unwrap();
        assert!(
            n > 0,
            "the server closed first: {:?}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(
        seen.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&seen)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_todo_app_on_a_real_postgres() {
    let Some(pg) = postgres_or_skip() else { return };
    let pool = todo::connect(&pg.url(), 8)
        .await
        .expect("the test's server");
    todo::prepare_schema(&pool).await.unwrap();
    let container = todo::container(pool).unwrap();
    let pool = container.get::<Pool>().await.unwrap();
    let checker = todo::connect(&pg.url(), 2).await.unwrap();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = todo::app(Arc::clone(&container))
        .post("/todos/panic", insert_then_panic)
        .get("/todos/stream", insert_then_stream);
    let server = tokio::spawn(
        Server::from_listener(listener)
            .shutdown_timeout(Duration::from_secs(5))
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .run(app),
    );
    let api = Api {
        addr,
        client: Client::builder(TokioExecutor::new()).build_http(),
    };

    // Commit on success.
    let (status, body) = api
        .send(
            Method::POST,
            "/todos",
            Some(r#"{"title":"write the docs"}"#),
        )
        .await;
    assert_eq!(status, 201, "{body:?}");
    let created = json(&body);
    assert_eq!(created["title"], "write the docs");
    assert_eq!(created["done"], false);
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        rows(&pool, &checker).await,
        1,
        "committed: another connection sees it"
    );
    let status = all_idle(&pool).await;
    assert_eq!(
        status.available, status.size,
        "the connection went back to the pool"
    );

    let (status, body) = api.send(Method::GET, &format!("/todos/{id}"), None).await;
    assert_eq!(
        (status, json(&body)["id"].as_i64()),
        (StatusCode::OK, Some(id))
    );
    let (status, body) = api
        .send(
            Method::PATCH,
            &format!("/todos/{id}"),
            Some(r#"{"done":true}"#),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(json(&body)["done"], true);
    let (status, body) = api.send(Method::GET, "/todos", None).await;
    assert_eq!(status, 200);
    assert_eq!(json(&body).as_array().map(Vec::len), Some(1));

    // A failing handler: two good titles then an empty one, 422, nothing written.
    let (status, body) = api
        .send(
            Method::POST,
            "/todos/batch",
            Some(r#"[{"title":"a"},{"title":"b"},{"title":"  "}]"#),
        )
        .await;
    assert_eq!(status, 422, "{body:?}");
    assert_eq!(json(&body)["status"], 422);
    assert_eq!(rows(&pool, &checker).await, 1, "rolled back");
    let (status, _) = api
        .send(
            Method::POST,
            "/todos/batch",
            Some(r#"[{"title":"a"},{"title":"b"}]"#),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(rows(&pool, &checker).await, 3);

    // A panicking handler: 500, nothing written, still serving.
    let (status, body) = api.send(Method::POST, "/todos/panic", None).await;
    assert_eq!(status, 500);
    assert_eq!(json(&body)["status"], 500);
    assert_eq!(
        rows(&pool, &checker).await,
        3,
        "rolled back after the panic"
    );

    // Bad input: each a 4xx in Pulya's error shape, nothing written.
    let long = format!(r#"{{"title":"{}"}}"#, "x".repeat(todo::MAX_TITLE + 1));
    let bad: [(Method, &str, Option<&str>, u16); 7] = [
        (Method::POST, "/todos", Some(r#"{"title":"#), 400),
        (Method::POST, "/todos", Some(r#"{"name":"x"}"#), 422),
        (Method::POST, "/todos", Some(&long), 422),
        (Method::GET, "/todos/999999", None, 404),
        (Method::GET, "/todos/abc", None, 400),
        (Method::DELETE, "/todos/999999", None, 404),
        (
            Method::PATCH,
            &format!("/todos/{id}"),
            Some(r#"{"title":""}"#),
            422,
        ),
    ];
    for (method, path, body, expected) in bad {
        let (status, answer) = api.send(method.clone(), path, body).await;
        assert_eq!(status.as_u16(), expected, "{method} {path}: {answer:?}");
        assert_eq!(json(&answer)["status"], expected, "{method} {path}");
    }
    assert_eq!(rows(&pool, &checker).await, 3);
    let (status, body) = api.send(Method::GET, &format!("/todos/{id}"), None).await;
    assert_eq!(
        (status, json(&body)["title"].as_str()),
        (StatusCode::OK, Some("write the docs"))
    );
    let (status, _) = api
        .send(Method::DELETE, &format!("/todos/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(rows(&pool, &checker).await, 2);

    // TechEmpower's single query and fortunes.
    let (status, body) = api.send(Method::GET, "/db", None).await;
    assert_eq!(status, 200);
    let world = json(&body);
    assert!(
        (1..=10_000).contains(&world["id"].as_i64().unwrap()),
        "{world}"
    );
    assert!(world["randomNumber"].is_i64(), "{world}");
    let (status, body) = api.send(Method::GET, "/fortunes", None).await;
    assert_eq!(status, 200);
    let html = std::str::from_utf8(&body).unwrap();
    assert_eq!(
        html.matches("<tr>").count(),
        14,
        "a header row and 13 fortunes"
    );
    assert!(html.contains("&lt;script&gt;alert(&quot;This should not be displayed"));
    assert!(html.contains("Additional fortune added at request time."));
    assert!(html.contains("フレームワークのベンチマーク"));
    assert!(
        html.find("<td>11</td>").unwrap() < html.find("<td>4</td>").unwrap(),
        "sorted by message: '<script>' sorts before 'A bad random'"
    );

    // A client gone mid-body: the handler answered 200, so its insert is committed, and the
    // connection goes back to the pool once the server notices and drops the body.
    read_then_hang_up(addr, "/todos/stream", b"tick").await;
    let mut committed = 0;
    for _ in 0..400 {
        committed = rows(&pool, &checker).await;
        if committed == 3 && pool.status().available == pool.status().size {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        committed, 3,
        "the streamed request's row, committed after the hang-up"
    );
    let status = all_idle(&pool).await;
    assert_eq!(status.available, status.size, "{status:?}");

    // 200 concurrent requests on a pool of 8.
    let api = Arc::new(api);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let api = Arc::clone(&api);
            tokio::spawn(async move {
                if i % 2 == 0 {
                    let body = format!(r#"{{"title":"load {i}"}}"#);
                    api.send(Method::POST, "/todos", Some(&body)).await.0
                } else {
                    api.send(Method::GET, "/db", None).await.0
                }
            })
        })
        .collect();
    for task in tasks {
        let status = task.await.unwrap();
        assert!(status == 201 || status == 200, "{status}");
    }
    assert_eq!(rows(&pool, &checker).await, 103);
    let status = all_idle(&pool).await;
    assert!(status.size <= 8, "{status:?}");
    assert_eq!(
        status.available, status.size,
        "every connection back: {status:?}"
    );

    // Graceful shutdown: the server disposes the container's singletons, so the pool closes.
    assert!(!pool.is_closed());
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(pool.is_closed());
}
