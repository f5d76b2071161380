//! Compact, deterministic summaries of `quality.json` / `engagement.json` for the prompt: one
//! `path: value` line per leaf, numbers rounded, long arrays and strings shortened.

use serde_json::Value;

/// Envelope fields that say nothing about the session.
const ENVELOPE: &[&str] = &["schema_version", "session_id", "generated_at", "library_version"];
/// Items shown per array.
const MAX_ITEMS: usize = 5;
/// Characters shown per string.
const MAX_STRING_CHARS: usize = 160;

/// At most `max_lines` lines describing `report`; `null` or absent becomes "not available".
pub(crate) fn summarize_report(report: &Value, max_lines: usize) -> String {
    if report.is_null() {
        return "not available".into();
    }
    let mut lines = Vec::new();
    flatten(report, "", &mut lines);
    if lines.len() > max_lines {
        let left_out = lines.len() - max_lines;
        lines.truncate(max_lines);
        lines.push(format!("… {left_out} more values left out"));
    }
    lines.join("\n")
}

fn flatten(value: &Value, path: &str, lines: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if path.is_empty() && ENVELOPE.contains(&key.as_str()) {
                    continue;
                }
                let child_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                flatten(child, &child_path, lines);
            }
        }
        Value::Array(items) => {
            if items.iter().all(|i| !i.is_object() && !i.is_array()) {
                let shown: Vec<String> = items.iter().take(MAX_ITEMS).map(leaf).collect();
                let more = if items.len() > MAX_ITEMS {
                    format!(", … {} more", items.len() - MAX_ITEMS)
                } else {
                    String::new()
                };
                lines.push(format!("{path}: [{}{more}]", shown.join(", ")));
                return;
            }
            lines.push(format!("{path}: {} items", items.len()));
            for (i, item) in items.iter().take(MAX_ITEMS).enumerate() {
                flatten(item, &format!("{path}[{i}]"), lines);
            }
        }
        Value::Null => {}
        leaf_value => lines.push(format!("{path}: {}", leaf(leaf_value))),
    }
}

fn leaf(value: &Value) -> String {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => format!("{}", (x * 100.0).round() / 100.0),
            _ => n.to_string(),
        },
        Value::String(s) => match s.char_indices().nth(MAX_STRING_CHARS) {
            Some((cut, _)) => format!("{:?}", format!("{}…", &s[..cut])),
            None => format!("{s:?}"),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaves_become_rounded_path_lines_without_nulls_or_envelope() {
        let report = json!({
            "schema_version": 1, "session_id": "s1",
            "score": 59.4567, "reason": null,
            "audio": {"score": 46.7, "sub_scores": {"clipping": {"score": 0}}},
            "participants": ["alice", "bob"],
        });
        assert_eq!(
            summarize_report(&report, 50),
            "audio.score: 46.7\naudio.sub_scores.clipping.score: 0\nparticipants: [\"alice\", \"bob\"]\nscore: 59.46"
        );
    }

    #[test]
    fn long_arrays_and_many_lines_are_shortened() {
        let issues: Vec<Value> = (0..8).map(|i| json!({"code": "video_freeze", "start_s": i})).collect();
        let summary = summarize_report(&json!({"issues": issues}), 50);
        assert!(summary.starts_with("issues: 8 items\n"));
        assert!(summary.contains("issues[4].start_s: 4"));
        assert!(!summary.contains("issues[5]"));
        let capped = summarize_report(&json!({"issues": issues}), 3);
        assert!(capped.ends_with("… 8 more values left out"), "{capped}");
        assert_eq!(summarize_report(&Value::Null, 10), "not available");
    }
}
