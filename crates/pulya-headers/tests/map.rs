//! Behaviour of the header map: operations, parsing, errors, conversions, typed accessors.

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use pulya_headers::{HeaderError, HeaderMap, INLINE_HEADERS};

fn v(s: &'static str) -> HeaderValue {
    HeaderValue::from_static(s)
}

#[test]
fn insert_append_get_remove() {
    let mut m = HeaderMap::new();
    assert!(m.is_empty());
    m.append(header::ACCEPT, v("a"));
    m.append(header::HOST, v("h"));
    m.append(header::ACCEPT, v("b"));
    assert_eq!(m.len(), 3);
    assert_eq!(m.get("Accept").unwrap(), "a");
    assert_eq!(
        m.get_all(&header::ACCEPT).collect::<Vec<_>>(),
        [&v("a"), &v("b")]
    );
    assert_eq!(m.insert(header::ACCEPT, v("c")), Some(v("a")));
    assert_eq!(m.get_all("accept").collect::<Vec<_>>(), [&v("c")]);
    assert_eq!(m.remove(header::ACCEPT), Some(v("c")));
    assert!(!m.contains_key(header::ACCEPT));
    assert!(m.contains_key("HOST"));
    assert_eq!(m.remove("x-none"), None);
}

#[test]
fn parse_a_raw_block_without_copying_values() {
    let raw = Bytes::from_static(
        b"Host: example.com\r\nUser-Agent: curl/8\r\nAccept: */*\r\nx-trace:  abc \r\n\
          X-Mixed: 1\r\nCookie: a=1\r\ncookie: b=2\r\nX-Empty:\r\n\r\nbody",
    );
    let map = HeaderMap::parse(raw.clone()).unwrap();
    assert_eq!(map.len(), 8);
    assert_eq!(map.host(), Some("example.com"));
    assert_eq!(map.user_agent(), Some("curl/8"));
    assert_eq!(map.accept(), Some("*/*"));
    assert_eq!(map.get("X-TRACE").unwrap(), "abc");
    assert_eq!(map.cookies().collect::<Vec<_>>(), ["a=1", "b=2"]);
    assert_eq!(map.get("x-empty").unwrap(), "");
    let names: Vec<&str> = map.iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "host",
            "user-agent",
            "accept",
            "x-trace",
            "x-mixed",
            "cookie",
            "cookie",
            "x-empty"
        ]
    );
    // The value bytes are the raw buffer's, not a copy.
    let value = map.get("x-trace").unwrap().as_bytes();
    let within = raw.as_ptr() as usize..raw.as_ptr() as usize + raw.len();
    assert!(within.contains(&(value.as_ptr() as usize)));
}

#[test]
fn invalid_names_and_values_are_errors_and_not_stored() {
    assert_eq!(
        HeaderMap::parse(Bytes::from_static(b"Bad Name: x\r\n")).unwrap_err(),
        HeaderError::InvalidName("Bad Name".into())
    );
    assert_eq!(
        HeaderMap::parse(Bytes::from_static(b"x-a: ok\r\nx-b: bad\x01value\r\n")).unwrap_err(),
        HeaderError::InvalidValue { name: "x-b".into() }
    );
    assert_eq!(
        HeaderMap::parse(Bytes::from_static(b"x-a: ok\r\nno colon\r\n")).unwrap_err(),
        HeaderError::MissingColon { line: 2 }
    );
    assert!(HeaderMap::parse(Bytes::from_static(b": empty name\r\n")).is_err());
    let mut m = HeaderMap::new();
    assert!(m.try_append("x-ok", "fine").is_ok());
    assert!(m.try_append("x(bad)", "v").is_err());
    assert!(m.try_append("x-ctl", "a\nb").is_err());
    assert_eq!(m.len(), 1);
}

#[test]
fn typed_accessors() {
    let mut m = HeaderMap::new();
    assert_eq!(m.content_length(), None);
    m.try_append("Content-Length", "42").unwrap();
    m.try_append("content-type", "application/json").unwrap();
    m.try_append("Authorization", "Bearer t").unwrap();
    m.try_append("Connection", "keep-alive").unwrap();
    assert_eq!(m.content_length(), Some(42));
    assert_eq!(m.content_type(), Some("application/json"));
    assert_eq!(m.authorization(), Some("Bearer t"));
    assert_eq!(m.connection(), Some("keep-alive"));
    let mut bad = HeaderMap::new();
    bad.try_append("content-length", "+42").unwrap();
    assert_eq!(bad.content_length(), None);
}

