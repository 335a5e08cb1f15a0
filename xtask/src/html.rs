//! Self-contained HTML reports (`--html FILE` of `bench-compare` and `peers`): headings, tables
//! and horizontal SVG bar charts, with the style inline and nothing fetched, so that the file can
//! be opened from disk or attached to a CI run as it is.

use std::fmt::Write as _;

/// A bar's colour: what its value means.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tone {
    Worse,
    Better,
    Neutral,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Worse => "worse",
            Tone::Better => "better",
            Tone::Neutral => "neutral",
        }
    }
}

/// One bar: its label, value and tone.
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) value: f64,
    pub(crate) tone: Tone,
}

/// A page under construction.
pub(crate) struct Page {
    title: String,
    body: String,
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}\
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}\
th:first-child,td:first-child{text-align:left}\
th{background:#f3f3f3}\
svg text{font:12px system-ui,sans-serif}\
.worse{fill:#c0392b}.better{fill:#27ae60}.neutral{fill:#7f8c8d}\
.axis{stroke:#333;stroke-width:1}";

/// Height of one bar's row, and the widths of the label column and of the bars' area, in pixels.
const ROW: usize = 22;
const LABEL_WIDTH: usize = 320;
const BARS_WIDTH: usize = 480;
const VALUE_WIDTH: usize = 90;

impl Page {
    pub(crate) fn new(title: &str) -> Page {
        let mut page = Page {
            title: title.to_owned(),
            body: String::new(),
        };
        let _ = writeln!(page.body, "<h1>{}</h1>", escape(title));
        page
    }

    pub(crate) fn heading(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(text));
    }

    pub(crate) fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
    }

    /// A table; every row has as many cells as `headers`.
    pub(crate) fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) {
        self.body.push_str("<table>\n<tr>");
        for header in headers {
            let _ = write!(self.body, "<th>{}</th>", escape(header));
        }
        self.body.push_str("</tr>\n");
        for row in rows {
            debug_assert_eq!(row.len(), headers.len(), "a row of {row:?}");
            self.body.push_str("<tr>");
            for cell in row {
                let _ = write!(self.body, "<td>{}</td>", escape(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    /// A horizontal bar chart. Bars start at zero, so negative values (a change that is an
    /// improvement) grow to the left of the axis; `unit` follows each printed value.
    pub(crate) fn bars(&mut self, caption: &str, bars: &[Bar], unit: &str) {
        if bars.is_empty() {
            return;
        }
        let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
        let min = bars.iter().map(|b| b.value).fold(0.0_f64, f64::min);
        let span = if max - min > 0.0 { max - min } else { 1.0 };
        let scale = BARS_WIDTH as f64 / span;
        let zero = LABEL_WIDTH as f64 + -min * scale;
        let width = LABEL_WIDTH + BARS_WIDTH + VALUE_WIDTH;
        let height = ROW * bars.len() + 4;
        let _ = writeln!(
            self.body,
            "<figure><figcaption>{}</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
             width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">",
            escape(caption)
        );
        for (i, bar) in bars.iter().enumerate() {
            let y = i * ROW + 2;
            let (x, w) = if bar.value >= 0.0 {
                (zero, bar.value * scale)
            } else {
                (zero + bar.value * scale, -bar.value * scale)
            };
            let _ = writeln!(
                self.body,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
                 <rect class=\"{}\" x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\"/>\
                 <text x=\"{}\" y=\"{}\">{}</text>",
                LABEL_WIDTH - 6,
                y + 14,
                escape(&bar.label),
                bar.tone.class(),
                ROW - 6,
                LABEL_WIDTH + BARS_WIDTH + 4,
                y + 14,
                escape(&format!("{} {unit}", number(bar.value))),
            );
        }
        let _ = writeln!(
            self.body,
            "<line class=\"axis\" x1=\"{zero:.1}\" y1=\"0\" x2=\"{zero:.1}\" y2=\"{height}\"/>\n</svg></figure>"
        );
    }

    /// The whole document.
    pub(crate) fn finish(self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
             <style>{STYLE}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
            escape(&self.title),
            self.body
        )
    }
}

/// A value as the tables print it: no decimals from 100 on, two below.
fn number(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Writes a report (an HTML page, or `bench-compare --summary`'s markdown) to `path`, creating
/// its folder.
pub(crate) fn write_report(path: &std::path::Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The page is one well-nested document: every opened element closed in order.
    pub(crate) fn assert_well_nested(html: &str) {
        let mut open: Vec<&str> = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("a tag ends") + start;
            let tag = &rest[start + 1..end];
            rest = &rest[end + 1..];
            if tag.starts_with('!') || tag.ends_with('/') || tag.starts_with("meta") {
                continue;
            }
            let name = tag.split_whitespace().next().unwrap_or_default();
            if let Some(closing) = name.strip_prefix('/') {
                assert_eq!(
                    open.pop(),
                    Some(closing),
                    "</{closing}> closes the wrong element"
                );
            } else {
                open.push(name);
            }
        }
        assert!(open.is_empty(), "left open: {open:?}");
    }

    #[test]
    fn a_page_with_a_table_and_bars() {
        let mut page = Page::new("Bench <compare>");
        page.heading("Wall time");
        page.table(
            &["benchmark", "change"],
            &[vec!["a&b".into(), "+1.00 %".into()]],
        );
        page.bars(
            "change per benchmark",
            &[
                Bar {
                    label: "slow".into(),
                    value: 12.5,
                    tone: Tone::Worse,
                },
                Bar {
                    label: "fast".into(),
                    value: -4.0,
                    tone: Tone::Better,
                },
            ],
            "%",
        );
        let html = page.finish();
        assert_well_nested(&html);
        assert!(html.contains("<title>Bench &lt;compare&gt;</title>"));
        assert!(html.contains("<td>a&amp;b</td>"));
        assert_eq!(html.matches("<rect ").count(), 2);
        assert!(html.contains("class=\"worse\"") && html.contains("class=\"better\""));
        assert!(html.contains(">12.50 %</text>") && html.contains(">-4.00 %</text>"));
        // Nothing is fetched: no external stylesheet, script or image.
        for fetching in ["src=", "href=", "<script", "<link", "url("] {
            assert!(!html.contains(fetching), "{fetching} in {html}");
        }
    }
}
