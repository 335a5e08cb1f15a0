//! `cargo xtask fuzz` and `cargo xtask soak`: the reliability runs that are too long for CI.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use crate::bench_compare::workspace_root;
use crate::process::{free_addr, need, present, stop, wait_listening};

/// The cargo-fuzz targets under `fuzz/`.
const FUZZ_TARGETS: [&str; 3] = ["router", "headers", "extract"];

/// `--secs N` from `args`, else `default`.
/// The usage of `cargo xtask fuzz`.
pub(crate) const FUZZ_USAGE: &str = "usage: cargo xtask fuzz [--secs N]

  every cargo-fuzz target for N seconds each (default 60): executions and findings, as a table";

/// The usage of `cargo xtask soak`.
pub(crate) const SOAK_USAGE: &str = "usage: cargo xtask soak [--secs N]

  wrk with 256 connections against the example server for N seconds (default 60): requests,
  errors, p99 latency and the server's resident memory";

fn secs(args: &[String], default: u64) -> Result<u64, String> {
    match args {
        [] => Ok(default),
        [flag, n] if flag == "--secs" => n
            .parse()
            .map_err(|_| format!("--secs wants a number, not {n:?}")),
        [arg] if arg.starts_with("--secs=") => {
            let n = &arg["--secs=".len()..];
            n.parse()
                .map_err(|_| format!("--secs wants a number, not {n:?}"))
        }
        _ => Err(format!(
            "unexpected arguments {args:?}; the only option is --secs N"
        )),
    }
}

/// Runs every fuzz target for `--secs N` (default 60) each and prints executions and findings.
pub(crate) fn fuzz(args: &[String]) -> ExitCode {
    let secs = match secs(args, 60) {
        Ok(secs) => secs,
        Err(err) => return fail(&err),
    };
    if !present("cargo-fuzz", "--version") {
        return fail("cargo-fuzz is missing; install it with `cargo install cargo-fuzz --locked`");
    }
    let dir = workspace_root().join("fuzz");
    println!("| target | seconds | executions | findings |\n|---|---:|---:|---|");
    let mut found = false;
    for target in FUZZ_TARGETS {
        eprintln!("+ cargo fuzz run {target} -- -max_total_time={secs}");
        let out = Command::new("cargo")
            .current_dir(&dir)
            // cargo-fuzz needs nightly flags; the stable toolchain accepts them with this.
            .env("RUSTC_BOOTSTRAP", "1")
            .args([
                "fuzz",
                "run",
                target,
                "--",
                &format!("-max_total_time={secs}"),
            ])
            .stdout(Stdio::inherit())
            .output();
        let out = match out {
            Ok(out) => out,
            Err(err) => return fail(&format!("cannot run cargo fuzz: {err}")),
        };
        let log = String::from_utf8_lossy(&out.stderr);
        // libFuzzer ends with "Done 123456 runs in 60 second(s)"; a crash ends it early.
        let runs = log
            .lines()
            .rev()
            .find_map(|l| {
                l.strip_prefix("Done ")?
                    .split_whitespace()
                    .next()
                    .map(str::to_owned)
            })
            .or_else(|| {
                log.lines().rev().find_map(|l| {
                    let (_, rest) = l.split_once('#')?;
                    rest.split_whitespace().next().map(str::to_owned)
                })
            })
            .unwrap_or_else(|| "?".into());
        let findings = if out.status.success() {
            "none".to_owned()
        } else {
            found = true;
            let artifact = log.lines().find_map(|l| {
                l.split_once("Test unit written to ")
                    .map(|(_, p)| p.to_owned())
            });
            format!(
                "failed ({}): {}",
                out.status,
                artifact.unwrap_or_else(|| "see the log above".into())
            )
        };
        eprint!("{}", tail(&log, 15));
        println!("| {target} | {secs} | {runs} | {findings} |");
    }
    if found {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let mut out = all[all.len().saturating_sub(lines)..].join("\n");
    out.push('\n');
    out
}

pub(crate) fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// The resident set size of process `pid`, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What wrk printed, read back: wrk exits 0 even when requests fail.
#[derive(Debug, Default)]
pub(crate) struct WrkReport {
    pub(crate) requests: u64,
    pub(crate) socket_errors: u64,
    pub(crate) non_2xx: u64,
    pub(crate) p99: String,
    pub(crate) requests_per_sec: String,
}

pub(crate) fn parse_wrk(out: &str) -> Result<WrkReport, String> {
    let mut report = WrkReport::default();
    let mut seen_requests = false;
    for line in out.lines().map(str::trim) {
        if let Some((n, _)) = line.split_once(" requests in ") {
            report.requests = n
                .trim()
                .parse()
                .map_err(|_| format!("bad wrk line {line:?}"))?;
            seen_requests = true;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            for part in rest.split(',') {
                let n = part
                    .split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse::<u64>().ok());
                report.socket_errors += n.ok_or_else(|| format!("bad wrk line {line:?}"))?;
            }
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            report.non_2xx = rest
                .trim()
                .parse()
                .map_err(|_| format!("bad wrk line {line:?}"))?;
        } else if let Some(rest) = line.strip_prefix("99%") {
            report.p99 = rest.trim().to_owned();
        } else if let Some(rest) = line.strip_prefix("Requests/sec:") {
            report.requests_per_sec = rest.trim().to_owned();
        }
    }
    if seen_requests {
        Ok(report)
    } else {
        Err(format!("wrk printed no request count:\n{out}"))
    }
}

