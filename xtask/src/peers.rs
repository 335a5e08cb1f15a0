//! `cargo xtask peers`: Pulya's example next to raw hyper, axum and actix-web, serving the same
//! endpoints with one worker each.
//!
//! Per server and endpoint:
//! - user-space instructions per request in the server process: callgrind totals after 2,000
//!   and after 12,000 requests (8 keep-alive connections, `benches/examples/load.rs`), the
//!   difference divided by 10,000, so start-up and shutdown cancel out;
//! - heap allocations per request: the same difference over dhat's block totals;
//! - wrk throughput: the server pinned to core 0 and wrk (1 thread, 8 connections) to core 1,
//!   `--rounds` interleaved rounds (default 5), the median.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use crate::args::Args;
use crate::bench_compare::workspace_root;
use crate::html::{Bar, Page, Tone};
use crate::paired::median;
use crate::process::{free_addr, need, stop, wait_listening};
use crate::reliability::{fail, parse_wrk};

pub(crate) const USAGE: &str =
    "usage: cargo xtask peers [--rounds N] [--secs S] [--no-wrk] [--html FILE]

  --rounds N   wrk rounds per server and endpoint, interleaved (default 5)
  --secs S     seconds per wrk round (default 5)
  --no-wrk     instruction and allocation counts only
  --html FILE  also write the table and its charts as a self-contained HTML page";

/// A server's binary: the workspace's own under its target directory (`CARGO_TARGET_DIR`
/// honoured), the peers' under `target/peers`, where they are always built.
fn server_binary(root: &std::path::Path, binary: &str) -> std::path::PathBuf {
    match binary.strip_prefix("target/release/") {
        Some(rest) => crate::bench_compare::target_dir(root)
            .join("release")
            .join(rest),
        None => root.join(binary),
    }
}

/// The servers: name, binary (relative to the workspace root), where it is built.
const SERVERS: [(&str, &str); 4] = [
    ("pulya", "target/release/examples/hello"),
    ("hyper", "target/release/examples/peer_hyper"),
    ("axum", "target/peers/release/axum_peer"),
    ("actix-web", "target/peers/release/actix_peer"),
];

const PATHS: [&str; 2] = ["/plaintext", "/json"];
const SMALL: u64 = 2_000;
const LARGE: u64 = 12_000;
const CONNECTIONS: u64 = 8;

struct Options {
    rounds: usize,
    secs: u64,
    wrk: bool,
    html: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        rounds: 5,
        secs: 5,
        wrk: true,
        html: None,
    };
    let mut args = Args::new(args);
    while let Some(arg) = args.next() {
        match arg.name {
            "--rounds" => {
                options.rounds = usize::try_from(args.positive(&arg)?).map_err(|e| e.to_string())?
            }
            "--secs" => options.secs = args.positive(&arg)?,
            "--html" => options.html = Some(PathBuf::from(args.value(&arg)?)),
            _ if arg.is_flag("--no-wrk") => options.wrk = false,
            _ => return Err(arg.unknown(USAGE)),
        }
    }
    Ok(options)
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    let options = match parse(args) {
        Ok(options) => options,
        Err(err) => return fail(&err),
    };
    match measure(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}

fn build(root: &Path) -> Result<(), String> {
    let steps: [(&[&str], Option<&str>); 2] = [
        (
            &[
                "build",
                "--release",
                "-p",
                "pulya",
                "--example",
                "hello",
                "-p",
                "pulya-benches",
                "--example",
                "peer_hyper",
                "--example",
                "load",
            ],
            None,
        ),
        (
            &[
                "build",
                "--release",
                "--manifest-path",
                "benches/peers/Cargo.toml",
            ],
            Some("target/peers"),
        ),
    ];
    for (args, target_dir) in steps {
        eprintln!("+ cargo {}", args.join(" "));
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(root).args(args).stdout(Stdio::null());
        if let Some(dir) = target_dir {
            cmd.env("CARGO_TARGET_DIR", root.join(dir));
        }
        let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("`cargo {}` failed ({status})", args.join(" ")));
        }
    }
    Ok(())
}

