//! axum serving TechEmpower's `/db` and `/fortunes` like Pulya's `todo_postgres` example: the
//! same deadpool-postgres pool, the same statements, the same HTML; for `benches/scripts/db-wrk.sh`.
//!
//! `axum_db --addr ADDR --workers N --database-url URL --pool-size N`

use std::fmt::Write as _;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use pulya_peers::args;
use serde::Serialize;

#[derive(Serialize)]
struct World {
    id: i32,
    #[serde(rename = "randomNumber")]
    random_number: i32,
}

fn failed(err: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response()
}

/// A random id of the `world` table, from a per-thread xorshift, as the Pulya example draws it.
fn random_world_id() -> i32 {
    use std::cell::Cell;
    thread_local!(static STATE: Cell<u64> = Cell::new(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64) | 1
    ));
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x % 10_000) as i32 + 1
    })
}

async fn db(State(pool): State<Pool>) -> Response {
    let conn = match pool.get().await {
        Ok(conn) => conn,
        Err(err) => return failed(err),
    };
    let statement = match conn
        .prepare_cached("SELECT id, randomnumber FROM world WHERE id = $1")
        .await
    {
        Ok(statement) => statement,
        Err(err) => return failed(err),
    };
    match conn.query_one(&statement, &[&random_world_id()]).await {
        Ok(row) => axum::Json(World {
            id: row.get(0),
            random_number: row.get(1),
        })
        .into_response(),
        Err(err) => failed(err),
    }
}

fn escape_html(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

async fn fortunes(State(pool): State<Pool>) -> Response {
    let conn = match pool.get().await {
        Ok(conn) => conn,
        Err(err) => return failed(err),
    };
    let statement = match conn.prepare_cached("SELECT id, message FROM fortune").await {
        Ok(statement) => statement,
        Err(err) => return failed(err),
    };
    let rows = match conn.query(&statement, &[]).await {
        Ok(rows) => rows,
        Err(err) => return failed(err),
    };
    let mut fortunes: Vec<(i32, String)> =
        rows.iter().map(|row| (row.get(0), row.get(1))).collect();
    fortunes.push((0, "Additional fortune added at request time.".to_owned()));
    fortunes.sort_by(|a, b| a.1.cmp(&b.1));
    let mut html = String::with_capacity(1200);
    html.push_str(
        "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>\
         <tr><th>id</th><th>message</th></tr>",
    );
    for (id, message) in &fortunes {
        let _ = write!(html, "<tr><td>{id}</td><td>");
        escape_html(&mut html, message);
        html.push_str("</td></tr>");
    }
    html.push_str("</table></body></html>");
    Html(html).into_response()
}

fn main() {
    let (addr, workers) = args();
    let flag = |name: &str| {
        let args: Vec<String> = std::env::args().collect();
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let url = flag("--database-url").expect("--database-url URL");
    let size: usize = flag("--pool-size").map_or(8, |n| n.parse().expect("--pool-size N"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let config: tokio_postgres::Config = url.parse().expect("a database URL");
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager).max_size(size).build().expect("a pool");
        let app = Router::new()
            .route("/db", get(db))
            .route("/fortunes", get(fortunes))
            .with_state(pool);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .expect("the address is free");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .expect("serves");
    });
}
