//! The comparison's tables: a verdict per benchmark, and the tables as markdown (stdout), as an
//! HTML page with SVG charts (`--html`) and as markdown with Mermaid charts for a CI job summary
//! (`--summary`). `bench_compare` measures and builds the sections; this module only judges
//! and shows them.

use crate::html::{Bar, Page, Tone};
use crate::paired::Change;

/// What a row says.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Verdict {
    New,
    Missing,
    Regression,
    Improvement,
    Unchanged,
}

impl Verdict {
    pub(crate) fn of(change_pct: f64, threshold: f64) -> Verdict {
        if change_pct > threshold {
            Verdict::Regression
        } else if change_pct < -threshold {
            Verdict::Improvement
        } else {
            Verdict::Unchanged
        }
    }

    /// A paired change: a regression when the median ratio is past `threshold` per cent and
    /// its interval lies wholly above 1 (no change); an improvement the other way round.
    pub(crate) fn paired(change: &Change, threshold: f64) -> Verdict {
        let t = threshold / 100.0;
        if change.ratio > 1.0 + t && change.low > 1.0 {
            Verdict::Regression
        } else if change.ratio < 1.0 - t && change.high < 1.0 {
            Verdict::Improvement
        } else {
            Verdict::Unchanged
        }
    }

    pub(crate) fn fails(self) -> bool {
        matches!(self, Verdict::Missing | Verdict::Regression)
    }

    pub(crate) fn markdown(self) -> &'static str {
        match self {
            Verdict::New => "new",
            Verdict::Missing => "**missing**",
            Verdict::Regression => "**regression**",
            Verdict::Improvement => "improvement",
            Verdict::Unchanged => "unchanged",
        }
    }

    fn tone(self) -> Tone {
        match self {
            Verdict::Regression | Verdict::Missing => Tone::Worse,
            Verdict::Improvement => Tone::Better,
            Verdict::New | Verdict::Unchanged => Tone::Neutral,
        }
    }
}

/// One benchmark compared.
pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) before: Option<f64>,
    pub(crate) after: Option<f64>,
    /// In per cent.
    pub(crate) change: Option<f64>,
    /// The 95 % interval of the change, in per cent, and the pairs behind it (paired wall time
    /// only).
    pub(crate) interval: Option<(f64, f64)>,
    pub(crate) pairs: Option<usize>,
    pub(crate) verdict: Verdict,
}

/// A table: instruction counts, or wall time in nanoseconds.
pub(crate) struct Section {
    pub(crate) title: String,
    pub(crate) instructions: bool,
    pub(crate) rows: Vec<Row>,
}

pub(crate) fn failed(sections: &[Section]) -> bool {
    sections
        .iter()
        .flat_map(|s| &s.rows)
        .any(|r| r.verdict.fails())
}

/// A figure as the tables print it: instructions whole, a time in ns, µs or ms.
fn show(instructions: bool, value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(v) if instructions => format!("{v:.0}"),
        Some(v) if v < 1e3 => format!("{v:.1} ns"),
        Some(v) if v < 1e6 => format!("{:.2} µs", v / 1e3),
        Some(v) => format!("{:.2} ms", v / 1e6),
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:+.2} %"))
}

fn interval(value: Option<(f64, f64)>) -> String {
    value.map_or_else(
        || "—".to_owned(),
        |(low, high)| format!("{low:+.2} … {high:+.2} %"),
    )
}

fn count(value: Option<usize>) -> String {
    value.map_or_else(|| "—".to_owned(), |n| n.to_string())
}

/// The sections as markdown tables.
pub(crate) fn markdown(sections: &[Section]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for section in sections {
        let paired = section.rows.iter().any(|r| r.interval.is_some());
        let _ = write!(
            out,
            "\n### {}\n\n| benchmark | before | after | change |{} verdict |\n|---|---|---|---|{}---|\n",
            section.title,
            if paired {
                " 95 % interval | pairs |"
            } else {
                ""
            },
            if paired { "---|---|" } else { "" },
        );
        for row in &section.rows {
            let _ = write!(
                out,
                "| {} | {} | {} | {} |",
                row.name,
                show(section.instructions, row.before),
                show(section.instructions, row.after),
                percent(row.change),
            );
            if paired {
                let _ = write!(out, " {} | {} |", interval(row.interval), count(row.pairs));
            }
            let _ = writeln!(out, " {} |", row.verdict.markdown());
        }
    }
    out
}

/// The sections as an HTML page: each table, then a chart of its changes.
pub(crate) fn html(sections: &[Section], description: &str) -> String {
    let mut page = Page::new("cargo xtask bench-compare");
    page.paragraph(description);
    for section in sections {
        page.heading(&section.title);
        let rows: Vec<Vec<String>> = section
            .rows
            .iter()
            .map(|row| {
                vec![
                    row.name.clone(),
                    show(section.instructions, row.before),
                    show(section.instructions, row.after),
                    percent(row.change),
                    interval(row.interval),
                    count(row.pairs),
                    row.verdict.markdown().trim_matches('*').to_owned(),
                ]
            })
            .collect();
        page.table(
            &[
                "benchmark",
                "before",
                "after",
                "change",
                "95 % interval",
                "pairs",
                "verdict",
            ],
            &rows,
        );
        let bars: Vec<Bar> = section
            .rows
            .iter()
            .filter_map(|row| {
                Some(Bar {
                    label: row.name.clone(),
                    value: row.change?,
                    tone: row.verdict.tone(),
                })
            })
            .collect();
        page.bars("change per benchmark (negative is faster)", &bars, "%");
    }
    page.finish()
}

/// The tables, each followed by its changes as a Mermaid bar chart: the form a CI job summary
/// shows (GitHub renders Mermaid there and strips inline SVG).
pub(crate) fn summary(sections: &[Section]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for section in sections {
        out.push_str(&markdown(std::slice::from_ref(section)));
        let bars: Vec<(&str, f64)> = section
            .rows
            .iter()
            .filter_map(|row| Some((row.name.as_str(), row.change?)))
            .collect();
        if bars.is_empty() {
            continue;
        }
        let labels: Vec<String> = bars
            .iter()
            .map(|(name, _)| format!("\"{}\"", name.replace('"', "'")))
            .collect();
        let values: Vec<String> = bars.iter().map(|(_, c)| format!("{c:.2}")).collect();
        // The axis always shows no change, and a point of room on either side.
        let low = bars.iter().map(|b| b.1).fold(0.0, f64::min).floor() - 1.0;
        let high = bars.iter().map(|b| b.1).fold(0.0, f64::max).ceil() + 1.0;
        let what = if section.instructions {
            "Instructions"
        } else {
            "Wall time"
        };
        let _ = write!(
            out,
            "\n```mermaid\nxychart-beta horizontal\n    title \"{what}: change per benchmark, % \
             (negative is faster)\"\n    x-axis [{}]\n    y-axis \"change (%)\" {low} --> {high}\n    \
             bar [{}]\n```\n",
            labels.join(", "),
            values.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::show;

    #[test]
    fn times_in_their_unit() {
        assert_eq!(show(false, Some(14.56)), "14.6 ns");
        assert_eq!(show(false, Some(10_715.8)), "10.72 µs");
        assert_eq!(show(false, Some(521_160.0)), "521.16 µs");
        assert_eq!(show(false, Some(2_500_000.0)), "2.50 ms");
        assert_eq!(show(true, Some(720.6)), "721");
        assert_eq!(show(true, None), "—");
    }
}
