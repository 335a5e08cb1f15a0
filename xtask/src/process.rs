//! Starting and stopping the servers that `peers` and `soak` measure, and the tools they need.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Whether `tool` can be started at all (some print their version with a non-zero exit).
pub(crate) fn present(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// `Ok` when `tool` runs, else the message naming it and the Debian package to install.
pub(crate) fn need(tool: &str, arg: &str, package: &str) -> Result<(), String> {
    if present(tool, arg) {
        Ok(())
    } else {
        Err(format!(
            "`{tool}` is missing; install it with `apt-get install -y {package}`"
        ))
    }
}

/// A free port on 127.0.0.1.
pub(crate) fn free_addr() -> Result<String, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener
        .local_addr()
        .map_err(|e| e.to_string())?
        .to_string())
}

/// Waits until `addr` accepts connections (30 s at most), failing early if `server` exits.
pub(crate) fn wait_listening(addr: &str, server: &mut Child) -> Result<(), String> {
    for _ in 0..600 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = server.try_wait() {
            return Err(format!("the server exited before listening ({status})"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("the server did not listen on {addr} within 30 s"))
}

/// SIGINT, then waits (a server under valgrind writes its profile as it exits).
pub(crate) fn stop(mut server: Child) -> Result<(), String> {
    let _ = Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status();
    for _ in 0..600 {
        if server.try_wait().map_err(|e| e.to_string())?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = server.kill();
    Err("the server did not exit within 30 s of SIGINT".to_owned())
}
