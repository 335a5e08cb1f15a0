//! `cargo xtask fuzz` and `cargo xtask soak`: the reliability runs that are too long for CI.

use std::process::{Command, ExitCode, Stdio};

use crate::args::Args;
use crate::bench_compare::workspace_root;
use crate::process::{free_addr, need, present, stop, wait_listening};

/// The cargo-fuzz targets under `fuzz/`.
const FUZZ_TARGETS: [&str; 4] = ["router", "headers", "extract", "http"];

/// The cargo-fuzz release installed when it is missing.
const CARGO_FUZZ: &str = "0.13.2";

/// The usage of `cargo xtask fuzz`.
pub(crate) const FUZZ_USAGE: &str = "usage: cargo xtask fuzz [--secs N | --execs N] [--target NAME]

  every cargo-fuzz target (router, headers, extract, http), or those named, each for N seconds
  (default 60) or to N executions: executions, time and findings, as a table. Fails when a
  target finds a crash, naming the input it saved. Installs cargo-fuzz when it is missing.";

/// The usage of `cargo xtask soak`.
pub(crate) const SOAK_USAGE: &str = "usage: cargo xtask soak [--secs N] [--html FILE]

  the example server under wrk for N seconds (default 60): 192 connections held throughout and
  64 more renewed every minute, so that a per-connection leak shows. The server's resident
  memory is sampled every 10 s; the report gives requests, errors, p99 latency, and the memory's
  growth over the second half (after warm-up). Fails on any error or non-2xx response.
  --html FILE writes the samples as a chart.";

/// How long each fuzz target runs.
#[derive(Debug, PartialEq, Eq)]
enum Budget {
    Secs(u64),
    Execs(u64),
}

impl Budget {
    /// libFuzzer's flag for it.
    fn flag(&self) -> String {
        match self {
            Budget::Secs(n) => format!("-max_total_time={n}"),
            Budget::Execs(n) => format!("-runs={n}"),
        }
    }
}

fn fuzz_options(args: &[String]) -> Result<(Budget, Vec<&'static str>), String> {
    let mut budget = None;
    let mut targets = Vec::new();
    let mut args = Args::new(args);
    while let Some(arg) = args.next() {
        let chosen = match arg.name {
            "--secs" => Budget::Secs(args.positive(&arg)?),
            "--execs" => Budget::Execs(args.positive(&arg)?),
            "--target" => {
                let wanted = args.value(&arg)?;
                let target = FUZZ_TARGETS
                    .into_iter()
                    .find(|t| *t == wanted)
                    .ok_or(format!("no fuzz target `{wanted}`: {FUZZ_TARGETS:?}"))?;
                targets.push(target);
                continue;
            }
            _ => return Err(arg.unknown(FUZZ_USAGE)),
        };
        if budget.replace(chosen).is_some() {
            return Err("give one of --secs and --execs, once".to_owned());
        }
    }
    if targets.is_empty() {
        targets = FUZZ_TARGETS.to_vec();
    }
    Ok((budget.unwrap_or(Budget::Secs(60)), targets))
}

