//! A JSON CRUD API of todos on PostgreSQL, with dependency injection: the connection pool is a
//! singleton of the app's container, and every `/todos` request that touches the database gets
//! a request-scoped connection holding a transaction, committed when the handler answers 2xx
//! and rolled back otherwise (a 4xx, a 500, a panic), after the response has been sent.
//!
//! It also serves TechEmpower's single query (`/db`) and fortunes (`/fortunes`) on their
//! standard tables (`world`, `fortune`), which it creates and fills when they are missing.
//!
//! ```text
//! cargo run -p pulya --example todo_postgres -- --database-url postgres://user@localhost/db
//! curl -d '{"title":"write the docs"}' -H 'content-type: application/json' localhost:3000/todos
//! ```

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use pulya::di::{Container, ContainerError, Outcome, Service};
use pulya::prelude::*;
use pulya::{ErrorResponse, Html};
use serde::{Deserialize, Serialize};

/// The longest title a todo may have, in characters.
pub(crate) const MAX_TITLE: usize = 200;

/// The rows of TechEmpower's `world` table.
const WORLD_ROWS: i32 = 10_000;

/// A todo as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Todo {
    /// Its id, given by the database.
    pub(crate) id: i64,
    /// What to do.
    pub(crate) title: String,
    /// Whether it is done.
    pub(crate) done: bool,
}

/// The body of `POST /todos`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTodo {
    title: String,
}

/// The body of `PATCH /todos/{id}`: the fields to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TodoChange {
    title: Option<String>,
    done: Option<bool>,
}

/// A request's connection inside a transaction: `BEGIN` when the request first asks for it,
/// `COMMIT` or `ROLLBACK` when its response has been sent, then back to the pool.
pub(crate) struct Tx {
    conn: Object,
}

impl Tx {
    async fn begin(pool: Arc<Pool>) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let conn = pool.get().await?;
        conn.batch_execute("BEGIN").await?;
        Ok(Self { conn })
    }

    /// The transaction's connection, for statements of one's own.
    pub(crate) fn client(&self) -> &Object {
        &self.conn
    }

    async fn end(&self, outcome: Outcome) {
        let (sql, verb) = if outcome.is_success() {
            ("COMMIT", "commit")
        } else {
            ("ROLLBACK", "roll back")
        };
        if let Err(err) = self.conn.batch_execute(sql).await {
            tracing::error!(%err, "could not {verb} a request's transaction");
        }
    }
}

/// A request's connection with no transaction: for the single reads of `/db` and
/// `/fortunes`, where `BEGIN` and `COMMIT` would be two more round trips.
pub(crate) struct Conn(Object);

type DbError = Box<dyn std::error::Error + Send + Sync>;

/// The pool of `size` connections to `url`, checked by one connection made now.
///
/// # Errors
/// When the URL is malformed or the database cannot be reached.
pub(crate) async fn connect(url: &str, size: usize) -> Result<Pool, DbError> {
    let config: tokio_postgres::Config = url.parse()?;
    let manager = Manager::from_config(
        config,
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager).max_size(size).build()?;
    drop(pool.get().await?);
    Ok(pool)
}

/// Creates the tables when they are missing, and fills TechEmpower's when they are empty.
///
/// # Errors
/// A failed statement.
pub(crate) async fn prepare_schema(pool: &Pool) -> Result<(), DbError> {
    let conn = pool.get().await?;
    conn.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS todos (
             id BIGSERIAL PRIMARY KEY,
             title TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND {MAX_TITLE}),
             done BOOLEAN NOT NULL DEFAULT FALSE);
         CREATE TABLE IF NOT EXISTS world (id INTEGER PRIMARY KEY, randomnumber INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS fortune (id INTEGER PRIMARY KEY, message TEXT NOT NULL);
         INSERT INTO world (id, randomnumber)
             SELECT n, 1 + floor(random() * {WORLD_ROWS})::int FROM generate_series(1, {WORLD_ROWS}) n
             ON CONFLICT (id) DO NOTHING;"
    ))
    .await?;
    let fortunes = conn.query_one("SELECT count(*) FROM fortune", &[]).await?;
    if fortunes.get::<_, i64>(0) == 0 {
        let insert = conn
            .prepare("INSERT INTO fortune (id, message) VALUES ($1, $2)")
            .await?;
        for (id, message) in (1..).zip(FORTUNES) {
            conn.execute(&insert, &[&id, &message]).await?;
        }
    }
    Ok(())
}

