//! The JSON Schema `schemars` writes, read into a small type model both renderers share.

use serde_json::{Map, Value};

/// A type, as the renderers need it.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// Any JSON value (`serde_json::Value`).
    Any,
    Null,
    Bool,
    Integer,
    Number,
    String,
    /// One JSON value (an enum variant, a tag).
    Literal(Value),
    /// A named type: a key of the definitions.
    Ref(String),
    Array(Box<Ty>),
    /// An object with arbitrary keys (`BTreeMap<String, T>`).
    Map(Box<Ty>),
    Object(Vec<Field>),
    Union(Vec<Ty>),
}

/// A property of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: Ty,
    /// Absent from the JSON when empty (`skip_serializing_if`).
    pub optional: bool,
    pub doc: Option<String>,
}

/// A schema's `description`.
pub fn description(schema: &Value) -> Option<String> {
    schema.get("description").and_then(Value::as_str).map(str::to_string)
}

/// The type a schema describes.
pub fn parse(schema: &Value) -> Ty {
    let Value::Object(object) = schema else { return Ty::Any };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        return Ty::Ref(reference.rsplit('/').next().unwrap_or(reference).to_string());
    }
    if let Some(value) = object.get("const") {
        return Ty::Literal(value.clone());
    }
    if let Some(Value::Array(values)) = object.get("enum") {
        return union(values.iter().cloned().map(Ty::Literal).collect());
    }
    if let Some(Value::Array(options)) = object.get("anyOf").or_else(|| object.get("oneOf")) {
        return union(options.iter().map(parse).collect());
    }
    if let Some(Value::Array(parts)) = object.get("allOf")
        && let [only] = &parts[..]
    {
        return parse(only);
    }
    match object.get("type") {
        Some(Value::Array(types)) => union(types.iter().map(|t| of_type(object, t.as_str().unwrap_or(""))).collect()),
        Some(Value::String(t)) => of_type(object, t),
        _ if object.contains_key("properties") => of_type(object, "object"),
        _ => Ty::Any,
    }
}

fn of_type(object: &Map<String, Value>, kind: &str) -> Ty {
    match kind {
        "null" => Ty::Null,
        "boolean" => Ty::Bool,
        "integer" => Ty::Integer,
        "number" => Ty::Number,
        "string" => Ty::String,
        "array" => Ty::Array(Box::new(object.get("items").map_or(Ty::Any, parse))),
        "object" => match object.get("properties") {
            Some(Value::Object(properties)) => Ty::Object(fields(object, properties)),
            _ => Ty::Map(Box::new(object.get("additionalProperties").map_or(Ty::Any, parse))),
        },
        _ => Ty::Any,
    }
}

fn fields(object: &Map<String, Value>, properties: &Map<String, Value>) -> Vec<Field> {
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |r| r.iter().flat_map(Value::as_str).collect());
    properties
        .iter()
        .map(|(name, schema)| Field {
            name: name.clone(),
            ty: parse(schema),
            optional: !required.contains(&name.as_str()),
            doc: description(schema),
        })
        .collect()
}

/// A union without nested unions or repeats; one member stands alone.
fn union(members: Vec<Ty>) -> Ty {
    let mut flat = Vec::new();
    for member in members {
        let parts = match member {
            Ty::Union(parts) => parts,
            other => vec![other],
        };
        for part in parts {
            if !flat.contains(&part) {
                flat.push(part);
            }
        }
    }
    if flat.len() == 1 { flat.remove(0) } else { Ty::Union(flat) }
}

/// `snake_case` or `kebab-case` as `PascalCase`.
pub fn pascal(name: &str) -> String {
    name.split(['_', '-', ' ', '/', '.'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
        })
        .collect()
}
