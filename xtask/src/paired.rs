//! Paired wall time for `bench-compare --against=REV`: the criterion binaries of revision REV
//! (built in a git worktree) and of this tree run alternately in one session, one benchmark at
//! a time, and each benchmark's change is the median of its per-pair ratios, with a
//! distribution-free confidence interval (two order statistics of the ratios).
//!
//! Two runs made minutes apart compare two states of a shared machine as much as two versions
//! of the code. A pair's halves run within a second of each other, so what drifts (other load,
//! frequency, cache contention) drifts for both, and the ratio keeps the code's part. Pairs
//! alternate their order (old first, then new first) so that a trend within a pair cancels too;
//! each half is a process of its own, run from a fresh copy of its binary, so the pairs also
//! sample the memory layouts a process may get, physical pages included.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Criterion settings of one run: short, since the pairs, not one run, carry the precision.
const CRITERION_ARGS: [&str; 10] = [
    "--warm-up-time",
    "0.1",
    "--measurement-time",
    "0.3",
    "--sample-size",
    "10",
    "--nresamples",
    "1000",
    "--noplot",
    "--quiet",
];

/// How many times the minimum of pairs a benchmark may get while its interval stays wide. A
/// benchmark whose time varies from one process to the next (by where its memory lands) needs
/// more pairs for the same certainty; the others stop at the minimum.
const EXTENSION: usize = 3;

/// Whether `pairs` pin the change down: its 95 % interval no wider than `threshold` per cent,
/// or wholly past it on one side (a slowdown or a speed-up so clear that more pairs would not
/// turn the verdict).
fn settled(pairs: &[(f64, f64)], threshold: f64) -> bool {
    let change = Change::of(pairs);
    let t = threshold / 100.0;
    change.high - change.low <= t || change.low > 1.0 + t || change.high < 1.0 - t
}

/// One benchmark's pairs: (old, new) medians in nanoseconds, one per pair.
pub(crate) type Pairs = BTreeMap<String, Vec<(f64, f64)>>;

/// A checkout of `rev` under `dir`, reused while it is at that commit. Returns the commit.
pub(crate) fn worktree(root: &Path, rev: &str, dir: &Path) -> Result<String, String> {
    let commit = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| format!("`{rev}` is not a revision of this repository"))?;
    // A worktree has a `.git` file; without one, git would answer for the repository around
    // `dir` (it lies in the ignored target directory).
    let checked_out = dir.join(".git").is_file()
        && git(dir, &["rev-parse", "HEAD"]).is_ok_and(|head| head == commit);
    if checked_out {
        return Ok(commit);
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    // A worktree whose folder went with `cargo clean` is still registered until pruned.
    git(root, &["worktree", "prune"])?;
    eprintln!("+ git worktree add --detach {} {commit}", dir.display());
    git(
        root,
        &[
            "worktree",
            "add",
            "--detach",
            &dir.to_string_lossy(),
            &commit,
        ],
    )?;
    Ok(commit)
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Builds the criterion `suites` of the workspace at `tree` into `target` and copies each
/// binary to `dest/<suite>`, so that the next build cannot replace it. `features` as for cargo.
pub(crate) fn build_suites(
    tree: &Path,
    target: &Path,
    suites: &[&str],
    features: Option<&str>,
    dest: &Path,
) -> Result<Vec<(String, PathBuf)>, String> {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(tree)
        .env("CARGO_TARGET_DIR", target)
        .args(["bench", "--no-run", "-q", "-p", "pulya-benches"])
        .args(["--message-format", "json-render-diagnostics"]);
    for suite in suites {
        cmd.args(["--bench", suite]);
    }
    if let Some(features) = features {
        cmd.args(["--features", features]);
    }
    eprintln!("+ (in {}) cargo bench --no-run {suites:?}", tree.display());
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building the benchmarks in {} failed ({})",
            tree.display(),
            out.status
        ));
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let mut built = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let name = message["target"]["name"].as_str().unwrap_or_default();
        if let (Some(exe), true) = (message["executable"].as_str(), suites.contains(&name)) {
            let copy = dest.join(name);
            std::fs::copy(exe, &copy).map_err(|e| format!("cannot copy {exe}: {e}"))?;
            built.push((name.to_owned(), copy));
        }
    }
    for suite in suites {
        if !built.iter().any(|(name, _)| name == suite) {
            return Err(format!(
                "cargo built no benchmark `{suite}` in {}",
                tree.display()
            ));
        }
    }
    Ok(built)
}