/// TechEmpower's fortunes, as its specification lists them.
const FORTUNES: [&str; 12] = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    "<script>alert(\"This should not be displayed in a browser alert box.\");</script>",
    "フレームワークのベンチマーク",
];

/// The app's container: the pool as a singleton (closed at shutdown), a transaction and a
/// plain connection per request.
///
/// # Errors
/// None with these registrations; the container checks them.
pub(crate) fn container(pool: Pool) -> Result<Arc<Container>, ContainerError> {
    Container::builder()
        .provide(Service::value(pool).dispose(|pool: Arc<Pool>, _| async move { pool.close() }))
        .provide(
            Service::scoped(Tx::begin)
                .dispose(|tx: Arc<Tx>, outcome: Outcome| async move { tx.end(outcome).await }),
        )
        .provide(Service::scoped(|pool: Arc<Pool>| async move {
            Ok::<_, deadpool_postgres::PoolError>(Conn(pool.get().await?))
        }))
        .build()
}

/// A database error as the client sees it: a 500 in Pulya's error shape, logged in full.
fn db_failed(err: tokio_postgres::Error) -> ErrorResponse {
    tracing::error!(%err, "a database statement failed");
    ErrorResponse::new(StatusCode::INTERNAL_SERVER_ERROR, "the database failed")
}

fn not_found(id: i64) -> ErrorResponse {
    ErrorResponse::new(StatusCode::NOT_FOUND, format!("no todo has the id {id}"))
}

/// A title the table accepts: 1 to [`MAX_TITLE`] characters, not only spaces.
fn checked_title(title: &str) -> Result<&str, ErrorResponse> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(ErrorResponse::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("a title has 1 to {MAX_TITLE} characters"),
        ));
    }
    Ok(title)
}

fn todo_of(row: &tokio_postgres::Row) -> Todo {
    Todo {
        id: row.get(0),
        title: row.get(1),
        done: row.get(2),
    }
}

async fn list(Inject(tx): Inject<Tx>) -> Result<Json<Vec<Todo>>, ErrorResponse> {
    let statement = "SELECT id, title, done FROM todos ORDER BY id LIMIT 1000";
    let rows = tx.client().query(statement, &[]).await.map_err(db_failed)?;
    Ok(Json(rows.iter().map(todo_of).collect()))
}

async fn create(
    Inject(tx): Inject<Tx>,
    Json(new): Json<NewTodo>,
) -> Result<(StatusCode, Json<Todo>), ErrorResponse> {
    let title = checked_title(&new.title)?;
    let statement = "INSERT INTO todos (title) VALUES ($1) RETURNING id, title, done";
    let row = tx
        .client()
        .query_one(statement, &[&title])
        .await
        .map_err(db_failed)?;
    Ok((StatusCode::CREATED, Json(todo_of(&row))))
}

/// Inserts every title or none: the first bad title answers 422, and the transaction of the
/// rows already inserted is rolled back.
async fn create_many(
    Inject(tx): Inject<Tx>,
    Json(batch): Json<Vec<NewTodo>>,
) -> Result<(StatusCode, Json<Vec<Todo>>), ErrorResponse> {
    let statement = "INSERT INTO todos (title) VALUES ($1) RETURNING id, title, done";
    let mut created = Vec::with_capacity(batch.len());
    for new in &batch {
        let title = checked_title(&new.title)?;
        let row = tx
            .client()
            .query_one(statement, &[&title])
            .await
            .map_err(db_failed)?;
        created.push(todo_of(&row));
    }
    Ok((StatusCode::CREATED, Json(created)))
}

async fn show(Path(id): Path<i64>, Inject(tx): Inject<Tx>) -> Result<Json<Todo>, ErrorResponse> {
    let statement = "SELECT id, title, done FROM todos WHERE id = $1";
    let row = tx
        .client()
        .query_opt(statement, &[&id])
        .await
        .map_err(db_failed)?;
    row.map(|row| Json(todo_of(&row)))
        .ok_or_else(|| not_found(id))
}

