//! What the peer servers share: their command line and the JSON message.

use serde::Serialize;

/// The TechEmpower JSON body.
#[derive(Serialize)]
pub struct Message {
    /// Always "Hello, World!".
    pub message: &'static str,
}

/// `--addr ADDR` (default 127.0.0.1:3002) and `--workers N` (default 1).
pub fn args() -> (String, usize) {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let addr = flag("--addr").unwrap_or_else(|| "127.0.0.1:3002".to_owned());
    let workers = flag("--workers").map_or(1, |w| w.parse().expect("--workers takes a number"));
    (addr, workers)
}
