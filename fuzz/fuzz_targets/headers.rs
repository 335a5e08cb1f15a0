//! Header map: parsing arbitrary bytes never panics, a parsed map holds what a plain
//! line-by-line reading of the bytes gives, and it agrees with `http::HeaderMap` after
//! conversion, operations included.
#![no_main]

use bytes::Bytes;
use http::header::HeaderName;
use libfuzzer_sys::fuzz_target;
use pulya_headers::HeaderMap;

fuzz_target!(|data: &[u8]| {
    let Ok(mut map) = HeaderMap::parse(Bytes::copy_from_slice(data)) else {
        return;
    };
    let read: Vec<(String, &[u8])> = map
        .iter()
        .map(|(n, v)| (n.to_owned(), v.as_bytes()))
        .collect();
    assert_eq!(read, plain_reading(data));
    let standard: http::HeaderMap = map.clone().into();
    assert_eq!(standard.len(), map.len());
    for (name, _) in map.clone().iter() {
        let ours: Vec<_> = map.get_all(name).collect();
        let theirs: Vec<_> = standard.get_all(name).iter().collect();
        assert_eq!(ours, theirs);
        assert!(name.bytes().all(|b| !b.is_ascii_uppercase()));
    }
    assert_eq!(HeaderMap::from(standard), map);
    let first = map.iter().next().map(|(n, _)| n.to_owned());
    if let Some(name) = first {
        let removed = map.remove(name.as_str());
        assert!(removed.is_some());
        assert!(!map.contains_key(name.as_str()));
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
        map.append(name.clone(), http::HeaderValue::from_static("x"));
        assert!(map.contains_key(&name));
    }
});

/// The lines of `head` up to the first empty one, split at `\n` (a `\r` before it dropped):
/// each name lowercased, each value without the spaces and tabs around it.
fn plain_reading(head: &[u8]) -> Vec<(String, &[u8])> {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    head.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let colon = line
                .iter()
                .position(|&b| b == b':')
                .expect("a parsed line has a colon");
            let name = String::from_utf8(line[..colon].to_ascii_lowercase()).expect("ASCII");
            let value = &line[colon + 1..];
            let start = value
                .iter()
                .position(|b| !is_space(b))
                .unwrap_or(value.len());
            let end = value
                .iter()
                .rposition(|b| !is_space(b))
                .map_or(start, |i| i + 1);
            (name, &value[start..end])
        })
        .collect()
}