/// What a paired run measured.
#[derive(Debug, Default)]
pub(crate) struct PairedRun {
    /// Benchmarks both versions have, by name (`bench_compare::wall_name`).
    pub(crate) pairs: Pairs,
    /// Benchmarks only the old version has: gone from the new one.
    pub(crate) only_old: Vec<String>,
    /// Benchmarks only the new version has.
    pub(crate) only_new: Vec<String>,
}

/// Runs each benchmark of `old` and `new` (binaries by suite, in the same order) alternately,
/// `pairs` times; then, up to `EXTENSION` times as many, those not yet `settled` at
/// `threshold` per cent. `scratch` holds criterion's files of the run in progress.
pub(crate) fn run_pairs(
    old: &[(String, PathBuf)],
    new: &[(String, PathBuf)],
    pairs: usize,
    threshold: f64,
    scratch: &Path,
) -> Result<PairedRun, String> {
    let mut run = PairedRun::default();
    // (name, criterion id, old binary, new binary) of each benchmark both have.
    let mut common = Vec::new();
    for ((suite, old_bin), (_, new_bin)) in old.iter().zip(new) {
        let (old_ids, new_ids) = (list(old_bin)?, list(new_bin)?);
        for id in &old_ids {
            let name = crate::bench_compare::wall_name(suite, id);
            if new_ids.contains(id) {
                common.push((name, id.clone(), old_bin, new_bin));
            } else {
                run.only_old.push(name);
            }
        }
        let only_new = new_ids.iter().filter(|id| !old_ids.contains(id));
        run.only_new
            .extend(only_new.map(|id| crate::bench_compare::wall_name(suite, id)));
    }
    let copies = copies_dir(scratch);
    let measured = measure_pairs(&common, &mut run, pairs, threshold, scratch, &copies);
    let _ = std::fs::remove_dir_all(&copies);
    measured.map(|()| run)
}

/// The pairs of [`run_pairs`], into `run`.
fn measure_pairs(
    common: &[(String, String, &PathBuf, &PathBuf)],
    run: &mut PairedRun,
    pairs: usize,
    threshold: f64,
    scratch: &Path,
    copies: &Path,
) -> Result<(), String> {
    for pair in 0..pairs * EXTENSION {
        let due: Vec<_> = common
            .iter()
            .filter(|(name, ..)| pair < pairs || !settled(&run.pairs[name], threshold))
            .collect();
        if due.is_empty() {
            break;
        }
        eprintln!("pair {}: {} benchmarks", pair + 1, due.len());
        for (name, id, old_bin, new_bin) in due {
            // ABBA: old first in even pairs, new first in odd ones.
            let (old_time, new_time) = if pair % 2 == 0 {
                let old_time = criterion_run(old_bin, id, scratch, copies)?;
                (old_time, criterion_run(new_bin, id, scratch, copies)?)
            } else {
                let new_time = criterion_run(new_bin, id, scratch, copies)?;
                (criterion_run(old_bin, id, scratch, copies)?, new_time)
            };
            run.pairs
                .entry(name.clone())
                .or_default()
                .push((old_time, new_time));
        }
    }
    Ok(())
}

/// The ids of the benchmarks in `binary` (criterion's `--list`: `<id>: benchmark` lines).
fn list(binary: &Path) -> Result<Vec<String>, String> {
    let out = Command::new(binary)
        .args(["--bench", "--list"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} --list failed ({})",
            binary.display(),
            out.status
        ));
    }
    Ok(parse_list(&String::from_utf8_lossy(&out.stdout)))
}

fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_suffix(": benchmark"))
        .map(str::to_owned)
        .collect()
}

/// Where the runs' copies of the binaries go: in `/dev/shm` where there is one, so that no copy
/// is written back to disk, else beside `scratch`.
fn copies_dir(scratch: &Path) -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.join(format!("pulya-bench-compare-{}", std::process::id()))
    } else {
        scratch.with_extension("copies")
    }
}

