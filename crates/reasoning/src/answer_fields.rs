//! Reading the model's JSON answer field by field; every error names the field's path and never
//! quotes the model's text (it may repeat the transcript).

use serde_json::Value;

use crate::ReasoningError;

/// `parent.key`, or `key` at the top.
pub(crate) fn path(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_owned() } else { format!("{parent}.{key}") }
}

/// The member `key` of the object at `parent`; missing or `null` is an error naming it.
pub(crate) fn member<'v>(value: &'v Value, parent: &str, key: &str) -> Result<&'v Value, ReasoningError> {
    if !value.is_object() {
        let at = if parent.is_empty() { "(answer)" } else { parent };
        return Err(ReasoningError::malformed(at, format!("expected an object, got {}", kind(value))));
    }
    match value.get(key) {
        Some(Value::Null) | None => Err(ReasoningError::malformed(path(parent, key), "missing")),
        Some(member) => Ok(member),
    }
}

/// A number within `[min, max]`.
pub(crate) fn number_in(value: &Value, at: &str, min: f64, max: f64) -> Result<f64, ReasoningError> {
    match value.as_f64() {
        Some(x) if (min..=max).contains(&x) => Ok(x),
        Some(x) => Err(ReasoningError::malformed(at, format!("{x} is outside {min}–{max}"))),
        None => {
            Err(ReasoningError::malformed(at, format!("expected a number from {min} to {max}, got {}", kind(value))))
        }
    }
}

/// A string.
pub(crate) fn string(value: &Value, at: &str) -> Result<String, ReasoningError> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ReasoningError::malformed(at, format!("expected a string, got {}", kind(value))))
}

/// An array; absent or `null` is an empty one.
pub(crate) fn optional_array<'v>(parent: &'v Value, at: &str, key: &str) -> Result<&'v [Value], ReasoningError> {
    match parent.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(ReasoningError::malformed(path(at, key), format!("expected an array, got {}", kind(other)))),
    }
}

/// The JSON type of `value`, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One decimal, as every score in the outputs.
pub(crate) fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_name_the_path_and_not_the_text() {
        let answer = json!({"scores": {"clarity": {"score": 140, "reason": "secret words"}}});
        let clarity = member(member(&answer, "", "scores").unwrap(), "scores", "clarity").unwrap();
        let error = number_in(member(clarity, "scores.clarity", "score").unwrap(), "scores.clarity.score", 0.0, 100.0)
            .unwrap_err();
        assert_eq!(error.to_string(), "malformed LLM answer at `scores.clarity.score`: 140 is outside 0–100");
        let error = number_in(&json!("secret words"), "x", 0.0, 1.0).unwrap_err();
        assert!(!error.to_string().contains("secret"));
        assert!(matches!(member(clarity, "scores.clarity", "evidence"),
            Err(ReasoningError::MalformedResponse { field, .. }) if field == "scores.clarity.evidence"));
    }

    #[test]
    fn absent_arrays_are_empty_and_wrong_types_are_named() {
        assert!(optional_array(&json!({}), "a", "evidence").unwrap().is_empty());
        let error = optional_array(&json!({"evidence": "x"}), "a", "evidence").unwrap_err();
        assert!(error.to_string().contains("`a.evidence`: expected an array, got a string"));
    }
}
