//! What the tests that start a server of their own (PostgreSQL, Redis) share.

/// A free loopback port, for a server that the test starts.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The server `started`, or `None` after saying loudly why `name` could not be started: then
/// the test passes without it, except under `CI=true`, where that is a failure.
pub(crate) fn started_or_skip<T>(name: &str, started: Result<T, String>) -> Option<T> {
    match started {
        Ok(server) => Some(server),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{name} could not be started under CI=true: {why}")
        }
        Err(why) => {
            eprintln!("\n*** SKIPPED: the {name} test could not start a server: {why} ***\n");
            None
        }
    }
}