/// A copy of `binary` made anew in `copies` for one run, at a path as long as the other
/// version's (`<copies>/old/<suite>` or `<copies>/new/<suite>`).
///
/// Two files of the same bytes still run at different speeds: each keeps the physical pages the
/// page cache gave it for as long as it stays cached, and those pages decide which of its code
/// and constants share a set in the physically indexed caches. One copy per version for the whole
/// session made that one draw for all its pairs: a binary against a byte-identical build of
/// itself (the same `.text`, `.rodata` and `.data.rel.ro`) came out 5.5 % and 6 % faster on one
/// benchmark in two runs of six, with pairs that agreed. A fresh copy per run makes the pages a
/// draw per pair, which the pairs average out like the rest of the noise.
fn fresh_copy(binary: &Path, copies: &Path) -> Result<PathBuf, String> {
    let version = binary
        .parent()
        .and_then(Path::file_name)
        .unwrap_or_default();
    let dir = copies.join(version);
    let copy = dir.join(binary.file_name().unwrap_or_default());
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Removed first, so that the copy gets new pages rather than the old file's, rewritten.
    let _ = std::fs::remove_file(&copy);
    std::fs::copy(binary, &copy).map_err(|e| format!("cannot copy {}: {e}", binary.display()))?;
    Ok(copy)
}

/// One short criterion run of benchmark `id` of `binary`, from a fresh copy of it in `copies`:
/// its median in nanoseconds.
fn criterion_run(binary: &Path, id: &str, scratch: &Path, copies: &Path) -> Result<f64, String> {
    let _ = std::fs::remove_dir_all(scratch);
    let copy = fresh_copy(binary, copies)?;
    // Criterion's progress goes to stderr: kept, and shown only when the run fails.
    let out = Command::new(&copy)
        .args(["--bench", "--exact", id])
        .args(CRITERION_ARGS)
        .env("CRITERION_HOME", scratch)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {id} failed ({}):\n{}",
            binary.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    match crate::bench_compare::criterion_medians(scratch)?.as_slice() {
        [(ran, median)] if ran == id => Ok(*median),
        other => Err(format!(
            "{} --exact {id} ran {:?}",
            binary.display(),
            other.iter().map(|(ran, _)| ran).collect::<Vec<_>>()
        )),
    }
}

/// A benchmark's change, from its pairs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    /// Median of the old medians, in nanoseconds.
    pub(crate) old: f64,
    /// Median of the new medians, in nanoseconds.
    pub(crate) new: f64,
    /// Median of the per-pair ratios new / old.
    pub(crate) ratio: f64,
    /// 95 % interval of that median ([`median_interval`]).
    pub(crate) low: f64,
    pub(crate) high: f64,
}

impl Change {
    /// The change from one benchmark's (old, new) pairs.
    /// `pairs` holds one pair at least.
    pub(crate) fn of(pairs: &[(f64, f64)]) -> Change {
        let ratios: Vec<f64> = pairs.iter().map(|(old, new)| new / old).collect();
        let (low, high) = median_interval(&ratios);
        let olds: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let news: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        Change {
            old: median(&olds).expect("one pair at least"),
            new: median(&news).expect("one pair at least"),
            ratio: median(&ratios).expect("one pair at least"),
            low,
            high,
        }
    }
}

/// The median, or `None` of nothing.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 0 => Some((sorted[mid - 1] + sorted[mid]) / 2.0),
        _ => Some(sorted[mid]),
    }
}

