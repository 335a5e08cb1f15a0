//! Content negotiation: which of the media types a server can send the client prefers, by its
//! `Accept` header (RFC 9110, section 12.5.1).

use http::HeaderValue;

/// The offer the client prefers, or `None` when it accepts none of them.
///
/// Each offer gets the quality of the most specific range of `accept` that matches it
/// (`type/subtype` over `type/*` over `*/*`); the highest quality above zero wins, and a tie goes
/// to the earlier offer (the server's preference). Without an `Accept` header, or with one that
/// cannot be read, every offer is acceptable and the first wins. Malformed ranges are skipped.
///
/// ```
/// use http::HeaderValue;
/// use pulya_responses::negotiate::preferred;
///
/// let offers = ["application/json", "text/html"];
/// let browser = HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8");
/// assert_eq!(preferred(Some(&browser), &offers), Some("text/html"));
/// assert_eq!(preferred(None, &offers), Some("application/json"));
/// let picky = HeaderValue::from_static("image/png");
/// assert_eq!(preferred(Some(&picky), &offers), None);
/// ```
pub fn preferred<'a>(accept: Option<&HeaderValue>, offers: &[&'a str]) -> Option<&'a str> {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return offers.first().copied();
    };
    let mut best: Option<(&'a str, u16)> = None;
    for &offer in offers {
        let Some((otype, osub)) = split_type(offer) else {
            continue;
        };
        // (specificity, quality) of the most specific matching range.
        let mut matched: Option<(u8, u16)> = None;
        for range in accept.split(',') {
            let Some((rtype, rsub, q)) = parse_range(range) else {
                continue;
            };
            let specificity = match (rtype, rsub) {
                ("*", "*") => 0,
                (t, "*") if t.eq_ignore_ascii_case(otype) => 1,
                (t, s) if t.eq_ignore_ascii_case(otype) && s.eq_ignore_ascii_case(osub) => 2,
                _ => continue,
            };
            if matched.is_none_or(|(s, _)| specificity > s) {
                matched = Some((specificity, q));
            }
        }
        let q = matched.map_or(0, |(_, q)| q);
        if q > 0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((offer, q));
        }
    }
    best.map(|(offer, _)| offer)
}

/// Whether the client prefers HTML to JSON (a browser, typically): for error pages.
pub fn prefers_html(accept: Option<&HeaderValue>) -> bool {
    accept.is_some() && preferred(accept, &["application/json", "text/html"]) == Some("text/html")
}

fn split_type(media: &str) -> Option<(&str, &str)> {
    let (t, s) = media.split(';').next()?.trim().split_once('/')?;
    (!t.is_empty() && !s.is_empty()).then_some((t, s))
}

/// `type/subtype;q=0.5;…` → (type, subtype, quality in thousandths).
fn parse_range(range: &str) -> Option<(&str, &str, u16)> {
    let mut parts = range.split(';');
    let (t, s) = split_type(parts.next()?)?;
    let mut q = 1000;
    for param in parts {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("q") {
            q = parse_quality(value.trim())?;
        }
    }
    Some((t, s, q))
}

/// A quality value: `0`, `1`, or up to three decimals (`0.5`, `1.000`), in thousandths.
fn parse_quality(value: &str) -> Option<u16> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole = match int {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    let mut thousandths = 0u16;
    for (i, digit) in frac.bytes().enumerate() {
        thousandths += u16::from(digit - b'0') * [100, 10, 1][i];
    }
    let q = whole + thousandths;
    (q <= 1000).then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(accept: &str, offers: &[&'static str]) -> Option<&'static str> {
        preferred(Some(&HeaderValue::from_str(accept).unwrap()), offers)
    }

    const OFFERS: [&str; 2] = ["application/json", "text/html"];

    #[test]
    fn browsers_get_html_and_api_clients_json() {
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(pick(firefox, &OFFERS), Some("text/html"));
        assert_eq!(pick("application/json", &OFFERS), Some("application/json"));
        assert_eq!(pick("*/*", &OFFERS), Some("application/json"));
        assert_eq!(pick("", &OFFERS), None);
        assert_eq!(preferred(None, &OFFERS), Some("application/json"));
    }

    #[test]
    fn quality_and_specificity() {
        assert_eq!(
            pick("application/json;q=0.4, text/html;q=0.5", &OFFERS),
            Some("text/html")
        );
        // The most specific range decides, even with a lower quality.
        assert_eq!(
            pick("text/*;q=1, text/html;q=0.1, application/*;q=0.2", &OFFERS),
            Some("application/json")
        );
        // q=0 refuses.
        assert_eq!(
            pick("*/*, application/json;q=0", &OFFERS),
            Some("text/html")
        );
        assert_eq!(pick("text/html;q=0, application/json;q=0", &OFFERS), None);
        // Ties go to the server's order.
        assert_eq!(
            pick("text/html, application/json", &OFFERS),
            Some("application/json")
        );
        // Case does not matter; parameters other than q are ignored.
        assert_eq!(
            pick("TEXT/HTML;level=1;q=0.9, application/json;q=0.8", &OFFERS),
            Some("text/html")
        );
    }

    #[test]
    fn malformed_ranges_are_skipped() {
        for accept in [
            "text",
            "/html",
            "text/html;q=2",
            "text/html;q=0.1234",
            "text/html;q=x",
        ] {
            assert_eq!(pick(accept, &OFFERS), None, "{accept}");
        }
        assert_eq!(pick("garbage, text/html;q=0.5", &OFFERS), Some("text/html"));
        assert_eq!(parse_quality("0.25"), Some(250));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("1.001"), None);
    }

    #[test]
    fn prefers_html_only_when_asked() {
        let html = HeaderValue::from_static("text/html");
        assert!(prefers_html(Some(&html)));
        assert!(!prefers_html(None));
        assert!(!prefers_html(Some(&HeaderValue::from_static("*/*"))));
    }
}
