//! Header map: parsing arbitrary bytes never panics, and a parsed map agrees with
//! `http::HeaderMap` after conversion, operations included.
#![no_main]

use bytes::Bytes;
use http::header::HeaderName;
use libfuzzer_sys::fuzz_target;
use pulya_headers::HeaderMap;

fuzz_target!(|data: &[u8]| {
    let Ok(mut map) = HeaderMap::parse(Bytes::copy_from_slice(data)) else { return };
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
