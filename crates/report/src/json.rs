//! Lenient reading of stored JSON: a missing or mistyped field reads as absent, so an older or
//! partial session still renders.

use serde_json::Value;

pub(crate) fn num(v: Option<&Value>, pointer: &str) -> Option<f64> {
    v?.pointer(pointer).and_then(Value::as_f64).filter(|x| x.is_finite())
}

pub(crate) fn text<'a>(v: Option<&'a Value>, pointer: &str) -> Option<&'a str> {
    v?.pointer(pointer).and_then(Value::as_str)
}

pub(crate) fn list<'a>(v: Option<&'a Value>, pointer: &str) -> &'a [Value] {
    v.and_then(|v| v.pointer(pointer)).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

pub(crate) fn object<'a>(v: Option<&'a Value>, pointer: &str) -> Option<&'a serde_json::Map<String, Value>> {
    v?.pointer(pointer).and_then(Value::as_object)
}
