//! Project automation, run as `cargo xtask <command>`. It drives cargo and other tools as
//! processes and depends on none of the framework crates.

use std::process::{Command, ExitCode};

mod bench_compare;
mod peers;
mod process;
mod profile;
mod reliability;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci              run what .ci/run runs: fmt check, clippy with warnings denied, the workspace tests, docs
  bench-compare   run the benchmarks, save or compare a baseline (--help for its options)
  perf-gate       instruction counts against benches/baseline/ (3 % fails); --update rewrites it
  peers           the example next to raw hyper, axum and actix-web: instructions, allocations, wrk
  profile         a flamegraph (callgrind SVG) and a dhat heap profile of gungraun benchmarks
  fuzz            every cargo-fuzz target for --secs N each (default 60): executions and findings
  soak            wrk, 256 connections, against the example for --secs N (default 60): errors, p99, RSS";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench-compare") => bench_compare::run(&args[1..]),
        Some("perf-gate") => bench_compare::perf_gate(&args[1..]),
        Some("peers") => peers::run(&args[1..]),
        Some("profile") => profile::run(&args[1..]),
        Some("fuzz") => reliability::fuzz(&args[1..]),
        Some("soak") => reliability::soak(&args[1..]),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn ci() -> ExitCode {
    let steps: [&[&str]; 4] = [
        &["fmt", "--all", "--check"],
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &["test", "--workspace"],
        &["doc", "--workspace", "--no-deps"],
    ];
    for step in steps {
        eprintln!("+ cargo {}", step.join(" "));
        let mut cmd = Command::new(env!("CARGO"));
        if step[0] == "doc" {
            // Broken links and bad examples fail, as in .ci/run.
            cmd.env("RUSTDOCFLAGS", "-D warnings");
        }
        match cmd.args(step).status() {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!("`cargo {}` failed ({status})", step.join(" "));
                return ExitCode::FAILURE;
            }
            Err(err) => {
                eprintln!("could not run cargo: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
