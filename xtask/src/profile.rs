//! `cargo xtask profile <filter>`: a flamegraph and a heap profile of benchmarks of the gungraun
//! suite (`benches/benches/icount.rs`), written under `target/gungraun/`.
//!
//! The flamegraph comes from callgrind (an SVG per benchmark): `perf` counts hardware events only
//! on some of the machines this project runs on, callgrind everywhere. The heap profile is
//! dhat's, for `dh_view.html` from valgrind's distribution.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::bench_compare::workspace_root;
use crate::process::present;
use crate::reliability::fail;

pub(crate) const USAGE: &str = "usage: cargo xtask profile <filter>

  <filter>  a gungraun wildcard over FILE::GROUP::FUNCTION::ID, e.g. '*json_encode*' or
            'icount::hot_paths::request_in_process::*'; `cargo bench -p pulya-benches --bench
            icount -- --list` lists them";

pub(crate) fn run(args: &[String]) -> ExitCode {
    let [filter] = args else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if !present("valgrind", "--version") {
        return fail("valgrind is missing; install it with `apt-get install -y valgrind`");
    }
    if let Err(err) = crate::bench_compare::install_gungraun_runner() {
        return fail(&err);
    }
    let root = workspace_root();
    let started = std::time::SystemTime::now();
    eprintln!(
        "+ PULYA_PROFILE=1 cargo bench -p pulya-benches --bench icount -- --tools=dhat {filter}"
    );
    let status = Command::new(env!("CARGO"))
        .current_dir(&root)
        .env("PULYA_PROFILE", "1")
        .args([
            "bench",
            "-p",
            "pulya-benches",
            "--bench",
            "icount",
            "--",
            "--tools=dhat",
            filter,
        ])
        // The suite's report goes to stderr; stdout carries only the list of files.
        .stdout(std::io::stderr())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        return fail("the gungraun suite failed");
    }
    let mut written = Vec::new();
    collect(
        &crate::bench_compare::target_dir(&root).join("gungraun"),
        started,
        &mut written,
    );
    written.sort();
    if written.is_empty() {
        return fail(&format!("nothing matched `{filter}` (see --list)"));
    }
    println!(
        "Written (flamegraphs: *.svg; callgrind profiles: callgrind_annotate <file>; dhat: dh_view.html):"
    );
    for path in written {
        println!("  {}", path.strip_prefix(&root).unwrap_or(&path).display());
    }
    ExitCode::SUCCESS
}

/// The profiles written since `since`: flamegraphs, callgrind and dhat outputs.
fn collect(dir: &Path, since: std::time::SystemTime, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, since, out);
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let profile = name.ends_with(".svg")
            || (name.starts_with("callgrind.") && name.ends_with(".out"))
            || (name.starts_with("dhat.") && name.ends_with(".out"));
        let fresh = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified >= since);
        if profile && fresh {
            out.push(path);
        }
    }
}
