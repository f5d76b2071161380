//! Reading protobuf JSON (the form livekit-server marshals events in) tolerantly:
//!
//! - names are lowerCamel; the proto's snake_case names are accepted too, as protobuf parsers do;
//! - a missing field or `null` is the zero value (protobuf omits zero values);
//! - 64-bit integers come as strings, and numbers are accepted too;
//! - enums come as names (numbers accepted); an unknown name is kept, never an error;
//! - unknown fields are ignored.
//!
//! A known field with the wrong JSON type is [`LiveKitError::MalformedEvent`] naming its path.

use serde_json::{Map, Value};

use super::error::{LiveKitError, shown};

/// A JSON object being read, with its path for error messages (`egressInfo.fileResults[0]`).
#[derive(Clone)]
pub(crate) struct ProtoObject<'a> {
    path: String,
    map: &'a Map<String, Value>,
}

impl<'a> ProtoObject<'a> {
    /// `value` as the top-level object.
    pub fn root(value: &'a Value) -> Result<Self, LiveKitError> {
        match value {
            Value::Object(map) => Ok(ProtoObject { path: String::new(), map }),
            other => Err(LiveKitError::malformed("(body)", format!("expected a JSON object, found {}", kind(other)))),
        }
    }

    fn field_path(&self, camel: &str) -> String {
        if self.path.is_empty() { camel.to_string() } else { format!("{}.{camel}", self.path) }
    }

    /// The field by its lowerCamel name, else by its snake_case name; `None` for absent or null.
    fn get(&self, camel: &str) -> Option<&'a Value> {
        let value = self.map.get(camel).or_else(|| self.map.get(&snake_case(camel)));
        value.filter(|v| !v.is_null())
    }

    fn wrong(&self, camel: &str, expected: &str, found: &Value) -> LiveKitError {
        LiveKitError::malformed(self.field_path(camel), format!("expected {expected}, found {}", kind(found)))
    }

    /// A string field; absent is `""`.
    pub fn string(&self, camel: &str) -> Result<String, LiveKitError> {
        match self.get(camel) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.wrong(camel, "a string", other)),
        }
    }

    /// A bool field; absent is `false`.
    pub fn bool(&self, camel: &str) -> Result<bool, LiveKitError> {
        match self.get(camel) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.wrong(camel, "true or false", other)),
        }
    }

    /// An integer field (int32, uint32, int64 as a string or a number); absent is 0.
    pub fn int(&self, camel: &str) -> Result<i64, LiveKitError> {
        let parsed = match self.get(camel) {
            None => return Ok(0),
            Some(Value::Number(n)) => n.as_i64().or_else(|| integral_f64(n.as_f64())),
            Some(Value::String(s)) => {
                s.trim().parse::<i64>().ok().or_else(|| integral_f64(s.trim().parse::<f64>().ok()))
            }
            Some(other) => return Err(self.wrong(camel, "an integer (a number or a decimal string)", other)),
        };
        parsed.ok_or_else(|| {
            LiveKitError::malformed(self.field_path(camel), "expected an integer that fits in 64 bits".to_string())
        })
    }

    /// An enum field as its name: numbers are turned into names through `names` (indexed by
    /// value); absent is `names[0]` (the zero value). Unknown names and numbers are kept as text.
    pub fn enum_name(&self, camel: &str, names: &[&str]) -> Result<String, LiveKitError> {
        let zero = names.first().copied().unwrap_or_default();
        match self.get(camel) {
            None => Ok(zero.to_string()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| names.get(i))
                .map(|name| name.to_string())
                .unwrap_or_else(|| n.to_string())),
            Some(other) => Err(self.wrong(camel, "an enum name", other)),
        }
    }

    /// A message field; `None` when absent.
    pub fn object(&self, camel: &str) -> Result<Option<ProtoObject<'a>>, LiveKitError> {
        match self.get(camel) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(ProtoObject { path: self.field_path(camel), map })),
            Some(other) => Err(self.wrong(camel, "an object", other)),
        }
    }

    /// A repeated message field: each element, read with `read` (absent is empty).
    pub fn objects<T>(
        &self,
        camel: &str,
        mut read: impl FnMut(&ProtoObject<'a>) -> Result<T, LiveKitError>,
    ) -> Result<Vec<T>, LiveKitError> {
        let items = match self.get(camel) {
            None => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(other) => return Err(self.wrong(camel, "a list", other)),
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", self.field_path(camel));
            match item {
                Value::Object(map) => out.push(read(&ProtoObject { path, map })?),
                other => {
                    return Err(LiveKitError::malformed(path, format!("expected an object, found {}", kind(other))));
                }
            }
        }
        Ok(out)
    }
}

