//! The Python `TypedDict`s of the result types (the Python package's `_types.py`): what
//! `json.loads` gives for the JSON the library writes.

use serde_json::{Map, Value};

use crate::schema_walk::{Field, Ty, description, parse, pascal};

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// `_types.py`: one `TypedDict` per object type (inline objects, such as a tagged enum's
/// variants, get a name of their own), one alias per other type, in name order.
pub fn render(definitions: &Map<String, Value>) -> String {
    let mut out = crate::banner("#");
    out.push_str(
        "\"\"\"The JSON the Rust library writes (the result, the stored artifacts), as typed dicts.\"\"\"\n\n\
         from __future__ import annotations\n\n\
         from typing import Any, Dict, List, Literal, Optional, TypedDict, Union\n",
    );
    let mut queue: Vec<(String, Option<String>, Ty)> =
        definitions.iter().map(|(name, schema)| (name.clone(), description(schema), parse(schema))).collect();
    while !queue.is_empty() {
        let (name, doc, ty) = queue.remove(0);
        let mut hoisted = Vec::new();
        out.push_str("\n\n");
        match &ty {
            Ty::Object(fields) => class(&mut out, &name, doc.as_deref(), fields, &mut hoisted),
            other => {
                let alias = py(other, &name, true, &mut hoisted);
                out.push_str(&format!("{name} = {alias}\n"));
                if let Some(doc) = doc {
                    out.push_str(&docstring(&doc, ""));
                }
            }
        }
        // Hoisted objects follow the type that holds them.
        for (i, item) in hoisted.into_iter().enumerate() {
            queue.insert(i, item);
        }
    }
    out
}

fn class(
    out: &mut String,
    name: &str,
    doc: Option<&str>,
    fields: &[Field],
    hoisted: &mut Vec<(String, Option<String>, Ty)>,
) {
    if let Some(field) = fields.iter().find(|f| KEYWORDS.contains(&f.name.as_str())) {
        panic!(
            "{name}.{}: a Python keyword cannot be a TypedDict field; teach python.rs the functional syntax",
            field.name
        );
    }
    let (required, optional): (Vec<&Field>, Vec<&Field>) = fields.iter().partition(|f| !f.optional);
    let body = |out: &mut String, fields: &[&Field], doc: Option<&str>, hoisted: &mut Vec<_>| {
        if let Some(doc) = doc {
            out.push_str(&docstring(doc, "    "));
            out.push('\n');
        }
        for field in fields {
            if let Some(doc) = &field.doc {
                for line in doc.lines() {
                    out.push_str(&format!("    #: {line}\n").replace("#: \n", "#:\n"));
                }
            }
            let ty = py(&field.ty, &format!("{name}{}", pascal(&field.name)), false, hoisted);
            out.push_str(&format!("    {}: {ty}\n", field.name));
        }
        if fields.is_empty() && doc.is_none() {
            out.push_str("    pass\n");
        }
    };
    match (required.is_empty(), optional.is_empty()) {
        (_, true) => {
            out.push_str(&format!("class {name}(TypedDict):\n"));
            body(out, &required, doc, hoisted);
        }
        (true, false) => {
            out.push_str(&format!("class {name}(TypedDict, total=False):\n"));
            body(out, &optional, doc, hoisted);
        }
        (false, false) => {
            out.push_str(&format!("class _{name}Required(TypedDict):\n"));
            body(out, &required, None, hoisted);
            out.push_str(&format!("\n\nclass {name}(_{name}Required, total=False):\n"));
            body(out, &optional, doc, hoisted);
        }
    }
}

/// The annotation for `ty`; `context` names an inline object hoisted out of it. In an alias
/// (evaluated at import) names are quoted, since they may be defined further down.
fn py(ty: &Ty, context: &str, alias: bool, hoisted: &mut Vec<(String, Option<String>, Ty)>) -> String {
    let name = |n: &str| if alias { format!("\"{n}\"") } else { n.to_string() };
    match ty {
        Ty::Any => "Any".into(),
        Ty::Null => "None".into(),
        Ty::Bool => "bool".into(),
        Ty::Integer => "int".into(),
        Ty::Number => "float".into(),
        Ty::String => "str".into(),
        Ty::Literal(value) => format!("Literal[{}]", literal(value)),
        Ty::Ref(n) => name(n),
        Ty::Array(item) => format!("List[{}]", py(item, context, alias, hoisted)),
        Ty::Map(value) => format!("Dict[str, {}]", py(value, context, alias, hoisted)),
        Ty::Object(_) => {
            hoisted.push((context.to_string(), None, ty.clone()));
            name(context)
        }
        Ty::Union(members) => {
            if members.iter().all(|m| matches!(m, Ty::Literal(_))) {
                let values: Vec<String> =
                    members.iter().map(|m| if let Ty::Literal(v) = m { literal(v) } else { unreachable!() }).collect();
                return format!("Literal[{}]", values.join(", "));
            }
            let nullable = members.contains(&Ty::Null);
            let rest: Vec<String> = members
                .iter()
                .filter(|m| **m != Ty::Null)
                .enumerate()
                .map(|(i, m)| py(m, &format!("{context}{}", variant_name(m, i)), alias, hoisted))
                .collect();
            let inner = if rest.len() == 1 { rest[0].clone() } else { format!("Union[{}]", rest.join(", ")) };
            if nullable { format!("Optional[{inner}]") } else { inner }
        }
    }
}

/// A union member's name suffix: an object's tag (a field holding one literal string), else its
/// position.
fn variant_name(ty: &Ty, index: usize) -> String {
    if let Ty::Object(fields) = ty
        && let Some(Ty::Literal(Value::String(tag))) =
            fields.iter().map(|f| &f.ty).find(|t| matches!(t, Ty::Literal(_)))
    {
        return pascal(tag);
    }
    format!("Variant{index}")
}

fn literal(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

fn docstring(text: &str, indent: &str) -> String {
    let text = text.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    let rest: Vec<&str> = lines.collect();
    if rest.is_empty() {
        return format!("{indent}\"\"\"{first}\"\"\"\n");
    }
    let mut out = format!("{indent}\"\"\"{first}\n");
    for line in rest {
        out.push_str(&if line.is_empty() { "\n".to_string() } else { format!("{indent}{line}\n") });
    }
    out.push_str(&format!("{indent}\"\"\"\n"));
    out
}