fn measure(options: &Options) -> Result<(), String> {
    need("valgrind", "--version", "valgrind")?;
    if options.wrk {
        need("wrk", "-v", "wrk")?;
        need("taskset", "-V", "util-linux")?;
    }
    let root = workspace_root();
    build(&root)?;
    let load = crate::bench_compare::target_dir(&root).join("release/examples/load");

    let mut rows = Vec::new();
    for path in PATHS {
        for (name, binary) in SERVERS {
            let binary = server_binary(&root, binary);
            let instructions = per_request(&binary, &load, path, Tool::Callgrind)?;
            let allocations = per_request(&binary, &load, path, Tool::Dhat)?;
            eprintln!(
                "{name} {path}: {instructions:.0} instructions, {allocations:.1} allocations per request"
            );
            rows.push(Row {
                path,
                server: name,
                instructions,
                allocations,
                throughput: Vec::new(),
            });
        }
    }
    if options.wrk {
        for round in 1..=options.rounds {
            for row in &mut rows {
                let binary = server_binary(
                    &root,
                    SERVERS.iter().find(|(n, _)| *n == row.server).unwrap().1,
                );
                let rps = throughput(&binary, row.path, options.secs)?;
                eprintln!(
                    "round {round}: {} {}: {rps:.0} requests/s",
                    row.server, row.path
                );
                row.throughput.push(rps);
            }
        }
    }
    print_table(&rows, options);
    if let Some(path) = &options.html {
        crate::html::write_report(path, &html(&rows, options))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

struct Row {
    path: &'static str,
    server: &'static str,
    instructions: f64,
    allocations: f64,
    throughput: Vec<f64>,
}

/// The table's columns, and its cells: one row per endpoint and server, ratios to raw hyper.
fn table(rows: &[Row], options: &Options) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = vec![
        "endpoint".to_owned(),
        "server".to_owned(),
        "instructions / request".to_owned(),
        "× hyper".to_owned(),
        "allocations / request".to_owned(),
        format!("wrk requests/s (median of {})", options.rounds),
        "× hyper".to_owned(),
    ];
    let cells = rows
        .iter()
        .map(|row| {
            let hyper = hyper_of(rows, row);
            let (rps, rps_ratio) = match (median(&row.throughput), median(&hyper.throughput)) {
                (Some(a), Some(b)) => (format!("{a:.0}"), format!("{:.2}×", a / b)),
                _ => ("–".to_owned(), "–".to_owned()),
            };
            vec![
                row.path.to_owned(),
                row.server.to_owned(),
                format!("{:.0}", row.instructions),
                format!("{:.2}×", row.instructions / hyper.instructions),
                format!("{:.1}", row.allocations),
                rps,
                rps_ratio,
            ]
        })
        .collect();
    (headers, cells)
}

/// Raw hyper's row for `row`'s endpoint.
fn hyper_of<'a>(rows: &'a [Row], row: &Row) -> &'a Row {
    rows.iter()
        .find(|r| r.path == row.path && r.server == "hyper")
        .expect("hyper is measured")
}

fn print_table(rows: &[Row], options: &Options) {
    let (headers, cells) = table(rows, options);
    println!("| {} |", headers.join(" | "));
    println!("|---|---|---:|---:|---:|---:|---:|");
    for row in cells {
        println!("| {} |", row.join(" | "));
    }
}

/// The table and a chart per figure: instructions, allocations, and wrk against hyper.
fn html(rows: &[Row], options: &Options) -> String {
    let mut page = Page::new("cargo xtask peers");
    page.paragraph(
        "Pulya's example next to raw hyper, axum and actix-web, one worker each, serving the \
         same endpoints. Instructions and allocations per request in the server process.",
    );
    let (headers, cells) = table(rows, options);
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    page.table(&headers, &cells);
    let chart = |figure: &dyn Fn(&Row) -> Option<f64>| -> Vec<Bar> {
        rows.iter()
            .filter_map(|row| {
                let value = figure(row)?;
                let hyper = figure(hyper_of(rows, row))?;
                // Pulya's bar says whether it beats raw hyper; the peers' are context.
                let tone = match row.server {
                    "pulya" if value <= hyper => Tone::Better,
                    "pulya" => Tone::Worse,
                    _ => Tone::Neutral,
                };
                Some(Bar {
                    label: format!("{} {}", row.server, row.path),
                    value,
                    tone,
                })
            })
            .collect()
    };
    page.heading("Instructions per request");
    page.bars(
        "user-space, server process",
        &chart(&|r| Some(r.instructions)),
        "",
    );
    page.heading("Heap allocations per request");
    page.bars("dhat's blocks", &chart(&|r| Some(r.allocations)), "");
    if options.wrk {
        page.heading("wrk throughput against raw hyper");
        // Higher is better here, so hyper's own ratio (1) is the line to beat.
        let ratios: Vec<Bar> = rows
            .iter()
            .filter_map(|row| {
                let ratio = median(&row.throughput)? / median(&hyper_of(rows, row).throughput)?;
                let tone = match row.server {
                    "pulya" if ratio >= 1.0 => Tone::Better,
                    "pulya" => Tone::Worse,
                    _ => Tone::Neutral,
                };
                Some(Bar {
                    label: format!("{} {}", row.server, row.path),
                    value: ratio,
                    tone,
                })
            })
            .collect();
        page.bars(
            "requests/s, median of the rounds, ÷ raw hyper's",
            &ratios,
            "×",
        );
    }
    page.finish()
}

#[derive(Clone, Copy)]
enum Tool {
    Callgrind,
    Dhat,
}

