// The route sets of the classic router benchmark (go-http-routing-benchmark), as copied into
// `benches/data/routes/`: one `METHOD /path` per line, parameters `:name`, catch-alls `*name`.
//
// Plain std code, so that the routing crate's tests can `include!` it without depending on the
// benches crate.

/// One route of a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicRoute {
    /// The method, such as `GET`.
    pub method: &'static str,
    /// The path in matchit syntax: `{name}` and `{*name}`.
    pub route: String,
    /// A concrete path that matches it: a parameter's value is `v` and its segment number, a
    /// catch-all's `a/b`.
    pub path: String,
    /// The parameters that `path` gives, in path order.
    pub params: Vec<(String, String)>,
}

/// The four sets by name: `github` (203 routes), `gplus` (13), `parse` (26), `static` (157).
pub const CLASSIC_SETS: [(&str, &str); 4] = [
    ("github", include_str!("../data/routes/github.txt")),
    ("gplus", include_str!("../data/routes/gplus.txt")),
    ("parse", include_str!("../data/routes/parse.txt")),
    ("static", include_str!("../data/routes/static.txt")),
];

/// Parses a set's text.
pub fn parse_classic(text: &'static str) -> Vec<ClassicRoute> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (method, path) = line.split_once(' ').expect("a line is `METHOD /path`");
            let (mut route, mut concrete, mut params) = (Vec::new(), Vec::new(), Vec::new());
            for (i, seg) in path.split('/').enumerate() {
                if let Some(name) = seg.strip_prefix(':') {
                    route.push(format!("{{{name}}}"));
                    concrete.push(format!("v{i}"));
                    params.push((name.to_owned(), format!("v{i}")));
                } else if let Some(name) = seg.strip_prefix('*') {
                    route.push(format!("{{*{name}}}"));
                    concrete.push("a/b".to_owned());
                    params.push((name.to_owned(), "a/b".to_owned()));
                } else {
                    route.push(seg.to_owned());
                    concrete.push(seg.to_owned());
                }
            }
            ClassicRoute { method, route: route.join("/"), path: concrete.join("/"), params }
        })
        .collect()
}

/// The set called `name`.
pub fn classic_set(name: &str) -> Vec<ClassicRoute> {
    let (_, text) = CLASSIC_SETS.iter().find(|(n, _)| *n == name).expect("a known set");
    parse_classic(text)
}