fn integral_f64(value: Option<f64>) -> Option<i64> {
    value.filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).map(|f| f as i64)
}

/// `egressId` → `egress_id`.
fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(s) => format!("the string \"{}\"", shown(s, 40)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// The schema of a name from an open set: one of `known`, or any other string as it was sent.
pub(crate) fn open_names_schema(known: &[&str]) -> schemars::Schema {
    schemars::json_schema!({ "anyOf": [{ "type": "string", "enum": known }, { "type": "string" }] })
}

/// Declares a protobuf enum read tolerantly: the known names as variants, anything else kept in
/// `Other` with the text the server sent.
macro_rules! proto_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $proto:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A value this version does not know (a newer server), as the server sent it.
            Other(String),
        }

        impl $name {
            /// The proto names, indexed by their numbers.
            pub(crate) const NAMES: &'static [&'static str] = &[$($proto,)+];

            /// Reads the proto name (as [`ProtoObject::enum_name`] gives it).
            pub(crate) fn from_name(name: &str) -> Self {
                match name {
                    $($proto => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }

            /// The proto name, e.g. as LiveKit's JSON spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $proto,)+
                    $name::Other(other) => other,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// As its proto name (`"EGRESS_COMPLETE"`), known or not.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        /// One of the known proto names, or any other string (a newer server's).
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                $crate::proto_json::open_names_schema(Self::NAMES)
            }
        }
    };
}
pub(crate) use proto_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_protobuf_json_rules() {
        let value = serde_json::json!({
            "roomName": "a", "started_at": "1700000000000000000", "size": 42, "active": true,
            "status": "EGRESS_COMPLETE", "code": 3, "empty": null, "big": "99999999999999999999",
        });
        let obj = ProtoObject::root(&value).expect("object");
        assert_eq!(obj.string("roomName").ok().as_deref(), Some("a"));
        assert_eq!(obj.string("missing").ok().as_deref(), Some(""));
        assert_eq!(obj.int("startedAt").ok(), Some(1_700_000_000_000_000_000), "snake_case names are accepted");
        assert_eq!(obj.int("size").ok(), Some(42));
        assert_eq!(obj.int("empty").ok(), Some(0));
        assert!(obj.bool("active").unwrap_or(false));
        let names = ["A", "B", "C", "D"];
        assert_eq!(obj.enum_name("code", &names).ok().as_deref(), Some("D"));
        assert_eq!(obj.enum_name("missing", &names).ok().as_deref(), Some("A"));
        let err = obj.int("big").expect_err("overflows");
        assert!(err.to_string().contains("`big`"), "{err}");
        let err = obj.string("size").expect_err("a number is not a string");
        assert_eq!(err, LiveKitError::malformed("size", "expected a string, found a number"));
    }

    #[test]
    fn nested_paths_name_the_field() {
        let value = serde_json::json!({ "egressInfo": { "fileResults": [{ "size": "x" }] } });
        let root = ProtoObject::root(&value).expect("object");
        let egress = root.object("egressInfo").ok().flatten().expect("present");
        let err = egress.objects("fileResults", |file| file.int("size")).expect_err("not a number");
        assert!(err.to_string().contains("`egressInfo.fileResults[0].size`"), "{err}");
    }
}
