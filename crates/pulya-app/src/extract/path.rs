//! Route parameters.

use std::borrow::Cow;
use std::fmt;

use http::request::Parts;
use percent_encoding::percent_decode_str;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;
use smallvec::SmallVec;

use super::FromRequestParts;
use super::rejection::PathRejection;
use crate::RequestContext;

/// The matched route's parameters, percent-decoded and deserialised into `T`.
///
/// `T` may be one value for a route with one parameter (`Path<u64>`), a tuple in path order
/// (`Path<(String, u32)>`), or a struct or map keyed by parameter name. A value that does not
/// parse answers 400 and names the parameter.
///
/// ```
/// use pulya_app::extract::Path;
///
/// async fn show(Path((user, post)): Path<(String, u64)>) -> String {
///     format!("{user} wrote post {post}")
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts for Path<T> {
    type Rejection = PathRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, PathRejection> {
        // Inline for up to four parameters: no allocation for the list itself.
        let mut params: SmallVec<[Param<'_>; 4]> = SmallVec::new();
        for item in cx.params(parts.uri.path()) {
            let (name, raw) = item.ok_or(PathRejection::PathRewritten)?;
            let value = percent_decode_str(raw)
                .decode_utf8()
                .map_err(|_| PathRejection::InvalidUtf8 { name: name.into() })?;
            params.push((name, value));
        }
        T::deserialize(PathDeserializer { params: &params })
            .map(Path)
            .map_err(|err| PathRejection::Deserialize(err.0))
    }
}

/// The error of path deserialisation: a message for the client.
#[derive(Debug)]
struct PathError(String);

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PathError {}

impl de::Error for PathError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        PathError(msg.to_string())
    }
}

type Param<'de> = (&'de str, Cow<'de, str>);

/// Deserialises all parameters: as a map or struct by name, a sequence or tuple in order, or,
/// when there is exactly one, as that one value.
struct PathDeserializer<'de> {
    params: &'de [Param<'de>],
}

impl<'de> PathDeserializer<'de> {
    fn single(self) -> Result<ValueDeserializer<'de>, PathError> {
        match self.params {
            [(name, value)] => Ok(ValueDeserializer { name, value }),
            other => Err(PathError(format!(
                "expected 1 path parameter, the route has {}",
                other.len()
            ))),
        }
    }
}

macro_rules! forward_single {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
            self.single()?.$method(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for PathDeserializer<'de> {
    type Error = PathError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        if self.params.len() == 1 {
            self.single()?.deserialize_any(visitor)
        } else {
            self.deserialize_map(visitor)
        }
    }

    forward_single!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_identifier
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.single()?.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_seq(SeqAccess {
            params: self.params.iter(),
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        if len != self.params.len() {
            return Err(PathError(format!(
                "expected {len} path parameters, the route has {}",
                self.params.len()
            )));
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_map(MapAccess {
            params: self.params.iter(),
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_unit()
    }
}

struct SeqAccess<'de> {
    params: std::slice::Iter<'de, Param<'de>>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'de> {
    type Error = PathError;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, PathError> {
        self.params
            .next()
            .map(|(name, value)| seed.deserialize(ValueDeserializer { name, value }))
            .transpose()
    }
}

struct MapAccess<'de> {
    params: std::slice::Iter<'de, Param<'de>>,
    value: Option<&'de Param<'de>>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = PathError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, PathError> {
        let Some(param) = self.params.next() else {
            return Ok(None);
        };
        self.value = Some(param);
        seed.deserialize(de::value::BorrowedStrDeserializer::new(param.0))
            .map(Some)
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, PathError> {
        let (name, value) = self
            .value
            .take()
            .ok_or_else(|| PathError("a value was asked for before its key".to_owned()))?;
        seed.deserialize(ValueDeserializer { name, value })
    }
}

/// One parameter's value, parsed from text into whatever the visitor asks for.
struct ValueDeserializer<'de> {
    name: &'de str,
    value: &'de Cow<'de, str>,
}

macro_rules! parse_value {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
            match self.value.parse::<$ty>() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(PathError(format!(
                    "`{}` is not a valid {} for parameter `{}`",
                    self.value, stringify!($ty), self.name
                ))),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = PathError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_borrowed_str(self.value)
    }

    parse_value!(
        deserialize_bool => visit_bool: bool,
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
        deserialize_char => visit_char: char,
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        let value: &'de str = self.value;
        visitor.visit_enum(IntoDeserializer::<PathError>::into_deserializer(value))
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}