async fn change(
    Path(id): Path<i64>,
    Inject(tx): Inject<Tx>,
    Json(change): Json<TodoChange>,
) -> Result<Json<Todo>, ErrorResponse> {
    let title = change.title.as_deref().map(checked_title).transpose()?;
    let statement = "UPDATE todos SET title = coalesce($2, title), done = coalesce($3, done)
                     WHERE id = $1 RETURNING id, title, done";
    let row = tx
        .client()
        .query_opt(statement, &[&id, &title, &change.done])
        .await
        .map_err(db_failed)?;
    row.map(|row| Json(todo_of(&row)))
        .ok_or_else(|| not_found(id))
}

async fn remove(Path(id): Path<i64>, Inject(tx): Inject<Tx>) -> Result<StatusCode, ErrorResponse> {
    let statement = "DELETE FROM todos WHERE id = $1";
    let deleted = tx
        .client()
        .execute(statement, &[&id])
        .await
        .map_err(db_failed)?;
    if deleted == 0 {
        return Err(not_found(id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A row of TechEmpower's `world` table.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct World {
    /// Its id, 1 to 10,000.
    pub(crate) id: i32,
    /// Its number, 1 to 10,000.
    #[serde(rename = "randomNumber")]
    pub(crate) random_number: i32,
}

/// A random id of the `world` table, from a per-thread xorshift (no `rand` for one number).
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
        (x % WORLD_ROWS as u64) as i32 + 1
    })
}

async fn single_query(Inject(conn): Inject<Conn>) -> Result<Json<World>, ErrorResponse> {
    let statement = conn
        .0
        .prepare_cached("SELECT id, randomnumber FROM world WHERE id = $1")
        .await
        .map_err(db_failed)?;
    let row = conn
        .0
        .query_one(&statement, &[&random_world_id()])
        .await
        .map_err(db_failed)?;
    Ok(Json(World {
        id: row.get(0),
        random_number: row.get(1),
    }))
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped for HTML.
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

async fn fortunes(Inject(conn): Inject<Conn>) -> Result<Html<String>, ErrorResponse> {
    let statement = conn
        .0
        .prepare_cached("SELECT id, message FROM fortune")
        .await
        .map_err(db_failed)?;
    let rows = conn.0.query(&statement, &[]).await.map_err(db_failed)?;
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
    Ok(Html(html))
}

/// The app on `container` (see [`container`]).
pub(crate) fn app(container: Arc<Container>) -> App {
    App::new()
        .container(container)
        .get("/todos", list)
        .post("/todos", create)
        .post("/todos/batch", create_many)
        .get("/todos/{id}", show)
        .patch("/todos/{id}", change)
        .delete("/todos/{id}", remove)
        .get("/db", single_query)
        .get("/fortunes", fortunes)
}

struct Args {
    addr: String,
    database_url: String,
    pool_size: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:3000".to_owned(),
        database_url: std::env::var("DATABASE_URL").unwrap_or_default(),
        pool_size: 8,
    };
    let usage = "usage: todo_postgres --database-url URL [--addr HOST:PORT] [--pool-size N] \
                 (or DATABASE_URL in the environment)";
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => args.addr = value()?,
            "--database-url" => args.database_url = value()?,
            "--pool-size" => {
                let v = value()?;
                args.pool_size = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--pool-size takes a positive number, not `{v}`"))?;
            }
            "-h" | "--help" => return Err(usage.to_owned()),
            other => return Err(format!("unknown argument `{other}`; try --help")),
        }
    }
    if args.database_url.is_empty() {
        return Err(format!("no database given\n{usage}"));
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let args = match parse_args() {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let pool = match connect(&args.database_url, args.pool_size).await {
        Ok(pool) => pool,
        Err(err) => {
            eprintln!("error: cannot reach the database: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = prepare_schema(&pool).await {
        eprintln!("error: cannot prepare the tables: {err}");
        return ExitCode::FAILURE;
    }
    let container = match container(pool) {
        Ok(container) => container,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    // After the graceful drain, the server disposes the container's singletons: the pool closes.
    match Server::bind(args.addr.as_str()).run(app(container)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
