//! Both JSON implementations on the same values: the same bytes out, the same errors in.

use std::collections::BTreeMap;

use bytes::BytesMut;
use http::StatusCode;
use pulya_responses::{
    Encoder, IntoResponse, Json, JsonCodec, JsonConfig, JsonErrorKind, SerdeJson, SonicRs,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    customer: String,
    lines: Vec<Line>,
    note: Option<String>,
    paid: bool,
    total: f64,
    tags: BTreeMap<String, i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    sku: String,
    qty: u32,
}

fn order() -> Order {
    Order {
        id: 42,
        customer: "Zoë \"quoted\" \\ \u{1F600} \n\t\u{7}".into(),
        lines: (0..5)
            .map(|i| Line {
                sku: format!("SKU-{i}"),
                qty: i * 3,
            })
            .collect(),
        note: None,
        paid: true,
        total: 1234.5,
        tags: [("a".to_owned(), -1), ("b".to_owned(), i32::MAX)].into(),
    }
}

fn encode<E: Encoder, T: Serialize>(e: E, value: &T) -> Vec<u8> {
    let mut buf = BytesMut::new();
    e.encode(value, &mut buf).expect("encodes");
    buf.to_vec()
}

#[test]
fn both_encoders_write_the_same_bytes() {
    let values: Vec<serde_json::Value> = vec![
        serde_json::json!(null),
        serde_json::json!([1, -2, 3.25, "x", true, {}]),
        serde_json::json!({"message": "Hello, World!"}),
        serde_json::to_value(order()).unwrap(),
        serde_json::json!({"nested": {"deep": [[[]], {"k": "\u{0}"}]}}),
    ];
    for value in &values {
        assert_eq!(encode(SerdeJson, value), encode(SonicRs, value), "{value}");
    }
    assert_eq!(encode(SerdeJson, &order()), encode(SonicRs, &order()));
    assert_eq!(
        encode(SerdeJson, &order()),
        serde_json::to_vec(&order()).unwrap()
    );
}

#[test]
fn encoding_appends_to_the_buffer() {
    let mut buf = BytesMut::from(&b"prefix:"[..]);
    SonicRs.encode(&[1, 2], &mut buf).unwrap();
    SerdeJson.encode(&"x", &mut buf).unwrap();
    assert_eq!(&buf[..], b"prefix:[1,2]\"x\"");
}

#[test]
fn both_decoders_read_the_same_values() {
    let bytes = encode(SerdeJson, &order());
    let a: Order = SerdeJson.decode(&bytes).unwrap();
    let b: Order = SonicRs.decode(&bytes).unwrap();
    assert_eq!(a, order());
    assert_eq!(b, order());
    for codec in [JsonCodec::SerdeJson, JsonCodec::SonicRs] {
        let c: Order = codec.decode(&bytes).unwrap();
        assert_eq!(c, order());
    }
}

#[test]
fn both_decoders_fail_alike_with_line_and_column() {
    // (input, kind, status, line, column)
    let cases: &[(&[u8], JsonErrorKind, u16, usize, usize)] = &[
        (
            b"{\"id\": 1,\n \"qty\": \"x\"}",
            JsonErrorKind::Data,
            422,
            2,
            11,
        ),
        (
            b"{\"sku\": \"a\",\n \"qty\": 1,}",
            JsonErrorKind::Syntax,
            400,
            2,
            11,
        ),
        (b"{\"sku\": \"a\",\n \"qty\"", JsonErrorKind::Eof, 400, 2, 6),
        (b"[1,2]", JsonErrorKind::Data, 422, 1, 2),
        (b"{\"sku\":\"a\"}", JsonErrorKind::Data, 422, 1, 11),
        (
            b"{\"sku\":\"a\",\"qty\":1} x",
            JsonErrorKind::Syntax,
            400,
            1,
            21,
        ),
        (b"", JsonErrorKind::Eof, 400, 1, 1),
        (
            b"{\"sku\":\"a\",\"qty\":-1}",
            JsonErrorKind::Data,
            422,
            1,
            19,
        ),
    ];
    for &(input, kind, status, line, column) in cases {
        let text = String::from_utf8_lossy(input);
        for codec in [JsonCodec::SerdeJson, JsonCodec::SonicRs] {
            let err = codec.decode::<Line>(input).unwrap_err();
            let what = format!("{codec:?} on {text:?}: {err}");
            assert_eq!(err.kind(), kind, "{what}");
            assert_eq!(
                err.status(),
                StatusCode::from_u16(status).unwrap(),
                "{what}"
            );
            assert_eq!((err.line(), err.column()), (line, column), "{what}");
            let message = err.to_string();
            assert!(
                message.ends_with(&format!(" at line {line} column {column}")),
                "{what}"
            );
            assert!(!message.contains('\n'), "one line: {what}");
        }
    }
}

#[test]
fn an_unencodable_value_is_an_encode_error() {
    let mut map = BTreeMap::new();
    map.insert(vec![1u8], 1);
    for codec in [JsonCodec::SerdeJson, JsonCodec::SonicRs] {
        let err = codec.encode(&map, &mut BytesMut::new()).unwrap_err();
        assert_eq!(err.kind(), JsonErrorKind::Encode, "{codec:?}");
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}

/// Writes the name of the serializer that encodes it, so a test can tell the encoders apart.
struct WhichEncoder;

impl serde::Serialize for WhichEncoder {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let name = std::any::type_name::<S>();
        serializer.serialize_str(if name.contains("sonic_rs") {
            "sonic-rs"
        } else {
            "serde_json"
        })
    }
}

fn app_with(encode: JsonCodec) -> pulya_core::AppData {
    let mut app = pulya_core::AppData::new(0);
    app.insert(JsonConfig {
        encode,
        ..JsonConfig::default()
    });
    app
}

#[test]
fn a_response_is_encoded_by_the_apps_encoder() {
    for (codec, name) in [
        (JsonCodec::SerdeJson, "\"serde_json\""),
        (JsonCodec::SonicRs, "\"sonic-rs\""),
    ] {
        let res = Json(WhichEncoder).into_response_in(&app_with(codec));
        assert_eq!(res.body().as_bytes(), Some(name.as_bytes()), "{codec:?}");
    }
}

#[test]
fn a_response_with_no_app_waits_for_one_or_takes_the_default() {
    let mut res = Json(WhichEncoder).into_response();
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(res.body().as_bytes(), None, "held until an app renders it");
    res.body_mut()
        .render(&app_with(JsonCodec::SerdeJson))
        .unwrap();
    assert_eq!(res.body().as_bytes(), Some(&b"\"serde_json\""[..]));

    let mut res = (StatusCode::CREATED, Json(WhichEncoder)).into_response();
    assert_eq!(res.status(), StatusCode::CREATED);
    res.body_mut().render(pulya_core::AppData::empty()).unwrap();
    let default = format!(
        "\"{}\"",
        if JsonCodec::DEFAULT_ENCODE == JsonCodec::SonicRs {
            "sonic-rs"
        } else {
            "serde_json"
        }
    );
    assert_eq!(res.body().as_bytes(), Some(default.as_bytes()));
}

#[test]
fn a_deferred_body_that_fails_is_an_error_not_a_panic() {
    let mut map = BTreeMap::new();
    map.insert(vec![1u8], 1);
    let mut res = Json(map).into_response();
    let err = res
        .body_mut()
        .render(&app_with(JsonCodec::SerdeJson))
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.body().as_bytes(), Some(&b""[..]));
}
