//! Behaviour of the header map and its conversions.

use http::header::{self, HeaderName, HeaderValue};
use pulya_headers::HeaderMap;

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
        m.get_all(header::ACCEPT).collect::<Vec<_>>(),
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
    assert_eq!(many.len(), 200);
    assert!(many.contains_key("x-h199"));
    let mut drained = many.clone();
    assert_eq!(drained.drain().count(), 200);
    assert!(drained.is_empty());
}