/// One run under valgrind: `requests` requests, then the tool's total (instructions, or heap
/// blocks allocated).
fn total(binary: &Path, load: &Path, path: &str, requests: u64, tool: Tool) -> Result<u64, String> {
    let addr = free_addr()?;
    let out = std::env::temp_dir().join(format!("pulya-peers-{}.out", std::process::id()));
    let log = std::env::temp_dir().join(format!("pulya-peers-{}.log", std::process::id()));
    let tool_args = match tool {
        Tool::Callgrind => vec![
            "--tool=callgrind".to_owned(),
            format!("--callgrind-out-file={}", out.display()),
        ],
        Tool::Dhat => vec![
            "--tool=dhat".to_owned(),
            format!("--dhat-out-file={}", out.display()),
        ],
    };
    let mut server = Command::new("valgrind")
        .args(&tool_args)
        .arg(format!("--log-file={}", log.display()))
        .arg(binary)
        .args(["--addr", &addr, "--workers", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start valgrind: {e}"))?;
    wait_listening(&addr, &mut server)?;
    let loaded = Command::new(load)
        .args([&addr, path, &requests.to_string(), &CONNECTIONS.to_string()])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run the load client: {e}"))?;
    stop(server)?;
    if !loaded.success() {
        return Err(format!(
            "the load client failed against {}",
            binary.display()
        ));
    }
    let value = match tool {
        Tool::Callgrind => {
            let text =
                std::fs::read_to_string(&out).map_err(|e| format!("no callgrind output: {e}"))?;
            text.lines()
                .find_map(|l| {
                    l.strip_prefix("summary: ")
                        .or_else(|| l.strip_prefix("totals: "))
                })
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        }
        Tool::Dhat => {
            // "==123== Total:     1,234 bytes in 56 blocks"
            let text = std::fs::read_to_string(&log).map_err(|e| format!("no dhat log: {e}"))?;
            text.lines().find_map(|l| {
                let rest = l.split_once("Total:")?.1;
                let blocks = rest.split_once(" in ")?.1.split_whitespace().next()?;
                blocks.replace(',', "").parse().ok()
            })
        }
    };
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&log);
    value.ok_or_else(|| format!("no total in the valgrind output for {}", binary.display()))
}

fn per_request(binary: &Path, load: &Path, path: &str, tool: Tool) -> Result<f64, String> {
    let small = total(binary, load, path, SMALL, tool)?;
    let large = total(binary, load, path, LARGE, tool)?;
    Ok(large.saturating_sub(small) as f64 / (LARGE - SMALL) as f64)
}

/// Requests per second by wrk, the server on core 0 and wrk on core 1.
fn throughput(binary: &PathBuf, path: &str, secs: u64) -> Result<f64, String> {
    let addr = free_addr()?;
    let mut server = Command::new("taskset")
        .args(["-c", "0"])
        .arg(binary)
        .args(["--addr", &addr, "--workers", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    wait_listening(&addr, &mut server)?;
    let out = Command::new("taskset")
        .args(["-c", "1", "wrk", "-t1", "-c8", &format!("-d{secs}s")])
        .arg(format!("http://{addr}{path}"))
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    stop(server)?;
    let report = parse_wrk(&String::from_utf8_lossy(&out.stdout))?;
    if report.socket_errors > 0 || report.non_2xx > 0 {
        return Err(format!(
            "wrk saw {} socket errors and {} non-2xx responses from {}",
            report.socket_errors,
            report.non_2xx,
            binary.display()
        ));
    }
    report
        .requests_per_sec
        .parse()
        .map_err(|_| format!("wrk's requests/s is {:?}", report.requests_per_sec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o = parse(&[
            "--rounds=3".into(),
            "--secs".into(),
            "2".into(),
            "--no-wrk".into(),
        ])
        .unwrap();
        assert_eq!((o.rounds, o.secs, o.wrk), (3, 2, false));
        assert!(parse(&["--fast".into()]).is_err());
        let o = parse(&["--html".into(), "peers.html".into()]).unwrap();
        assert_eq!(o.html, Some(PathBuf::from("peers.html")));
    }

    #[test]
    fn the_html_page_has_the_table_and_three_charts() {
        let row = |server, instructions, allocations, rps: f64| Row {
            path: "/plaintext",
            server,
            instructions,
            allocations,
            throughput: vec![rps, rps],
        };
        let rows = [
            row("pulya", 10_000.0, 5.0, 101.0),
            row("hyper", 9_000.0, 4.0, 100.0),
            row("axum", 13_000.0, 15.0, 97.0),
        ];
        let options = parse(&[]).unwrap();
        let page = html(&rows, &options);
        crate::html::tests::assert_well_nested(&page);
        assert_eq!(page.matches("<table>").count(), 1);
        assert_eq!(page.matches("<svg ").count(), 3);
        assert_eq!(page.matches("<rect ").count(), 9);
        assert!(page.contains("<td>/plaintext</td><td>pulya</td><td>10000</td><td>1.11×</td><td>5.0</td><td>101</td><td>1.01×</td>"));
        // Pulya: more instructions and allocations than hyper, more throughput.
        assert_eq!(page.matches("<rect class=\"worse\"").count(), 2);
        assert_eq!(page.matches("<rect class=\"better\"").count(), 1);
        let no_wrk = parse(&["--no-wrk".into()]).unwrap();
        assert_eq!(html(&rows, &no_wrk).matches("<svg ").count(), 2);
    }
}