#[test]
fn round_trips_with_http_header_map_keeping_repeats_and_order() {
    let mut std_map = http::HeaderMap::new();
    std_map.append("x-b", v("1"));
    std_map.append("x-a", v("2"));
    std_map.append("x-b", v("3"));
    std_map.append(header::COOKIE, v(""));
    let ours = HeaderMap::from(std_map.clone());
    assert_eq!(ours.len(), 4);
    assert_eq!(ours.get_all("x-b").collect::<Vec<_>>(), [&v("1"), &v("3")]);
    let back: http::HeaderMap = ours.into();
    assert_eq!(back, std_map);
}

#[test]
fn zero_and_two_hundred_headers() {
    let empty: http::HeaderMap = HeaderMap::new().into();
    assert!(empty.is_empty());
    let many: HeaderMap = (0..200)
        .map(|i| (format!("x-h{i}").parse::<HeaderName>().unwrap(), v("x")))
        .collect();
    const { assert!(200 > INLINE_HEADERS) };
    assert_eq!(many.len(), 200);
    assert!(many.contains_key("x-h199"));
    let mut drained = many.clone();
    assert_eq!(drained.drain().count(), 200);
    assert!(drained.is_empty());
}

#[test]
fn parse_edge_cases_of_line_ends_and_values() {
    // Bare `\n` line ends, a tab inside and around a value, obs-text, and a last line without
    // a line end whose `\r` is the last byte.
    let map = HeaderMap::parse(Bytes::from_static(
        b"X-A:\tone\ttwo \t\nX-B: caf\xc3\xa9\nX-C: last\r",
    ))
    .unwrap();
    assert_eq!(map.get("x-a").unwrap(), "one\ttwo");
    assert_eq!(map.get("x-b").unwrap().as_bytes(), "café".as_bytes());
    assert!(map.get("x-b").unwrap().to_str().is_err());
    assert_eq!(map.get("x-c").unwrap(), "last");
    // A `\r` that does not end a line, DEL and NUL are refused.
    for bad in [
        &b"X-A: a\rb\r\n\r\n"[..],
        b"X-A: a\x7fb\r\n\r\n",
        b"X-A: a\0b\r\n\r\n",
        b"X-A: a\r\r\n\r\n",
    ] {
        assert_eq!(
            HeaderMap::parse(Bytes::copy_from_slice(bad)).unwrap_err(),
            HeaderError::InvalidValue { name: "x-a".into() },
            "{:?}",
            bad.escape_ascii().to_string()
        );
    }
    // Values long enough for the sixteen-byte searches, with the line end in every position of
    // a block.
    for len in 0..40 {
        let value = "v".repeat(len);
        let raw = format!(
            "Host: {value}\r\nX-Long-Custom-Name-With-Capitals-Beyond-Thirty: {value}\r\n\r\n"
        );
        let map = HeaderMap::parse(Bytes::from(raw)).unwrap();
        assert_eq!(map.host(), Some(value.as_str()));
        assert_eq!(
            map.get("x-long-custom-name-with-capitals-beyond-thirty")
                .unwrap(),
            value.as_str()
        );
    }
}

#[test]
fn parse_errors_name_the_line_and_the_bad_name() {
    // A control byte or tab in a name, a line that starts with a lone `\r` or a tab, and the
    // line number of a line without a colon after bare `\n` line ends.
    for (raw, error) in [
        (
            &b"Ho\x01st: a\r\n\r\n"[..],
            HeaderError::InvalidName("Ho\x01st".into()),
        ),
        (
            b"Ho\tst: a\r\n\r\n",
            HeaderError::InvalidName("Ho\tst".into()),
        ),
        (
            b"\rHost: a\r\n\r\n",
            HeaderError::InvalidName("\rHost".into()),
        ),
        (
            b"\tHost: a\r\n\r\n",
            HeaderError::InvalidName("\tHost".into()),
        ),
        (
            b"A: 1\nB: 2\nno colon here at all\n\n",
            HeaderError::MissingColon { line: 3 },
        ),
        (
            b"A: 1\r\nno colon, no line end",
            HeaderError::MissingColon { line: 2 },
        ),
    ] {
        assert_eq!(
            HeaderMap::parse(Bytes::from_static(raw)).unwrap_err(),
            error,
            "{}",
            raw.escape_ascii()
        );
    }
}