/// The 95 % confidence interval of the median of `ratios`, free of any assumption on their
/// distribution: the `k`-th smallest and the `k`-th largest ratio, for the largest `k` at which
/// fewer than `k` of `n` fair coin flips land heads with a chance of 2.5 % at most (the sign
/// test's interval). Only the pairs' independence is assumed, and the interval covers the true
/// median at least 95 % of the time at every `n` from 6 pairs up.
///
/// A bootstrap of the median covers less at 10 to 30 pairs, and more so when a benchmark's time
/// depends on where a process's memory lands (two or three levels, tens of per cent apart): it
/// took 13 pairs of one binary against a copy of it, 10 of them faster by chance, for a 6 %
/// improvement with an interval of −8.8 … −3.8 %. This interval is −13.0 … +1.6 % there.
fn median_interval(ratios: &[f64]) -> (f64, f64) {
    let mut sorted = ratios.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    // P(X = i) for X ~ Binomial(n, 1/2), in logarithms so that no term underflows at large n.
    let mut ln_p = -(n as f64) * std::f64::consts::LN_2;
    let (mut k, mut below) = (0, 0.0);
    for i in 0..n {
        below += ln_p.exp();
        if below > 0.025 {
            break;
        }
        k = i + 1;
        ln_p += ((n - i) as f64 / (i + 1) as f64).ln();
    }
    // Under 6 pairs no order statistic reaches 95 %: the widest interval, the extremes.
    let k = k.max(1);
    (sorted[k - 1], sorted[n - k])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Verdict;

    #[test]
    fn reads_criterion_lists() {
        let list = "routing/github/pulya: benchmark\nrouting/github/matchit: benchmark\n\nrouting/single/miss/pulya: benchmark\n";
        assert_eq!(
            parse_list(list),
            [
                "routing/github/pulya",
                "routing/github/matchit",
                "routing/single/miss/pulya"
            ]
        );
    }

    #[test]
    fn a_scattered_benchmark_is_not_settled() {
        let tight: Vec<(f64, f64)> = [1.0, 1.01, 0.99, 1.0, 1.02, 0.98]
            .iter()
            .map(|r| (100.0, 100.0 * r))
            .collect();
        assert!(settled(&tight, 5.0));
        let scattered: Vec<(f64, f64)> = [1.1, 0.9, 1.08, 0.95, 1.12, 0.9]
            .iter()
            .map(|r| (100.0, 100.0 * r))
            .collect();
        assert!(!settled(&scattered, 5.0));
        // As scattered, but 40 % slower throughout: a clear regression needs no more pairs.
        let clear: Vec<(f64, f64)> = [1.5, 1.3, 1.48, 1.35, 1.52, 1.3]
            .iter()
            .map(|r| (100.0, 100.0 * r))
            .collect();
        assert!(settled(&clear, 5.0));
        let faster: Vec<(f64, f64)> = clear.iter().map(|&(old, new)| (new, old)).collect();
        assert!(settled(&faster, 5.0));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn a_steady_change_is_flagged_and_noise_is_not() {
        // The machine slows down over the run; each pair's new half is 6 % slower than its old.
        let drifting: Vec<(f64, f64)> = (0..10)
            .map(|i| {
                let machine = 100.0 * (1.0 + 0.05 * f64::from(i));
                (machine, machine * 1.06)
            })
            .collect();
        let change = Change::of(&drifting);
        assert!((change.ratio - 1.06).abs() < 1e-9, "{change:?}");
        assert_eq!(Verdict::paired(&change, 5.0), Verdict::Regression);
        assert_eq!(Verdict::paired(&change, 10.0), Verdict::Unchanged);

        // Pairs that scatter ±8 % around no change: never flagged.
        let noisy: Vec<(f64, f64)> = [1.08, 0.92, 1.03, 0.97, 1.05, 0.95, 1.0, 1.01, 0.99, 1.02]
            .iter()
            .map(|r| (100.0, 100.0 * r))
            .collect();
        let change = Change::of(&noisy);
        assert!(change.low < 1.0 && change.high > 1.0, "{change:?}");
        assert_eq!(Verdict::paired(&change, 1.0), Verdict::Unchanged);

        let faster: Vec<(f64, f64)> = (0..8).map(|_| (100.0, 80.0)).collect();
        assert_eq!(
            Verdict::paired(&Change::of(&faster), 5.0),
            Verdict::Improvement
        );
    }

    #[test]
    fn the_interval_is_the_sign_tests() {
        let ratios: Vec<f64> = (1..=10).map(f64::from).collect();
        // 10 pairs: P(X <= 1) = 1.1 % and P(X <= 2) = 5.5 %, so the 2nd and 9th of ten.
        assert_eq!(median_interval(&ratios), (2.0, 9.0));
        // 30 pairs: the 10th and the 21st.
        let ratios: Vec<f64> = (1..=30).map(f64::from).collect();
        assert_eq!(median_interval(&ratios), (10.0, 21.0));
        // Too few pairs for 95 %: the extremes.
        assert_eq!(median_interval(&[2.0, 1.0, 3.0]), (1.0, 3.0));
        // Many pairs, no underflow: about n/2 - 1.96 sqrt(n)/2 from each end.
        let ratios: Vec<f64> = (1..=3000).map(f64::from).collect();
        let (low, high) = median_interval(&ratios);
        assert!((1445.0..=1448.0).contains(&low), "{low}");
        assert_eq!(high, 3001.0 - low);
    }

    #[test]
    fn one_binary_against_itself_is_unchanged_however_its_processes_scatter() {
        // Measured: 13 pairs of one routing benchmark binary against a copy of itself (the
        // `single/miss/pulya` lookups), which a bootstrap interval took for a 6 % improvement.
        let pairs = [
            (54.4, 51.2),
            (57.0, 54.3),
            (53.6, 96.0),
            (60.2, 55.8),
            (99.3, 86.4),
            (57.6, 52.5),
            (52.6, 67.3),
            (51.7, 49.7),
            (61.2, 62.2),
            (61.0, 51.8),
            (66.1, 57.4),
            (57.1, 53.2),
            (74.1, 71.2),
        ];
        let change = Change::of(&pairs);
        assert!(change.low < 1.0 && change.high > 1.0, "{change:?}");
        assert_eq!(Verdict::paired(&change, 5.0), Verdict::Unchanged);
        assert!(!settled(&pairs, 5.0), "wide: more pairs wanted");

        // Simulated: 2,000 benchmarks of 13 pairs with no change, each half a process whose
        // time lands on one of three levels (0, +15 and +50 %, as measured here) with a 2 %
        // jitter. The interval holds 1.0 in at least 95 % of them, and a verdict other than
        // `unchanged` is rarer still.
        let mut state = 7_u64;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1_u64 << 53) as f64
        };
        let mut process = move || {
            let level = match uniform() {
                u if u < 0.6 => 1.0,
                u if u < 0.9 => 1.15,
                _ => 1.5,
            };
            100.0 * level * (1.0 + 0.02 * (uniform() - 0.5))
        };
        let (mut missed, mut flagged) = (0, 0);
        for _ in 0..2000 {
            let pairs: Vec<(f64, f64)> = (0..13).map(|_| (process(), process())).collect();
            let change = Change::of(&pairs);
            missed += usize::from(change.low > 1.0 || change.high < 1.0);
            flagged += usize::from(Verdict::paired(&change, 5.0) != Verdict::Unchanged);
        }
        assert!(missed <= 100, "{missed} of 2,000 intervals miss no change");
        assert!(flagged <= missed, "{flagged}");
    }

    #[test]
    fn each_run_copies_its_binary_to_a_path_as_long_as_the_other_versions() {
        let root = std::env::temp_dir().join(format!("pulya-fresh-copy-{}", std::process::id()));
        for (version, bytes) in [("old", "old bytes"), ("new", "new bytes")] {
            std::fs::create_dir_all(root.join(version)).unwrap();
            std::fs::write(root.join(version).join("routing"), bytes).unwrap();
        }
        let copies = root.join("copies");
        let old = fresh_copy(&root.join("old/routing"), &copies).unwrap();
        let new = fresh_copy(&root.join("new/routing"), &copies).unwrap();
        assert_eq!(old, copies.join("old/routing"));
        assert_eq!(old.as_os_str().len(), new.as_os_str().len());
        assert_eq!(std::fs::read_to_string(&new).unwrap(), "new bytes");
        std::fs::write(root.join("old/routing"), "rebuilt").unwrap();
        let again = fresh_copy(&root.join("old/routing"), &copies).unwrap();
        assert_eq!(std::fs::read_to_string(again).unwrap(), "rebuilt");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn one_outlier_pair_does_not_decide() {
        let mut pairs: Vec<(f64, f64)> = (0..9).map(|_| (100.0, 100.5)).collect();
        pairs.push((100.0, 300.0));
        let change = Change::of(&pairs);
        assert_eq!(
            Verdict::paired(&change, 5.0),
            Verdict::Unchanged,
            "{change:?}"
        );
    }
}
