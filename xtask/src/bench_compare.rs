//! `cargo xtask bench-compare`: runs the benchmarks, saves or compares a baseline, builds the
//! comparison's sections (shown by `report.rs`: markdown, `--html`, `--summary`) and fails on a
//! regression past the thresholds.
//!
//! Two kinds of figures:
//! - instruction counts (callgrind over the `route_lookups` driver, and the gungraun suite
//!   `benches/benches/icount.rs`): deterministic, so a saved baseline compares well;
//! - criterion medians (wall time). Two runs made at different times differ by more than most
//!   changes on a shared machine, so `--against=REV` runs the two versions alternately in one
//!   session instead (`paired.rs`); `--baseline=NAME` still compares them, as a rough guide.
//!
//! Baselines are JSON files under `target/bench-compare/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::args::Args;
use crate::paired::{self, Change};
use crate::report::{Row, Section, Verdict, failed, html, markdown, summary};

pub(crate) const USAGE: &str =
    "usage: cargo xtask bench-compare (--save NAME | --baseline=NAME | --against=REV) [options]

  --save NAME          run the benchmarks and save their figures as baseline NAME
  --baseline=NAME      run them and compare with baseline NAME
  --against=REV        build git revision REV in a worktree (target/bench-compare/against, built
                       into target/bench-compare/against-target) and compare with it in this
                       run: instruction counts one after the other, wall time paired (each
                       benchmark of the two versions' criterion binaries alternately, the
                       change as the median of per-pair ratios with its 95 % sign-test interval;
                       each pair's figures in target/bench-compare/paired)
  --pairs N            pairs of runs for --against (default 10); a benchmark whose interval
                       is still wider than the wall threshold (and not wholly past it) gets
                       more, up to three times N
  --threshold PCT      instruction-count regression that fails (default 2)
  --wall-threshold PCT wall-time regression that fails (default 5 with --against, 10 without);
                       paired, the interval must also lie wholly above no change
  --only SUITE         routing, hot_paths (gungraun), headers, responses, app or middleware
                       (default: all)
  --no-wall            skip the criterion suites (instruction counts only)
  --wall-only          skip the instruction counts (wall time only)
  --features LIST      cargo features for this tree's benchmark builds (with --against, not for
                       REV's), e.g. pulya-routing/slow-lookup
  --html FILE          also write the comparison as a self-contained HTML page with charts
  --summary FILE       also write the tables with a Mermaid bar chart of the changes under each,
                       as markdown for a CI job summary (GitHub renders Mermaid, not inline SVG)";

/// The criterion suites (`benches/benches/<suite>.rs`) whose medians are compared.
const WALL_SUITES: [&str; 5] = ["routing", "headers", "responses", "app", "middleware"];

/// The instruction-count suites.
const ICOUNT_SUITES: [&str; 2] = ["routing", "hot_paths"];

/// The route-lookup cases whose instructions are counted: router, set, extra flag.
const ROUTE_CASES: [(&str, &str, &str); 6] = [
    ("pulya", "github", "--params"),
    ("pulya", "static", ""),
    ("pulya", "parse", "--params"),
    ("pulya", "one_param", "--params"),
    ("pulya", "github_varied", "--params"),
    ("pulya_cache", "github", "--params"),
];

/// What to compare with.
#[derive(Clone, Debug)]
enum Mode {
    Save(String),
    Baseline(String),
    Against(String),
}

#[derive(Clone, Debug)]
struct Options {
    mode: Mode,
    pairs: usize,
    threshold: f64,
    wall_threshold: f64,
    only: Option<String>,
    icount: bool,
    wall: bool,
    features: Option<String>,
    html: Option<PathBuf>,
    summary: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut modes = Vec::new();
    let mut pairs = 10;
    let mut threshold = 2.0;
    let mut wall_threshold = None;
    let mut only = None;
    let mut features = None;
    let (mut html, mut summary) = (None, None);
    let (mut no_wall, mut wall_only) = (false, false);
    let mut args = Args::new(args);
    while let Some(arg) = args.next() {
        match arg.name {
            "--save" => modes.push(Mode::Save(args.value(&arg)?)),
            "--baseline" => modes.push(Mode::Baseline(args.value(&arg)?)),
            "--against" => modes.push(Mode::Against(args.value(&arg)?)),
            "--pairs" => {
                pairs = usize::try_from(args.positive(&arg)?).map_err(|e| e.to_string())?
            }
            "--threshold" => threshold = number(&args.value(&arg)?)?,
            "--wall-threshold" => wall_threshold = Some(number(&args.value(&arg)?)?),
            "--only" => only = Some(args.value(&arg)?),
            "--features" => features = Some(args.value(&arg)?),
            "--html" => html = Some(PathBuf::from(args.value(&arg)?)),
            "--summary" => summary = Some(PathBuf::from(args.value(&arg)?)),
            _ if arg.is_flag("--no-wall") => no_wall = true,
            _ if arg.is_flag("--wall-only") => wall_only = true,
            _ => return Err(arg.unknown(USAGE)),
        }
    }
    let mode = match (modes.pop(), modes.is_empty()) {
        (Some(mode), true) => mode,
        _ => {
            return Err(
                "give exactly one of --save NAME, --baseline=NAME and --against=REV".to_owned(),
            );
        }
    };
    if (html.is_some() || summary.is_some()) && matches!(mode, Mode::Save(_)) {
        return Err(
            "--html and --summary show a comparison: give them with --baseline or --against"
                .to_owned(),
        );
    }
    if no_wall && wall_only {
        return Err("--no-wall and --wall-only leave nothing to measure".to_owned());
    }
    if let Some(only) = &only {
        let known = ICOUNT_SUITES.iter().chain(&WALL_SUITES);
        if !known.clone().any(|s| s == only) {
            return Err(format!(
                "unknown suite `{only}`: routing, hot_paths, headers, responses, app or middleware"
            ));
        }
    }
    let paired = matches!(mode, Mode::Against(_));
    Ok(Options {
        mode,
        pairs,
        threshold,
        wall_threshold: wall_threshold.unwrap_or(if paired { 5.0 } else { 10.0 }),
        only,
        icount: !wall_only,
        wall: !no_wall,
        features,
        html,
        summary,
    })
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
    let options = match parse(args) {
        Ok(options) => options,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    let target = target_dir(&root);
    let dir = target.join("bench-compare");
    let result = match &options.mode {
        Mode::Save(name) => save(&root, &target, &dir.join(format!("{name}.json")), &options),
        Mode::Baseline(name) => with_baseline(&root, &target, &dir, name, &options),
        Mode::Against(rev) => against(&root, &target, &dir, rev, &options),
    };
    let sections = match result {
        Ok(Some(sections)) => sections,
        Ok(None) => return ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::FAILURE;
        }
    };
    conclude(&sections, &options)
}

/// Prints the tables, writes the HTML page when asked, and fails on a regression or a
/// benchmark gone missing.
fn conclude(sections: &[Section], options: &Options) -> ExitCode {
    print!("{}", markdown(sections));
    if let Some(path) = &options.html {
        let page = html(sections, &describe(options));
        if let Err(err) = crate::html::write_report(path, &page) {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &options.summary {
        if let Err(err) = crate::html::write_report(path, &summary(sections)) {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {}", path.display());
    }
    if failed(sections) {
        eprintln!(
            "\nregression past the threshold, or a benchmark missing (instructions {} %, wall time {} %)",
            options.threshold, options.wall_threshold
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The comparison in words, for the HTML page.
fn describe(options: &Options) -> String {
    let against = match &options.mode {
        Mode::Save(name) | Mode::Baseline(name) => format!("baseline `{name}`"),
        Mode::Against(rev) => format!("revision `{rev}`, wall time in {} pairs", options.pairs),
    };
    format!(
        "This tree against {against}; thresholds: instructions {} %, wall time {} %{}.",
        options.threshold,
        options.wall_threshold,
        options
            .features
            .as_deref()
            .map(|f| format!("; features {f}"))
            .unwrap_or_default()
    )
}

fn save(
    root: &Path,
    target: &Path,
    path: &Path,
    options: &Options,
) -> Result<Option<Vec<Section>>, String> {
    let figures = measure(root, target, options, options.features.as_deref())?;
    write_figures(path, &figures)?;
    println!(
        "saved {} figures as baseline {}",
        figures.len(),
        path.display()
    );
    Ok(None)
}

fn with_baseline(
    root: &Path,
    target: &Path,
    dir: &Path,
    name: &str,
    options: &Options,
) -> Result<Option<Vec<Section>>, String> {
    // Read first: a missing or empty baseline is reported before minutes of measuring.
    let before = read_figures(&dir.join(format!("{name}.json")))
        .map_err(|err| format!("cannot use baseline `{name}`: {err}"))?;
    let after = measure(root, target, options, options.features.as_deref())?;
    Ok(Some(unpaired_sections(&before, &after, options)))
}

/// `--against=REV`: REV's instruction counts, then this tree's; then the paired wall time.
fn against(
    root: &Path,
    target: &Path,
    dir: &Path,
    rev: &str,
    options: &Options,
) -> Result<Option<Vec<Section>>, String> {
    let tree = dir.join("against");
    let commit = paired::worktree(root, rev, &tree)?;
    // A target of its own: cargo names a workspace member's artifacts by its path inside the
    // workspace, so both trees' crates would share files in one target, and a tree whose
    // sources are older than the other's last build would be taken as built already.
    let old_target = dir.join("against-target");
    eprintln!(
        "comparing with {rev} ({commit}), checked out in {}, built in {}",
        tree.display(),
        old_target.display()
    );
    let mut sections = Vec::new();
    if options.icount {
        let counts = Options {
            wall: false,
            ..options.clone()
        };
        let before = measure(&tree, &old_target, &counts, None)?;
        let after = measure(root, target, &counts, options.features.as_deref())?;
        sections.extend(unpaired_sections(&before, &after, &counts));
    }
    if options.wall {
        let suites: Vec<&str> = WALL_SUITES
            .into_iter()
            .filter(|suite| wants(options, suite))
            .collect();
        if !suites.is_empty() {
            let bins = dir.join("paired");
            let old = paired::build_suites(&tree, &old_target, &suites, None, &bins.join("old"))?;
            let new = paired::build_suites(
                root,
                target,
                &suites,
                options.features.as_deref(),
                &bins.join("new"),
            )?;
            if old.iter().zip(&new).all(|((_, a), (_, b))| same_file(a, b)) {
                eprintln!(
                    "note: both versions' benchmark binaries are the same bytes: the change does \
                     not reach the benchmarked code"
                );
            }
            let run = paired::run_pairs(
                &old,
                &new,
                options.pairs,
                options.wall_threshold,
                &bins.join("criterion"),
            )?;
            // Each pair's (old, new) medians, for a second look at a verdict.
            let raw = bins.join("pairs.json");
            let json = serde_json::to_string_pretty(&run.pairs).expect("numbers serialise");
            std::fs::write(&raw, json).map_err(|e| format!("{}: {e}", raw.display()))?;
            eprintln!("each pair's medians: {}", raw.display());
            sections.push(paired_section(&run, options.wall_threshold, options.pairs));
        }
    }
    Ok(Some(sections))
}

/// Whether two files hold the same bytes (false when either cannot be read).
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((std::fs::read(a), std::fs::read(b)), (Ok(a), Ok(b)) if a == b)
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

/// Runs cargo in the workspace at `root`, building into `target`.
fn cargo(root: &Path, target: &Path, args: &[&str], features: Option<&str>) -> Result<(), String> {
    let mut cmd = Command::new(env!("CARGO"));
    // Criterion reports on stdout; ours carries only the table, so theirs goes to stderr.
    cmd.current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .args(args)
        .stdout(std::io::stderr());
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

/// The figures of the workspace at `root` (built into `target` with `features`) that `options`
/// asks for.
fn measure(
    root: &Path,
    target: &Path,
    options: &Options,
    features: Option<&str>,
) -> Result<Figures, String> {
    let mut figures = Figures::new();
    if options.icount && wants(options, "routing") {
        which("valgrind", "apt-get install -y valgrind")?;
        cargo(
            root,
            target,
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
        let driver = target.join("release/examples/route_lookups");
        for (router, set, flag) in ROUTE_CASES {
            let per_lookup = route_instructions(root, &driver, router, set, flag)?;
            let name = format!(
                "icount/routing/{router}/{set}{}",
                if flag.is_empty() { "" } else { "+params" }
            );
            eprintln!("{name}: {per_lookup:.0} instructions per lookup");
            figures.insert(name, per_lookup);
        }
    }
    if options.icount && wants(options, "hot_paths") {
        for (name, instructions) in gungraun_counts(root, target, features)? {
            eprintln!("{name}: {instructions:.0} instructions");
            figures.insert(name, instructions);
        }
    }
    if options.wall {
        for suite in WALL_SUITES {
            if !wants(options, suite) {
                continue;
            }
            let criterion_dir = target.join("criterion");
            let _ = std::fs::remove_dir_all(&criterion_dir);
            cargo(
                root,
                target,
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
            for (id, median) in criterion_medians(&criterion_dir)? {
                figures.insert(wall_name(suite, &id), median);
            }
        }
    }
    Ok(figures)
}

/// The gungraun suite's instruction counts, read from its report: a line naming the benchmark
/// (`icount::hot_paths::json_encode sonic_rs_small:(…)`), then `Instructions: N|…`.
fn gungraun_counts(
    root: &Path,
    target: &Path,
    features: Option<&str>,
) -> Result<Vec<(String, f64)>, String> {
    which("valgrind", "apt-get install -y valgrind")?;
    install_gungraun_runner()?;
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root).env("CARGO_TARGET_DIR", target).args([
        "bench",
        "-q",
        "-p",
        "pulya-benches",
        "--bench",
        "icount",
    ]);
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
fn route_instructions(
    root: &Path,
    driver: &Path,
    router: &str,
    set: &str,
    flag: &str,
) -> Result<f64, String> {
    let paths = match set {
        "github_varied" => 2000.0,
        "one_param" => 1.0,
        _ => {
            let file = root.join(format!("benches/data/routes/{set}.txt"));
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

/// A criterion benchmark's figure name: `wall/<suite>/<id>`, without the suite a second time
/// when the id starts with it (`routing/github/pulya` of suite `routing` is
/// `wall/routing/github/pulya`).
pub(crate) fn wall_name(suite: &str, id: &str) -> String {
    let id = id
        .strip_prefix(suite)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(id);
    format!("wall/{suite}/{id}")
}

/// The median of every benchmark under criterion's folder `dir` (`<bench>/new/estimates.json`),
/// named by criterion's id (`routing/github/pulya`, from `new/benchmark.json`).
pub(crate) fn criterion_medians(dir: &Path) -> Result<Vec<(String, f64)>, String> {
    let read = |path: &Path| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
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
                let median = read(&path)?["median"]["point_estimate"]
                    .as_f64()
                    .ok_or_else(|| format!("no median in {}", path.display()))?;
                let id = read(&path.with_file_name("benchmark.json"))?["full_id"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("no id beside {}", path.display()))?;
                out.push((id, median));
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
    for suite in ICOUNT_SUITES {
        if options.icount && wants(options, suite) {
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

/// `after` against `before`, a section per kind of figure. A benchmark of a suite that ran that
/// is in the baseline and not in this run is missing.
fn unpaired_sections(before: &Figures, after: &Figures, options: &Options) -> Vec<Section> {
    let measured = suites_measured(options);
    let mut sections = Vec::new();
    for (kind, title, threshold) in [
        (
            "icount/",
            "Instruction counts (deterministic)",
            options.threshold,
        ),
        (
            "wall/",
            "Wall time, criterion medians of two runs (noisy on shared machines)",
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
        let rows = names
            .into_iter()
            .map(|name| {
                let (was, now) = (before.get(name).copied(), after.get(name).copied());
                let change = was.zip(now).map(|(was, now)| (now - was) / was * 100.0);
                let verdict = match (was, change) {
                    (None, _) => Verdict::New,
                    (Some(_), None) => Verdict::Missing,
                    (Some(_), Some(change)) => Verdict::of(change, threshold),
                };
                Row {
                    name: name.trim_start_matches(kind).to_owned(),
                    before: was,
                    after: now,
                    change,
                    interval: None,
                    pairs: None,
                    verdict,
                }
            })
            .collect();
        sections.push(Section {
            title: title.to_owned(),
            instructions: kind == "icount/",
            rows,
        });
    }
    sections
}

/// The paired wall-time table: a row per benchmark run by both versions, a missing row for one
/// that only the old ran, a new row for one that only the new ran.
fn paired_section(run: &paired::PairedRun, threshold: f64, count: usize) -> Section {
    let mut rows: Vec<Row> = run
        .pairs
        .iter()
        .map(|(name, pairs)| {
            let change = Change::of(pairs);
            let pct = |ratio: f64| (ratio - 1.0) * 100.0;
            Row {
                name: name.trim_start_matches("wall/").to_owned(),
                before: Some(change.old),
                after: Some(change.new),
                change: Some(pct(change.ratio)),
                interval: Some((pct(change.low), pct(change.high))),
                pairs: Some(pairs.len()),
                verdict: Verdict::paired(&change, threshold),
            }
        })
        .collect();
    for (names, verdict) in [
        (&run.only_old, Verdict::Missing),
        (&run.only_new, Verdict::New),
    ] {
        rows.extend(names.iter().map(|name| Row {
            name: name.trim_start_matches("wall/").to_owned(),
            before: None,
            after: None,
            change: None,
            interval: None,
            pairs: None,
            verdict,
        }));
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Section {
        title: format!(
            "Wall time, paired: median of the per-pair ratios ({count} pairs, more where the 95 % \
             interval stayed wider than {threshold} % without lying wholly past it)"
        ),
        instructions: false,
        rows,
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
    let target = target_dir(&root);
    let options = Options {
        mode: Mode::Baseline("benches/baseline/perf-gate.json".to_owned()),
        pairs: 0,
        threshold: 3.0,
        wall_threshold: f64::INFINITY,
        only: Some("routing".to_owned()),
        icount: true,
        wall: false,
        features: None,
        html: None,
        summary: None,
    };
    let path = root.join("benches/baseline/perf-gate.json");
    let result = if update {
        measure(&root, &target, &options, None)
            .and_then(|figures| write_figures(&path, &figures))
            .map(|()| {
                println!("wrote {}", path.display());
                None
            })
    } else {
        read_figures(&path).and_then(|before| {
            let after = measure(&root, &target, &options, None)?;
            Ok(Some(unpaired_sections(&before, &after, &options)))
        })
    };
    match result {
        Ok(Some(sections)) => conclude(&sections, &options),
        Ok(None) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{
        Figures, Options, Section, Verdict, failed, html, markdown, paired_section, parse,
        parse_gungraun, read_figures, summary, unpaired_sections,
    };

    /// The markdown of `after` against `before`, and whether it fails.
    fn report(before: &Figures, after: &Figures, options: &Options) -> (String, bool) {
        let sections: Vec<Section> = unpaired_sections(before, after, options);
        (markdown(&sections), failed(&sections))
    }

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
        let (table, failed) = report(&before, &after, &options);
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
        let (table, failed) = report(&before, &after, &options);
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
        );
        assert!(!failed);
    }

    #[test]
    fn one_mode_and_consistent_options() {
        let parse =
            |args: &[&str]| parse(&args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>());
        assert!(parse(&[]).unwrap_err().contains("exactly one"));
        assert!(parse(&["--save=a", "--against=HEAD"]).is_err());
        assert!(parse(&["--against=HEAD", "--no-wall", "--wall-only"]).is_err());
        assert!(parse(&["--against", "HEAD", "--pairs", "0"]).is_err());
        assert!(parse(&["--baseline=b", "--only", "nothing"]).is_err());
        assert!(parse(&["--baseline=b", "--no-wall=yes"]).is_err());
        // Paired wall time is precise enough for 5 %; two runs apart are not.
        let paired = parse(&["--against", "HEAD~1", "--wall-only", "--pairs=4"]).unwrap();
        assert_eq!(
            (
                paired.wall_threshold,
                paired.pairs,
                paired.icount,
                paired.wall
            ),
            (5.0, 4, false, true)
        );
        assert_eq!(parse(&["--baseline", "b"]).unwrap().wall_threshold, 10.0);
        assert!(parse(&["--save=a", "--html", "r.html"]).is_err());
        assert!(parse(&["--save=a", "--summary", "s.md"]).is_err());
        let html = parse(&["--baseline=a", "--html", "out/r.html"])
            .unwrap()
            .html;
        assert_eq!(html.as_deref(), Some(std::path::Path::new("out/r.html")));
    }

    #[test]
    fn paired_rows_regressed_unchanged_missing_new() {
        let mut pairs = super::paired::Pairs::new();
        pairs.insert(
            "wall/routing/github/pulya".to_owned(),
            (0..6)
                .map(|i| (100.0 + f64::from(i), (100.0 + f64::from(i)) * 1.2))
                .collect(),
        );
        pairs.insert(
            "wall/routing/github/matchit".to_owned(),
            vec![(50.0, 50.5), (60.0, 59.0), (55.0, 55.2), (52.0, 51.9)],
        );
        let run = super::paired::PairedRun {
            pairs,
            only_old: vec!["wall/routing/gone".to_owned()],
            only_new: vec!["wall/routing/added".to_owned()],
        };
        let section = paired_section(&run, 5.0, 6);
        let verdicts: Vec<(&str, Verdict)> = section
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("routing/added", Verdict::New),
                ("routing/github/matchit", Verdict::Unchanged),
                ("routing/github/pulya", Verdict::Regression),
                ("routing/gone", Verdict::Missing),
            ]
        );
        let sections = [section];
        assert!(failed(&sections));
        let table = markdown(&sections);
        assert!(
            table.contains(
                "| benchmark | before | after | change | 95 % interval | pairs | verdict |"
            )
        );
        assert!(
            table.contains("| routing/github/pulya | 102.5 ns | 123.0 ns | +20.00 % | +20.00 … +20.00 % | 6 | **regression** |"),
            "{table}"
        );
        assert!(table.contains("| routing/gone | — | — | — | — | — | **missing** |"));
    }

    #[test]
    fn the_html_page_holds_every_table_and_a_chart_of_changes() {
        let before = figures(&[("icount/hot_paths/a", 100.0), ("icount/hot_paths/b", 100.0)]);
        let after = figures(&[("icount/hot_paths/a", 110.0), ("icount/hot_paths/b", 95.0)]);
        let options = options(&["--baseline=b", "--no-wall"]);
        let mut sections = unpaired_sections(&before, &after, &options);
        let mut pairs = super::paired::Pairs::new();
        pairs.insert("wall/app/x".to_owned(), vec![(10.0, 10.0); 3]);
        let run = super::paired::PairedRun {
            pairs,
            ..Default::default()
        };
        sections.push(paired_section(&run, 5.0, 3));
        let page = html(&sections, "a <test> run");
        crate::html::tests::assert_well_nested(&page);
        assert_eq!(page.matches("<table>").count(), 2);
        assert_eq!(page.matches("<svg ").count(), 2);
        // A bar per row with a change, coloured by its verdict.
        assert_eq!(page.matches("<rect ").count(), 3);
        assert!(page.contains("<rect class=\"worse\""));
        assert!(page.contains("<rect class=\"better\""));
        assert!(page.contains("<td>hot_paths/a</td><td>100</td><td>110</td><td>+10.00 %</td><td>—</td><td>—</td><td>regression</td>"));
        assert!(page.contains("a &lt;test&gt; run"));

        // The job summary: the same tables, a Mermaid chart under each.
        let summary = summary(&sections);
        assert_eq!(summary.matches("| benchmark |").count(), 2);
        assert_eq!(
            summary
                .matches("```mermaid\nxychart-beta horizontal")
                .count(),
            2
        );
        assert!(
            summary.contains("x-axis [\"hot_paths/a\", \"hot_paths/b\"]"),
            "{summary}"
        );
        assert!(
            summary.contains("y-axis \"change (%)\" -6 --> 11"),
            "{summary}"
        );
        assert!(summary.contains("bar [10.00, -5.00]"), "{summary}");
        assert!(summary.contains("title \"Wall time: change per benchmark"));
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
    fn wall_names_say_the_suite_once() {
        assert_eq!(
            super::wall_name("routing", "routing/github/pulya"),
            "wall/routing/github/pulya"
        );
        assert_eq!(
            super::wall_name("app", "request/json"),
            "wall/app/request/json"
        );
        assert_eq!(
            super::wall_name("app", "application/x"),
            "wall/app/application/x"
        );
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