/// Runs the fuzz targets to their budget and prints executions, time and findings.
pub(crate) fn fuzz(args: &[String]) -> ExitCode {
    let (budget, targets) = match fuzz_options(args) {
        Ok(options) => options,
        Err(err) => return fail(&err),
    };
    if !present("cargo-fuzz", "--version") {
        eprintln!("+ cargo install --locked --version {CARGO_FUZZ} cargo-fuzz");
        let installed = Command::new(env!("CARGO"))
            .args(["install", "--locked", "--version", CARGO_FUZZ, "cargo-fuzz"])
            .status();
        if !matches!(installed, Ok(s) if s.success()) {
            return fail("installing cargo-fuzz failed");
        }
    }
    let dir = workspace_root().join("fuzz");
    let mut table =
        "| target | executions | seconds | findings |\n|---|---:|---:|---|\n".to_owned();
    let mut found = false;
    for target in targets {
        let flag = budget.flag();
        eprintln!("+ cargo fuzz run {target} corpus/{target} [seeds/{target}] -- {flag}");
        let started = std::time::Instant::now();
        // The corpus grows in `corpus/<target>` (not committed); `seeds/<target>`, when there
        // is one, holds the committed starting inputs.
        let corpus = format!("corpus/{target}");
        let _ = std::fs::create_dir_all(dir.join(&corpus));
        let seeds = format!("seeds/{target}");
        let mut cmd = Command::new("cargo");
        cmd.current_dir(&dir)
            // cargo-fuzz needs nightly flags; the stable toolchain accepts them with this.
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", target, &corpus]);
        if dir.join(&seeds).is_dir() {
            cmd.arg(&seeds);
        }
        // libFuzzer reports on stderr: into a log to follow with `tail -f` while it runs, read
        // back at the end for the counts.
        let log_path = dir.join(format!("target/{target}.log"));
        let status = std::fs::create_dir_all(dir.join("target"))
            .and_then(|()| std::fs::File::create(&log_path))
            .and_then(|log| {
                eprintln!("  libFuzzer's log: {}", log_path.display());
                cmd.args(["--", &flag])
                    .stdout(Stdio::inherit())
                    .stderr(log)
                    .status()
            });
        let status = match status {
            Ok(status) => status,
            Err(err) => return fail(&format!("cannot run cargo fuzz: {err}")),
        };
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let (runs, secs) = libfuzzer_summary(&log);
        // libFuzzer's own count of seconds excludes the build.
        let secs = secs.unwrap_or_else(|| started.elapsed().as_secs());
        let findings = if status.success() {
            "none".to_owned()
        } else {
            found = true;
            let artifact = log.lines().find_map(|l| {
                l.split_once("Test unit written to ")
                    .map(|(_, p)| p.to_owned())
            });
            format!(
                "failed ({status}): {}",
                artifact.unwrap_or_else(|| format!("see {}", log_path.display()))
            )
        };
        eprint!("{}", tail(&log, 15));
        let runs = runs.map_or_else(|| "?".to_owned(), |n| n.to_string());
        table.push_str(&format!("| {target} | {runs} | {secs} | {findings} |\n"));
    }
    print!("{table}");
    if found {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Executions and seconds from libFuzzer's log: it ends with "Done 123456 runs in 60
/// second(s)"; a crash ends it early, and then the last status line (`#123456 ...`) counts.
fn libfuzzer_summary(log: &str) -> (Option<u64>, Option<u64>) {
    let done = log.lines().rev().find_map(|l| {
        let mut words = l.strip_prefix("Done ")?.split_whitespace();
        let runs = words.next()?.parse().ok()?;
        let secs = words.nth(2).and_then(|w| w.parse().ok());
        Some((runs, secs))
    });
    match done {
        Some((runs, secs)) => (Some(runs), secs),
        None => {
            let runs = log.lines().rev().find_map(|l| {
                let (_, rest) = l.split_once('#')?;
                rest.split_whitespace().next()?.parse().ok()
            });
            (runs, None)
        }
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

/// Connections held for the whole soak, and connections renewed every `RENEW_SECS`.
const HELD: u32 = 192;
const RENEWED: u32 = 64;
const RENEW_SECS: u64 = 60;
/// Seconds between two samples of the server's resident memory.
const SAMPLE_SECS: u64 = 10;

/// `cargo xtask soak`: see `SOAK_USAGE`.
pub(crate) fn soak(args: &[String]) -> ExitCode {
    let (secs, html) = match soak_options(args) {
        Ok(options) => options,
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
    let result =
        wait_listening(&addr, &mut server).and_then(|()| soak_against(&addr, server.id(), secs));
    // A graceful stop, then its exit.
    let stopped = stop(server);
    let report = match result.and_then(|report| stopped.map(|()| report)) {
        Ok(report) => report,
        Err(err) => return fail(&err),
    };
    print!("{}", report.markdown());
    if let Some(path) = html {
        if let Err(err) = crate::html::write_report(&path, &report.html()) {
            return fail(&err);
        }
        eprintln!("wrote {}", path.display());
    }
    if report.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn soak_options(args: &[String]) -> Result<(u64, Option<std::path::PathBuf>), String> {
    let (mut secs, mut html) = (60, None);
    let mut args = Args::new(args);
    while let Some(arg) = args.next() {
        match arg.name {
            "--secs" => secs = args.positive(&arg)?,
            "--html" => html = Some(args.value(&arg)?.into()),
            _ => return Err(arg.unknown(SOAK_USAGE)),
        }
    }
    Ok((secs, html))
}

/// What a soak saw.
#[derive(Debug, Default)]
struct SoakReport {
    secs: u64,
    /// The held connections' wrk run.
    held: WrkReport,
    /// The renewed connections' runs, one per `RENEW_SECS`.
    renewed: Vec<WrkReport>,
    /// (seconds since the start, resident KiB), while the load runs.
    rss: Vec<(u64, u64)>,
    /// Resident KiB once the load has ended and its connections have closed.
    after: u64,
}

impl SoakReport {
    fn requests(&self) -> u64 {
        self.held.requests + self.renewed.iter().map(|r| r.requests).sum::<u64>()
    }

    fn errors(&self) -> (u64, u64) {
        let all = std::iter::once(&self.held).chain(&self.renewed);
        all.fold((0, 0), |(s, n), r| (s + r.socket_errors, n + r.non_2xx))
    }

    fn clean(&self) -> bool {
        self.errors() == (0, 0)
    }

    /// Resident memory at the sample nearest half-time and at the last one under load, in KiB.
    fn second_half(&self) -> Option<(u64, u64)> {
        let half = self.secs / 2;
        let mid = self.rss.iter().min_by_key(|(t, _)| t.abs_diff(half))?;
        Some((mid.1, self.rss.last()?.1))
    }

    fn markdown(&self) -> String {
        use std::fmt::Write as _;
        let (socket, non_2xx) = self.errors();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| seconds | requests | socket errors | non-2xx | p99 (held connections) | rounds of new connections | RSS at half-time | RSS at the end | growth over the second half | RSS after the load |"
        );
        let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        let (mid, end) = self.second_half().unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {socket} | {non_2xx} | {} | {} | {mid} KiB | {end} KiB | {:+} KiB | {} KiB |",
            self.secs,
            self.requests(),
            self.held.p99,
            self.renewed.len(),
            end as i64 - mid as i64,
            self.after,
        );
        let _ = writeln!(out, "\nresident memory, every {SAMPLE_SECS} s (s: KiB):");
        let samples: Vec<String> = self.rss.iter().map(|(t, k)| format!("{t}: {k}")).collect();
        let _ = writeln!(out, "{}", samples.join(", "));
        out
    }

    fn html(&self) -> String {
        let mut page = crate::html::Page::new("cargo xtask soak");
        let (socket, non_2xx) = self.errors();
        page.paragraph(&format!(
            "{} s against the example: {} requests, {socket} socket errors, {non_2xx} non-2xx, p99 {} \
             on the {HELD} held connections; {RENEWED} more renewed every {RENEW_SECS} s. Resident \
             memory once the load had ended: {} KiB.",
            self.secs,
            self.requests(),
            self.held.p99,
            self.after
        ));
        page.heading("Resident memory of the server");
        let half = self.secs / 2;
        let bars: Vec<crate::html::Bar> = self
            .rss
            .iter()
            .map(|(t, kib)| crate::html::Bar {
                label: format!("{t} s"),
                value: *kib as f64 / 1024.0,
                // The warm-up half grows to the working size; the second half should be flat.
                tone: if *t <= half {
                    crate::html::Tone::Neutral
                } else {
                    crate::html::Tone::Better
                },
            })
            .collect();
        page.bars(
            &format!("sampled every {SAMPLE_SECS} s; the second half (green) should stay flat"),
            &bars,
            "MiB",
        );
        page.finish()
    }
}

fn wrk(addr: &str, connections: u32, secs: u64) -> Result<std::process::Child, String> {
    Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{secs}s"),
            "--latency",
            &format!("http://{addr}/plaintext"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run wrk: {e}"))
}

fn wrk_report(child: std::process::Child) -> Result<WrkReport, String> {
    let out = child.wait_with_output().map_err(|e| format!("wrk: {e}"))?;
    parse_wrk(&String::from_utf8_lossy(&out.stdout))
}

/// `HELD` connections for `secs`, `RENEWED` more in rounds of `RENEW_SECS`, and a sample of the
/// server's memory every `SAMPLE_SECS`.
fn soak_against(addr: &str, pid: u32, secs: u64) -> Result<SoakReport, String> {
    let mut report = SoakReport {
        secs,
        ..SoakReport::default()
    };
    let rss = || rss_kib(pid).ok_or("cannot read the server's RSS (did it exit?)");
    report.rss.push((0, rss()?));
    eprintln!("+ wrk -t1 -c{HELD} -d{secs}s, and -c{RENEWED} in rounds of {RENEW_SECS} s");
    let held = wrk(addr, HELD, secs)?;
    let start = std::time::Instant::now();
    let mut round_end = 0;
    let mut renewing: Option<std::process::Child> = None;
    let mut next_sample = SAMPLE_SECS;
    loop {
        let elapsed = start.elapsed().as_secs();
        if elapsed >= round_end && round_end < secs {
            if let Some(child) = renewing.take() {
                report.renewed.push(wrk_report(child)?);
            }
            let length = RENEW_SECS.min(secs - round_end);
            renewing = Some(wrk(addr, RENEWED, length)?);
            round_end += length;
        }
        if elapsed >= next_sample {
            report.rss.push((next_sample, rss()?));
            eprintln!("{next_sample} s: {} KiB", report.rss.last().unwrap().1);
            next_sample += SAMPLE_SECS;
        }
        if elapsed >= secs {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    if let Some(child) = renewing.take() {
        report.renewed.push(wrk_report(child)?);
    }
    report.held = wrk_report(held)?;
    report.after = rss()?;
    Ok(report)
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
    }

    #[test]
    fn fuzz_options_and_libfuzzer_logs() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            fuzz_options(&args(&[])),
            Ok((Budget::Secs(60), FUZZ_TARGETS.to_vec()))
        );
        assert_eq!(
            fuzz_options(&args(&["--execs=10000000", "--target", "http"])),
            Ok((Budget::Execs(10_000_000), vec!["http"]))
        );
        assert_eq!(Budget::Execs(5).flag(), "-runs=5");
        assert_eq!(Budget::Secs(5).flag(), "-max_total_time=5");
        assert!(fuzz_options(&args(&["--secs", "5", "--execs", "5"])).is_err());
        assert!(fuzz_options(&args(&["--execs", "0"])).is_err());
        assert!(fuzz_options(&args(&["--target", "nothing"])).is_err());

        let done = "#1048576\tpulse  cov: 1 ft: 2 corp: 3 exec/s: 9000\nDone 10000000 runs in 1130 second(s)\n";
        assert_eq!(libfuzzer_summary(done), (Some(10_000_000), Some(1130)));
        let crashed =
            "#4096\tpulse  cov: 1\n#5012\tNEW    cov: 2\n==1== ERROR: libFuzzer: deadly signal\n";
        assert_eq!(libfuzzer_summary(crashed), (Some(5012), None));
    }

    #[test]
    fn soak_options_and_report() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(soak_options(&args(&[])), Ok((60, None)));
        assert_eq!(
            soak_options(&args(&["--secs=480", "--html", "soak.html"])),
            Ok((480, Some("soak.html".into())))
        );
        assert!(soak_options(&args(&["--secs", "0"])).is_err());
        assert!(soak_options(&args(&["--fast"])).is_err());

        let report = SoakReport {
            secs: 40,
            held: WrkReport {
                requests: 1000,
                p99: "2.00ms".into(),
                ..WrkReport::default()
            },
            renewed: vec![WrkReport {
                requests: 500,
                non_2xx: 1,
                ..WrkReport::default()
            }],
            rss: vec![
                (0, 4000),
                (10, 9000),
                (20, 10_000),
                (30, 10_100),
                (40, 10_200),
            ],
            after: 9_500,
        };
        assert!(!report.clean());
        assert_eq!(report.second_half(), Some((10_000, 10_200)));
        let table = report.markdown();
        assert!(
            table.contains(
                "| 40 | 1500 | 0 | 1 | 2.00ms | 1 | 10000 KiB | 10200 KiB | +200 KiB | 9500 KiB |"
            ),
            "{table}"
        );
        let page = report.html();
        crate::html::tests::assert_well_nested(&page);
        assert_eq!(page.matches("<rect ").count(), 5);
        assert_eq!(page.matches("class=\"better\"").count(), 2);
    }
}
