//! Project automation, run as `cargo xtask <command>`. It drives cargo and other tools as
//! processes and depends on none of the framework crates.

use std::process::{Command, ExitCode};

mod args;
mod bench_compare;
mod html;
mod paired;
mod peers;
mod process;
mod profile;
mod reliability;
mod report;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci              run .ci/run: fmt check, clippy with warnings denied, the tests, docs, the perf gate
  bench-compare   the benchmarks against a saved baseline or a git revision (paired wall time)
  perf-gate       instruction counts against benches/baseline/ (3 % fails); --update rewrites it
  peers           the example next to raw hyper, axum and actix-web: instructions, allocations, wrk
                  (--html FILE: the same as a page with charts)
  profile         a flamegraph (callgrind SVG) and a dhat heap profile of gungraun benchmarks
  fuzz            every cargo-fuzz target for --secs N or to --execs N each: executions, findings
  soak            wrk against the example for --secs N (default 60): errors, p99, memory every 10 s

  `cargo xtask <command> --help` gives a command's options.";

const CI_USAGE: &str = "usage: cargo xtask ci

  runs .ci/run, what CI runs: cargo fmt --check, clippy with warnings denied, the tests (also
  with the optional features), the docs and the instruction-count gate";

/// The usage of each command, for `cargo xtask <command> --help`.
fn usage(command: &str) -> Option<&'static str> {
    Some(match command {
        "ci" => CI_USAGE,
        "bench-compare" => bench_compare::USAGE,
        "perf-gate" => bench_compare::PERF_GATE_USAGE,
        "peers" => peers::USAGE,
        "profile" => profile::USAGE,
        "fuzz" => reliability::FUZZ_USAGE,
        "soak" => reliability::SOAK_USAGE,
        _ => return None,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let (Some(command), true) = (
        args.first(),
        args.iter().skip(1).any(|a| a == "--help" || a == "-h"),
    ) {
        if let Some(usage) = usage(command) {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
    }
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

/// Runs `.ci/run`, so that the local check and CI's are one script.
fn ci() -> ExitCode {
    let script = bench_compare::workspace_root().join(".ci/run");
    eprintln!("+ {}", script.display());
    match Command::new(&script).status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("{} failed ({status})", script.display());
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("could not run {}: {err}", script.display());
            ExitCode::FAILURE
        }
    }
}
