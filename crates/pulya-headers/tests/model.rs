//! Model-based property test: random operation sequences on this map and on `http::HeaderMap`
//! leave the same observable state (each name's values, in order, and the count).

use http::header::{HeaderName, HeaderValue};
use proptest::prelude::*;
use pulya_headers::HeaderMap;

const NAMES: [&str; 6] = ["host", "accept", "cookie", "x-a", "x-b", "content-type"];

/// A head to start from: names in mixed case (standard and custom), one repeated.
const HEAD: &[u8] = b"Host: h\r\nX-A: 1\r\nx-b: 2\r\nAccept: a\r\nCOOKIE: c\r\nX-A: 3\r\n\r\n";

/// `HEAD` as `http::HeaderMap` holds it.
fn head_model() -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in [
        ("host", "h"),
        ("x-a", "1"),
        ("x-b", "2"),
        ("accept", "a"),
        ("cookie", "c"),
        ("x-a", "3"),
    ] {
        map.append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    map
}

#[derive(Debug, Clone)]
enum Op {
    Append(usize, u8),
    Insert(usize, u8),
    Remove(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..NAMES.len(), any::<u8>()).prop_map(|(n, v)| Op::Append(n, v)),
        (0..NAMES.len(), any::<u8>()).prop_map(|(n, v)| Op::Insert(n, v)),
        (0..NAMES.len()).prop_map(Op::Remove),
    ]
}

fn value(v: u8) -> HeaderValue {
    HeaderValue::from_str(&format!("v{v}")).unwrap()
}

proptest! {
    #[test]
    fn same_state_as_http_header_map(
        ops in prop::collection::vec(op(), 0..40),
        upper in any::<bool>(),
        parsed in any::<bool>(),
    ) {
        let (mut ours, mut model) = if parsed {
            (HeaderMap::parse(bytes::Bytes::from_static(HEAD)).unwrap(), head_model())
        } else {
            (HeaderMap::new(), http::HeaderMap::new())
        };
        for op in ops {
            match op {
                Op::Append(n, v) => {
                    ours.append(HeaderName::from_static(NAMES[n]), value(v));
                    model.append(HeaderName::from_static(NAMES[n]), value(v));
                }
                Op::Insert(n, v) => {
                    let a = ours.insert(HeaderName::from_static(NAMES[n]), value(v));
                    let b = model.insert(HeaderName::from_static(NAMES[n]), value(v));
                    prop_assert_eq!(a, b);
                }
                Op::Remove(n) => {
                    let key = if upper { NAMES[n].to_uppercase() } else { NAMES[n].to_owned() };
                    prop_assert_eq!(ours.remove(&key), model.remove(NAMES[n]));
                }
            }
            prop_assert_eq!(ours.len(), model.len());
            for name in NAMES {
                let a: Vec<_> = ours.get_all(name).collect();
                let b: Vec<_> = model.get_all(name).iter().collect();
                prop_assert_eq!(a, b);
                let first = ours.get(name).map(|v| v.to_header_value());
                prop_assert_eq!(first, model.get(name).cloned());
            }
        }
        let converted: http::HeaderMap = ours.clone().into();
        for name in NAMES {
            let a: Vec<_> = converted.get_all(name).iter().collect();
            let b: Vec<_> = model.get_all(name).iter().collect();
            prop_assert_eq!(a, b);
        }
        prop_assert_eq!(HeaderMap::from(model), ours);
    }
}
