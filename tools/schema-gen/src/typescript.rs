//! The TypeScript declarations of the result types (the Node package's `result.d.ts`).

use serde_json::{Map, Value};

use crate::schema_walk::{Field, Ty, description, parse};

/// `result.d.ts`: one interface per object type, one alias per other type, in name order.
pub fn render(definitions: &Map<String, Value>) -> String {
    let mut out = crate::banner("//");
    for (name, schema) in definitions {
        out.push('\n');
        doc(&mut out, description(schema).as_deref(), "");
        match parse(schema) {
            Ty::Object(fields) => {
                out.push_str(&format!("export interface {name} {{\n"));
                for field in &fields {
                    member(&mut out, field);
                }
                out.push_str("}\n");
            }
            ty => out.push_str(&format!("export type {name} = {}\n", ts(&ty))),
        }
    }
    out
}

fn member(out: &mut String, field: &Field) {
    doc(out, field.doc.as_deref(), "  ");
    let optional = if field.optional { "?" } else { "" };
    out.push_str(&format!("  {}{optional}: {}\n", field.name, ts(&field.ty)));
}

fn ts(ty: &Ty) -> String {
    match ty {
        Ty::Any => "any".into(),
        Ty::Null => "null".into(),
        Ty::Bool => "boolean".into(),
        Ty::Integer | Ty::Number => "number".into(),
        Ty::String => "string".into(),
        Ty::Literal(Value::String(s)) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Ty::Literal(value) => value.to_string(),
        Ty::Ref(name) => name.clone(),
        Ty::Array(item) => match **item {
            Ty::Union(_) => format!("Array<{}>", ts(item)),
            _ => format!("{}[]", ts(item)),
        },
        Ty::Map(value) => format!("Record<string, {}>", ts(value)),
        Ty::Object(fields) => {
            let members: Vec<String> = fields
                .iter()
                .map(|f| format!("{}{}: {}", f.name, if f.optional { "?" } else { "" }, ts(&f.ty)))
                .collect();
            format!("{{ {} }}", members.join("; "))
        }
        Ty::Union(members) => {
            // Known names plus any other string (LiveKit's enums): `string & {}` keeps the known
            // ones offered by editors, where a plain `string` would swallow them.
            let open =
                members.contains(&Ty::String) && members.iter().any(|m| matches!(m, Ty::Literal(Value::String(_))));
            let text = |m: &Ty| if open && *m == Ty::String { "(string & {})".to_string() } else { ts(m) };
            members.iter().map(text).collect::<Vec<_>>().join(" | ")
        }
    }
}

fn doc(out: &mut String, text: Option<&str>, indent: &str) {
    let Some(text) = text else { return };
    let lines: Vec<&str> = text.lines().collect();
    if let [line] = &lines[..] {
        out.push_str(&format!("{indent}/** {line} */\n"));
        return;
    }
    out.push_str(&format!("{indent}/**\n"));
    for line in lines {
        out.push_str(&format!("{indent} *{}{line}\n", if line.is_empty() { "" } else { " " }));
    }
    out.push_str(&format!("{indent} */\n"));
}