/// Runs wrk with 256 connections against the example app for `--secs N` (default 60) and
/// reports requests, socket errors, non-2xx responses, p99 latency and the server's RSS before
/// and after. Fails on any error or non-2xx response.
pub(crate) fn soak(args: &[String]) -> ExitCode {
    let secs = match secs(args, 60) {
        Ok(secs) => secs,
        Err(err) => return fail(&err),
    };
    if let Err(err) = need("wrk", "-v", "wrk") {
        return fail(&err);
    }
    let root = workspace_root();
    eprintln!("+ cargo build --release -p pulya --example hello");
    let built = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "--release", "-p", "pulya", "--example", "hello"])
        .status();
    if !matches!(built, Ok(s) if s.success()) {
        return fail("building the example failed");
    }
    let addr = match free_addr() {
        Ok(addr) => addr,
        Err(err) => return fail(&format!("no free port: {err}")),
    };
    let mut server =
        match Command::new(crate::bench_compare::target_dir(&root).join("release/examples/hello"))
            .args(["--addr", &addr])
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(err) => return fail(&format!("cannot start the example: {err}")),
        };
    let result = wait_listening(&addr, &mut server)
        .and_then(|()| soak_against(&addr, server.id(), secs, &root));
    // A graceful stop, then its exit.
    let stopped = stop(server);
    let result = result.and_then(|clean| stopped.map(|()| clean));
    match result {
        Ok(clean) if clean => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(err) => fail(&err),
    }
}

fn soak_against(addr: &str, pid: u32, secs: u64, root: &Path) -> Result<bool, String> {
    let rss_idle = rss_kib(pid).ok_or("cannot read the server's RSS")?;
    // Two halves: the first brings the 256 connections' buffers to their working size, so RSS
    // growth over the second half is what a leak would show.
    println!(
        "| round | seconds | requests | requests/s | socket errors | non-2xx | p99 | RSS before | RSS after |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let half = (secs / 2).max(1);
    let mut clean = true;
    let mut rss_before = rss_idle;
    for round in ["warm-up", "soak"] {
        eprintln!("+ wrk -t2 -c256 -d{half}s --latency http://{addr}/plaintext");
        let out = Command::new("wrk")
            .current_dir(root)
            .args([
                "-t2",
                "-c256",
                &format!("-d{half}s"),
                "--latency",
                &format!("http://{addr}/plaintext"),
            ])
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        eprintln!("{text}");
        let report = parse_wrk(&text)?;
        let rss_after = rss_kib(pid).ok_or("cannot read the server's RSS (did it exit?)")?;
        println!(
            "| {round} | {half} | {} | {} | {} | {} | {} | {rss_before} KiB | {rss_after} KiB |",
            report.requests,
            report.requests_per_sec,
            report.socket_errors,
            report.non_2xx,
            report.p99
        );
        clean &= report.socket_errors == 0 && report.non_2xx == 0;
        rss_before = rss_after;
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output_including_failures() {
        let out = "Running 1s test @ http://127.0.0.1:3000/plaintext
  2 threads and 256 connections
  Latency Distribution
     50%    1.20ms
     99%    5.31ms
  123456 requests in 1.00s, 15.00MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec: 123000.12
Transfer/sec:     15.00MB
";
        let r = parse_wrk(out).unwrap();
        assert_eq!(r.requests, 123_456);
        assert_eq!(r.socket_errors, 6);
        assert_eq!(r.non_2xx, 7);
        assert_eq!(r.p99, "5.31ms");
        assert_eq!(r.requests_per_sec, "123000.12");
        assert!(parse_wrk("garbage").is_err());
        assert_eq!(secs(&["--secs".into(), "5".into()], 60), Ok(5));
        assert_eq!(secs(&["--secs=7".into()], 60), Ok(7));
        assert_eq!(secs(&[], 60), Ok(60));
        assert!(secs(&["--fast".into()], 60).is_err());
    }
}
