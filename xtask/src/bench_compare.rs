//! `cargo xtask bench-compare`: runs the benchmarks, saves or compares a baseline, prints one
//! markdown table and fails on a regression past the thresholds.
//!
//! Two kinds of figures:
//! - instruction counts (callgrind over the `route_lookups` driver, and the gungraun suite
//!   `benches/benches/icount.rs`: deterministic, the gate);
//! - criterion medians (wall time: noisy on shared machines, reported separately).
//!
//! Baselines are JSON files under `target/bench-compare/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub(crate) const USAGE: &str =
    "usage: cargo xtask bench-compare (--save NAME | --baseline=NAME) [options]

  --save NAME          run the benchmarks and save their figures as baseline NAME
  --baseline=NAME      run them and compare with baseline NAME
  --threshold PCT      instruction-count regression that fails (default 2)
  --wall-threshold PCT wall-time regression that fails (default 10)
  --only SUITE         routing, hot_paths (gungraun), headers, responses, app or middleware
                       (default: all)
  --no-wall            skip the criterion suites (instruction counts only)
  --features LIST      cargo features for the benchmark builds (e.g. pulya-routing/slow-lookup)";

/// The criterion suites (`benches/benches/<suite>.rs`) whose medians are compared.
const WALL_SUITES: [&str; 5] = ["routing", "headers", "responses", "app", "middleware"];

/// The route-lookup cases whose instructions are counted: router, set, extra flag.
const ROUTE_CASES: [(&str, &str, &str); 6] = [
    ("pulya", "github", "--params"),
    ("pulya", "static", ""),
    ("pulya", "parse", "--params"),
    ("pulya", "one_param", "--params"),
    ("pulya", "github_varied", "--params"),
    ("pulya_cache", "github", "--params"),
];

struct Options {
    save: Option<String>,
    baseline: Option<String>,
    threshold: f64,
    wall_threshold: f64,
    only: Option<String>,
    wall: bool,
    features: Option<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        save: None,
        baseline: None,
        threshold: 2.0,
        wall_threshold: 10.0,
        only: None,
        wall: true,
        features: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--save" => o.save = Some(value("--save")?),
            // `--baseline NAME` (with a space) is accepted too, unlike gungraun's pitfall.
            "--baseline" => o.baseline = Some(value("--baseline")?),
            "--threshold" => o.threshold = number(&value("--threshold")?)?,
            "--wall-threshold" => o.wall_threshold = number(&value("--wall-threshold")?)?,
            "--only" => o.only = Some(value("--only")?),
            "--features" => o.features = Some(value("--features")?),
            "--no-wall" => o.wall = false,
            other => match other.split_once('=') {
                Some(("--save", v)) => o.save = Some(v.to_owned()),
                Some(("--baseline", v)) => o.baseline = Some(v.to_owned()),
                Some(("--threshold", v)) => o.threshold = number(v)?,
                Some(("--wall-threshold", v)) => o.wall_threshold = number(v)?,
                Some(("--only", v)) => o.only = Some(v.to_owned()),
                Some(("--features", v)) => o.features = Some(v.to_owned()),
                _ => return Err(format!("unknown argument `{other}`")),
            },
        }
    }
    if o.save.is_some() == o.baseline.is_some() {
        return Err("give exactly one of --save NAME and --baseline=NAME".to_owned());
    }
    if let Some(only) = &o.only {
        if ![
            "routing",
            "hot_paths",
            "headers",
            "responses",
            "app",
            "middleware",
        ]
        .contains(&only.as_str())
        {
            return Err(format!(
                "unknown suite `{only}`: routing, hot_paths, headers, responses, app or middleware"
            ));
        }
    }
    Ok(o)
}

fn number(s: &str) -> Result<f64, String> {
    s.parse().map_err(|_| format!("`{s}` is not a number"))
}

/// Figures by name: `icount/<suite>/...` (instructions) and `wall/<suite>/...` (nanoseconds).
type Figures = BTreeMap<String, f64>;

/// The usage of `cargo xtask perf-gate`.
pub(crate) const PERF_GATE_USAGE: &str = "usage: cargo xtask perf-gate [--update]

  the route-lookup instruction counts against benches/baseline/perf-gate.json; more than 3 %
  more anywhere fails. --update rewrites the baseline (commit it on its own).";