#[test]
fn parse_keeps_custom_names_with_capitals_in_lowercase() {
    // Names of every length up to forty, with capitals, among lowercase and listed ones: the
    // first one is the only one that fits the inline lowercase buffer, and the last lines of
    // the head have no sixteen bytes after their start.
    for tail in ["", "X-Y: 1\r\n"] {
        let names: Vec<String> = (1..=40)
            .map(|len| {
                let mut name = String::from("X");
                name.extend((1..len).map(|i| if i % 3 == 0 { '-' } else { 'Q' }));
                name
            })
            .collect();
        let mut raw = String::new();
        for (i, name) in names.iter().enumerate() {
            raw.push_str(&format!("{name}: {i}\r\nx-low-{i}: {i}\r\nHost: {i}\r\n"));
        }
        raw.push_str(tail);
        let map = HeaderMap::parse(Bytes::from(raw)).unwrap();
        let mut seen = map.iter();
        for (i, name) in names.iter().enumerate() {
            let lower = name.to_ascii_lowercase();
            let (got, value) = seen.next().unwrap();
            assert_eq!(
                (got, value.to_str().unwrap()),
                (lower.as_str(), &*i.to_string())
            );
            assert_eq!(seen.next().unwrap().0, format!("x-low-{i}"));
            assert_eq!(seen.next().unwrap().0, "host");
            assert_eq!(map.get(name.as_str()).unwrap(), &*i.to_string());
            assert_eq!(map.get(lower.as_str()).unwrap(), &*i.to_string());
        }
        let http: http::HeaderMap = map.clone().into();
        assert_eq!(HeaderMap::from(http), map);
    }
}

#[test]
fn parse_values_with_tabs_across_the_blocks() {
    // Tabs and spaces at every position of the sixteen-byte blocks, inside and around values.
    for len in 0..40 {
        let value = format!("a{}b", "\t ".repeat(len / 2) + &"\t".repeat(len % 2));
        let raw = format!("X-A: \t{value}\t \r\nUpgrade-Insecure-Requests:{value}\r\n\r\n");
        let map = HeaderMap::parse(Bytes::from(raw)).unwrap();
        assert_eq!(map.get("x-a").unwrap(), value.as_str());
        assert_eq!(
            map.get(&http::header::UPGRADE_INSECURE_REQUESTS).unwrap(),
            value.as_str()
        );
    }
}

#[test]
fn lookups_past_the_inline_entries_and_after_removals() {
    // Twelve headers: the standard ones past the eighth are found too, before and after
    // entries ahead of them are removed.
    let mut raw = String::new();
    for i in 0..8 {
        raw.push_str(&format!("X-Pad-{i}: {i}\r\n"));
    }
    raw.push_str("Accept: a\r\nCookie: c1\r\nCookie: c2\r\nHost: h\r\n\r\n");
    let mut map = HeaderMap::parse(Bytes::from(raw)).unwrap();
    assert_eq!(map.len(), 12);
    assert_eq!(map.accept(), Some("a"));
    assert_eq!(map.cookies().collect::<Vec<_>>(), ["c1", "c2"]);
    assert_eq!(map.host(), Some("h"));
    for i in 0..8 {
        assert!(map.remove(format!("x-pad-{i}").as_str()).is_some());
    }
    assert_eq!(map.len(), 4);
    assert_eq!(map.accept(), Some("a"));
    assert_eq!(map.remove(header::COOKIE), Some(v("c1")));
    assert!(!map.contains_key(header::COOKIE));
    assert_eq!(map.host(), Some("h"));
    map.append(header::COOKIE, v("c3"));
    assert_eq!(map.cookies().collect::<Vec<_>>(), ["c3"]);
}

#[test]
fn added_names_and_values_are_freed_with_the_map() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its drops: the bytes of a value that the map must free.
    struct Owner(Arc<AtomicUsize>);
    impl AsRef<[u8]> for Owner {
        fn as_ref(&self) -> &[u8] {
            b"value"
        }
    }
    impl Drop for Owner {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    let drops = Arc::new(AtomicUsize::new(0));
    let value = || {
        let bytes = Bytes::from_owner(Owner(drops.clone()));
        HeaderValue::from_maybe_shared(bytes).unwrap()
    };
    let mut map = HeaderMap::parse(Bytes::from_static(b"Host: a\r\n\r\n")).unwrap();
    map.append(HeaderName::from_static("x-a"), value());
    map.append(header::ACCEPT, value());
    let copy = map.clone();
    drop(map);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "the clone shares the values"
    );
    drop(copy);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}