pub(crate) fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse(args) {
        Ok(options) => options,
        Err(msg) => {
            eprintln!("{msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    let dir = target_dir(&root).join("bench-compare");
    // The baseline is read first: a missing or empty one is reported before minutes of measuring.
    let before = match &options.baseline {
        Some(name) => match read_figures(&dir.join(format!("{name}.json"))) {
            Ok(before) => Some(before),
            Err(err) => {
                eprintln!("error: cannot use baseline `{name}`: {err}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let figures = match measure(&root, &options) {
        Ok(figures) => figures,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(name) = &options.save {
        let path = dir.join(format!("{name}.json"));
        if let Err(err) = write_figures(&path, &figures) {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
        println!(
            "saved {} figures as baseline `{name}` ({})",
            figures.len(),
            path.display()
        );
        return ExitCode::SUCCESS;
    }
    let before = before.expect("either --save or --baseline");
    compare(&before, &figures, &options)
}

/// A baseline: a JSON map of figures by name, at least one.
fn read_figures(path: &Path) -> Result<Figures, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let figures: Figures = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a baseline: {e}", path.display()))?;
    if figures.is_empty() {
        return Err(format!("{} holds no figures", path.display()));
    }
    Ok(figures)
}

fn write_figures(path: &Path, figures: &Figures) -> Result<(), String> {
    let json = serde_json::to_string_pretty(figures).expect("numbers serialise") + "\n";
    let dir = path.parent().expect("a file in a directory");
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(path, json))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` when set (relative to the workspace
/// root when relative), else `target/` in the workspace.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn wants(options: &Options, suite: &str) -> bool {
    options.only.as_deref().is_none_or(|only| only == suite)
}

fn cargo(root: &Path, args: &[&str], features: Option<&str>) -> Result<(), String> {
    let mut cmd = Command::new(env!("CARGO"));
    // Criterion reports on stdout; ours carries only the table, so theirs goes to stderr.
    cmd.current_dir(root).args(args).stdout(std::io::stderr());
    if let Some(features) = features {
        cmd.args(["--features", features]);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn measure(root: &Path, options: &Options) -> Result<Figures, String> {
    let mut figures = Figures::new();
    let features = options.features.as_deref();
    if wants(options, "routing") {
        which("valgrind", "apt-get install -y valgrind")?;
        cargo(
            root,
            &[
                "build",
                "-q",
                "--release",
                "-p",
                "pulya-benches",
                "--example",
                "route_lookups",
            ],
            features,
        )?;
        let driver = target_dir(root).join("release/examples/route_lookups");
        for (router, set, flag) in ROUTE_CASES {
            let per_lookup = route_instructions(&driver, router, set, flag)?;
            let name = format!(
                "icount/routing/{router}/{set}{}",
                if flag.is_empty() { "" } else { "+params" }
            );
            eprintln!("{name}: {per_lookup:.0} instructions per lookup");
            figures.insert(name, per_lookup);
        }
    }
    if wants(options, "hot_paths") {
        for (name, instructions) in gungraun_counts(root, features)? {
            eprintln!("{name}: {instructions:.0} instructions");
            figures.insert(name, instructions);
        }
    }
    if options.wall {
        for suite in WALL_SUITES {
            if !wants(options, suite) {
                continue;
            }
            let criterion_dir = target_dir(root).join("criterion");
            let _ = std::fs::remove_dir_all(&criterion_dir);
            cargo(
                root,
                &[
                    "bench",
                    "-q",
                    "-p",
                    "pulya-benches",
                    "--bench",
                    suite,
                    "--",
                    "--warm-up-time",
                    "1",
                    "--measurement-time",
                    "2",
                ],
                features,
            )?;
            for (name, median) in criterion_medians(&criterion_dir)? {
                figures.insert(format!("wall/{suite}/{name}"), median);
            }
        }
    }
    Ok(figures)
}

/// The gungraun suite's instruction counts, read from its report: a line naming the benchmark
/// (`icount::hot_paths::json_encode sonic_rs_small:(…)`), then `Instructions: N|…`.
fn gungraun_counts(root: &Path, features: Option<&str>) -> Result<Vec<(String, f64)>, String> {
    which("valgrind", "apt-get install -y valgrind")?;
    install_gungraun_runner()?;
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root)
        .args(["bench", "-q", "-p", "pulya-benches", "--bench", "icount"]);
    if let Some(features) = features {
        cmd.args(["--features", features]);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    let report = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "the gungraun suite failed ({}):\n{report}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(parse_gungraun(&report))
}

fn parse_gungraun(report: &str) -> Vec<(String, f64)> {
    let mut counts = Vec::new();
    let mut current: Option<String> = None;
    for line in report.lines() {
        if let Some(rest) = line.strip_prefix("icount::") {
            // `hot_paths::json_encode sonic_rs_small:(args)` → `hot_paths/json_encode/sonic_rs_small`
            let name = rest
                .split(':')
                .filter(|p| !p.is_empty())
                .take(2)
                .collect::<Vec<_>>();
            let bench = name.get(1).copied().unwrap_or_default();
            let bench = bench.replace(' ', "/");
            current = Some(format!(
                "icount/{}/{bench}",
                name.first().copied().unwrap_or_default()
            ));
        } else if let (Some(name), Some(rest)) =
            (&current, line.trim_start().strip_prefix("Instructions:"))
        {
            let value = rest.split('|').next().unwrap_or_default().trim();
            if let Ok(value) = value.parse::<f64>() {
                counts.push((name.clone(), value));
            }
            current = None;
        }
    }
    counts
}

/// The version of gungraun's runner that matches the `gungraun` crate in benches/Cargo.toml.
pub(crate) const GUNGRAUN_RUNNER: &str = "0.18.2";

/// Installs gungraun's runner with `cargo install --locked` when it is not on the `PATH`.
pub(crate) fn install_gungraun_runner() -> Result<(), String> {
    if which("gungraun-runner", "").is_ok() {
        return Ok(());
    }
    eprintln!("+ cargo install --locked --version {GUNGRAUN_RUNNER} gungraun-runner");
    let status = Command::new(env!("CARGO"))
        .args([
            "install",
            "--locked",
            "--version",
            GUNGRAUN_RUNNER,
            "gungraun-runner",
        ])
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "installing gungraun-runner {GUNGRAUN_RUNNER} failed ({status})"
        ))
    }
}

fn which(tool: &str, install: &str) -> Result<(), String> {
    match Command::new(tool).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(format!("`{tool}` is missing; install it with `{install}`")),
    }
}

/// Instructions per lookup: callgrind totals at 10 and 110 rounds, the difference divided by
/// the extra lookups.
fn route_instructions(driver: &Path, router: &str, set: &str, flag: &str) -> Result<f64, String> {
    let paths = match set {
        "github_varied" => 2000.0,
        "one_param" => 1.0,
        _ => {
            let file = workspace_root().join(format!("benches/data/routes/{set}.txt"));
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            text.lines().filter(|l| !l.trim().is_empty()).count() as f64
        }
    };
    let total = |rounds: &str| -> Result<f64, String> {
        let mut cmd = Command::new("valgrind");
        cmd.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(driver)
            .args([router, set, rounds]);
        if !flag.is_empty() {
            cmd.arg(flag);
        }
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run valgrind: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        stderr
            .lines()
            .find_map(|l| {
                l.split_once("Collected : ")
                    .map(|(_, n)| n.trim().to_owned())
            })
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("callgrind printed no total for {router} {set}:\n{stderr}"))
    };
    Ok((total("110")? - total("10")?) / (100.0 * paths))
}

/// Median estimates of every benchmark under `dir` (criterion's `new/estimates.json`).
fn criterion_medians(dir: &Path) -> Result<Vec<(String, f64)>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.ends_with("new/estimates.json") {
                let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
                let json: serde_json::Value =
                    serde_json::from_str(&text).map_err(|e| e.to_string())?;
                let median = json["median"]["point_estimate"]
                    .as_f64()
                    .ok_or("no median in estimates.json")?;
                let bench = path
                    .parent()
                    .and_then(Path::parent)
                    .expect("…/<bench>/new/estimates.json");
                let name = bench
                    .strip_prefix(dir)
                    .unwrap_or(bench)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, median));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The suites a run of `options` measures, as the first two segments of their figures' names
/// (`icount/routing`, `wall/app`).
fn suites_measured(options: &Options) -> BTreeSet<String> {
    let mut suites = BTreeSet::new();
    for suite in ["routing", "hot_paths"] {
        if wants(options, suite) {
            suites.insert(format!("icount/{suite}"));
        }
    }
    if options.wall {
        for suite in WALL_SUITES {
            if wants(options, suite) {
                suites.insert(format!("wall/{suite}"));
            }
        }
    }
    suites
}

/// `icount/routing/pulya/static` → `icount/routing`.
fn suite_of(name: &str) -> &str {
    match name.match_indices('/').nth(1) {
        Some((i, _)) => &name[..i],
        None => name,
    }
}

fn compare(before: &Figures, after: &Figures, options: &Options) -> ExitCode {
    let (report, failed) = report(before, after, options, &suites_measured(options));
    print!("{report}");
    if failed {
        eprintln!(
            "\nregression past the threshold, or a benchmark missing (instructions {} %, wall time {} %)",
            options.threshold, options.wall_threshold
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The markdown tables of `after` against `before`, and whether anything fails: a change past
/// its threshold, or a benchmark of a suite that ran (`measured`) that is in the baseline and
/// not in this run.
fn report(
    before: &Figures,
    after: &Figures,
    options: &Options,
    measured: &BTreeSet<String>,
) -> (String, bool) {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut failed = false;
    for (kind, title, threshold) in [
        (
            "icount/",
            "Instruction counts (deterministic)",
            options.threshold,
        ),
        (
            "wall/",
            "Wall time, criterion medians (noisy on shared machines)",
            options.wall_threshold,
        ),
    ] {
        let names: BTreeSet<&String> = after
            .keys()
            .chain(
                before
                    .keys()
                    .filter(|name| measured.contains(suite_of(name))),
            )
            .filter(|name| name.starts_with(kind))
            .collect();
        if names.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "\n### {title}\n\n| benchmark | before | after | change | verdict |\n|---|---|---|---|---|\n"
        );
        for name in names {
            let short = name.trim_start_matches(kind);
            let row = match (before.get(name), after.get(name)) {
                (None, Some(now)) => format!("| {short} | — | {} | — | new |", show(kind, *now)),
                (Some(was), None) => {
                    failed = true;
                    format!("| {short} | {} | — | — | **missing** |", show(kind, *was))
                }
                (Some(was), Some(now)) => {
                    let change = (now - was) / was * 100.0;
                    let verdict = if change > threshold {
                        failed = true;
                        "**regression**"
                    } else if change < -threshold {
                        "improvement"
                    } else {
                        "unchanged"
                    };
                    format!(
                        "| {short} | {} | {} | {change:+.2} % | {verdict} |",
                        show(kind, *was),
                        show(kind, *now)
                    )
                }
                (None, None) => unreachable!("every name comes from one of the two"),
            };
            out.push_str(&row);
            out.push('\n');
        }
    }
    (out, failed)
}

fn show(kind: &str, value: f64) -> String {
    if kind == "icount/" {
        format!("{value:.0}")
    } else {
        format!("{value:.1} ns")
    }
}

/// `cargo xtask perf-gate [--update]`: the instruction counts against the committed baseline
/// `benches/baseline/perf-gate.json`; more than 3 % more instructions anywhere fails. `--update`
/// rewrites the baseline (commit it on its own, with the figures in the message).
pub(crate) fn perf_gate(args: &[String]) -> ExitCode {
    let update = match args {
        [] => false,
        [flag] if flag == "--update" => true,
        _ => {
            eprintln!("{PERF_GATE_USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    let options = Options {
        save: None,
        baseline: None,
        threshold: 3.0,
        wall_threshold: f64::INFINITY,
        only: Some("routing".to_owned()),
        wall: false,
        features: None,
    };
    let path = root.join("benches/baseline/perf-gate.json");
    let before = if update {
        None
    } else {
        match read_figures(&path) {
            Ok(before) => Some(before),
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        }
    };
    let figures = match measure(&root, &options) {
        Ok(figures) => figures,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::FAILURE;
        }
    };
    match before {
        Some(before) => compare(&before, &figures, &options),
        None => match write_figures(&path, &figures) {
            Ok(()) => {
                println!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{Figures, Options, parse, parse_gungraun, read_figures, report, suites_measured};

    fn figures(rows: &[(&str, f64)]) -> Figures {
        rows.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    fn options(args: &[&str]) -> Options {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        parse(&args).unwrap()
    }

    #[test]
    fn a_benchmark_gone_from_a_suite_that_ran_is_missing_and_fails() {
        let before = figures(&[
            ("icount/routing/pulya/static", 199.0),
            ("icount/routing/pulya/github+params", 721.0),
            ("wall/app/app/request/plaintext", 480.0),
        ]);
        let after = figures(&[("icount/routing/pulya/static", 199.0)]);
        let options = options(&["--baseline=b", "--only", "routing", "--no-wall"]);
        let (table, failed) = report(&before, &after, &options, &suites_measured(&options));
        assert!(failed);
        assert!(table.contains("| routing/pulya/github+params | 721 | — | — | **missing** |"));
        // The wall suite did not run: its figure is neither missing nor shown.
        assert!(!table.contains("plaintext"), "{table}");
    }

    #[test]
    fn new_unchanged_regressed_and_improved_rows() {
        let before = figures(&[
            ("icount/hot_paths/a", 100.0),
            ("icount/hot_paths/b", 100.0),
            ("icount/hot_paths/c", 100.0),
        ]);
        let after = figures(&[
            ("icount/hot_paths/a", 100.5),
            ("icount/hot_paths/b", 90.0),
            ("icount/hot_paths/c", 103.0),
            ("icount/hot_paths/d", 5.0),
        ]);
        let options = options(&["--baseline=b", "--no-wall"]);
        let (table, failed) = report(&before, &after, &options, &suites_measured(&options));
        assert!(failed, "c is 3 % over a threshold of 2 %");
        assert!(
            table.contains("| hot_paths/a | 100 | 100 | +0.50 % | unchanged |"),
            "{table}"
        );
        assert!(table.contains("| hot_paths/b | 100 | 90 | -10.00 % | improvement |"));
        assert!(table.contains("| hot_paths/c | 100 | 103 | +3.00 % | **regression** |"));
        assert!(table.contains("| hot_paths/d | — | 5 | — | new |"));

        let (_, failed) = report(
            &before,
            &figures(&[
                ("icount/hot_paths/a", 100.0),
                ("icount/hot_paths/b", 100.0),
                ("icount/hot_paths/c", 100.0),
            ]),
            &options,
            &suites_measured(&options),
        );
        assert!(!failed);
    }

    #[test]
    fn a_baseline_without_figures_is_refused() {
        let dir = std::env::temp_dir().join(format!("bench-compare-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.json");
        std::fs::write(&empty, "{}\n").unwrap();
        assert!(
            read_figures(&empty)
                .unwrap_err()
                .contains("holds no figures")
        );
        let garbled = dir.join("garbled.json");
        std::fs::write(&garbled, "[1, 2]").unwrap();
        assert!(
            read_figures(&garbled)
                .unwrap_err()
                .contains("is not a baseline")
        );
        assert!(
            read_figures(&dir.join("absent.json"))
                .unwrap_err()
                .contains("cannot read")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_gungraun_reports() {
        let report = "icount::hot_paths::route_lookup_github
  Instructions:                      119763|119763               (No change)
  L1 Hits:                           834677|834689               (-0.00144%) [-1.00001x]
icount::hot_paths::json_encode sonic_rs_small:(payload(JsonCodec :: SonicRs, 1))
  Instructions:                         423|N/A                  (*********)
";
        assert_eq!(
            parse_gungraun(report),
            vec![
                ("icount/hot_paths/route_lookup_github".to_owned(), 119_763.0),
                (
                    "icount/hot_paths/json_encode/sonic_rs_small".to_owned(),
                    423.0
                ),
            ]
        );
    }
}
