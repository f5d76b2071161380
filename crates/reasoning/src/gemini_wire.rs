//! The `generateContent` wire format: building the request body, reading answers and errors.
//!
//! Request: `{contents: [{role: "user", parts: [{text}]}], systemInstruction: {parts: [{text}]},
//! generationConfig: {responseMimeType: "application/json", responseSchema, maxOutputTokens,
//! temperature}}`. Answer: `{candidates: [{content: {parts: [{text}]}, finishReason}],
//! promptFeedback: {blockReason}, usageMetadata, modelVersion}`. Error: `{error: {code, message,
//! status, details}}`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::{LlmRequest, LlmResponse, ReasoningError, TokenUsage};

/// Schema keywords copied as they are; `type`, `properties` and `items` are translated.
const PLAIN_KEYWORDS: &[&str] =
    &["required", "enum", "description", "nullable", "minimum", "maximum", "minItems", "maxItems", "format"];

/// Finish reasons that mean the provider's filters stopped the answer.
const BLOCKING_FINISH_REASONS: &[&str] =
    &["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"];

/// The harm categories Gemini's `safetySettings` take for text.
const HARM_CATEGORIES: &[&str] = &[
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
];

/// The JSON body of a `generateContent` call for `request`, with an optional thinking budget.
pub(crate) fn request_body(request: &LlmRequest, thinking_budget: Option<u32>) -> Result<Value, ReasoningError> {
    let mut generation = json!({
        "responseMimeType": "application/json",
        "responseSchema": gemini_schema(&request.response_schema, "response_schema")?,
        "maxOutputTokens": request.max_output_tokens,
    });
    if let Some(temperature) = request.temperature {
        generation["temperature"] = json!(temperature);
    }
    if let Some(budget) = thinking_budget {
        generation["thinkingConfig"] = json!({"thinkingBudget": budget});
    }
    let mut body = json!({
        "contents": [{"role": "user", "parts": [{"text": request.user}]}],
        "systemInstruction": {"parts": [{"text": request.system}]},
        "generationConfig": generation,
    });
    if request.judges_harmful_text {
        let settings: Vec<Value> =
            HARM_CATEGORIES.iter().map(|category| json!({"category": category, "threshold": "BLOCK_NONE"})).collect();
        body["safetySettings"] = Value::Array(settings);
    }
    Ok(body)
}

/// Translates the JSON Schema subset of [`LlmRequest::response_schema`] into Gemini's OpenAPI
/// subset (upper-case type names); an unsupported keyword is a configuration error naming its path.
fn gemini_schema(schema: &Value, path: &str) -> Result<Value, ReasoningError> {
    let Some(object) = schema.as_object() else {
        return Err(ReasoningError::InvalidConfig(format!("{path} must be a JSON object")));
    };
    let mut out = Map::new();
    for (key, value) in object {
        let translated = match key.as_str() {
            "type" => match value.as_str() {
                Some(name @ ("object" | "array" | "string" | "number" | "integer" | "boolean")) => {
                    json!(name.to_ascii_uppercase())
                }
                _ => return Err(ReasoningError::InvalidConfig(format!("{path}.type {value} is not a supported type"))),
            },
            "properties" => {
                let Some(properties) = value.as_object() else {
                    return Err(ReasoningError::InvalidConfig(format!("{path}.properties must be an object")));
                };
                let mut translated = Map::new();
                for (name, property) in properties {
                    translated.insert(name.clone(), gemini_schema(property, &format!("{path}.properties.{name}"))?);
                }
                Value::Object(translated)
            }
            "items" => gemini_schema(value, &format!("{path}.items"))?,
            plain if PLAIN_KEYWORDS.contains(&plain) => value.clone(),
            other => {
                return Err(ReasoningError::InvalidConfig(format!(
                    "{path}: schema keyword `{other}` is not supported by Gemini's responseSchema"
                )));
            }
        };
        out.insert(key.clone(), translated);
    }
    Ok(Value::Object(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateContentResponse {
    #[serde(default)]
    candidates: Vec<Candidate>,
    prompt_feedback: Option<PromptFeedback>,
    usage_metadata: Option<UsageMetadata>,
    model_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Deserialize)]
struct Part {
    text: Option<String>,
    /// Thought summaries of thinking models are not part of the answer.
    #[serde(default)]
    thought: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    #[serde(default)]
    prompt_token_count: u64,
    #[serde(default)]
    candidates_token_count: u64,
    /// Thinking tokens, billed as output.
    #[serde(default)]
    thoughts_token_count: u64,
}

/// Reads an HTTP 200 answer: blocked prompts and answers, truncation and non-JSON text are errors.
pub(crate) fn parse_answer(
    body: &str,
    requested_model: &str,
    max_output_tokens: u32,
) -> Result<LlmResponse, ReasoningError> {
    let answer: GenerateContentResponse = serde_json::from_str(body).map_err(|e| {
        ReasoningError::malformed("response body", format!("not a generateContent answer: {}", json_error(&e)))
    })?;
    if let Some(reason) = answer.prompt_feedback.and_then(|f| f.block_reason) {
        return Err(ReasoningError::Blocked { reason: format!("prompt blocked ({reason})") });
    }
    let Some(candidate) = answer.candidates.into_iter().next() else {
        return Err(ReasoningError::malformed("candidates", "no candidate in the answer"));
    };
    match candidate.finish_reason.as_deref() {
        None | Some("STOP") | Some("FINISH_REASON_UNSPECIFIED") => {}
        Some("MAX_TOKENS") => return Err(ReasoningError::Truncated { max_output_tokens }),
        Some(reason) if BLOCKING_FINISH_REASONS.contains(&reason) => {
            return Err(ReasoningError::Blocked { reason: format!("answer stopped ({reason})") });
        }
        Some(other) => {
            return Err(ReasoningError::malformed(
                "candidates[0].finishReason",
                format!("the answer ended with {other:?} instead of STOP"),
            ));
        }
    }
    let text: String = candidate
        .content
        .map(|c| c.parts.into_iter().filter(|p| !p.thought).filter_map(|p| p.text).collect())
        .unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ReasoningError::malformed("candidates[0].content.parts", "the answer holds no text"));
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        ReasoningError::malformed("candidates[0].content.parts[].text", format!("not JSON: {}", json_error(&e)))
    })?;
    let usage = answer.usage_metadata.map(|u| TokenUsage {
        input_tokens: u.prompt_token_count,
        output_tokens: u.candidates_token_count + u.thoughts_token_count,
    });
    Ok(LlmResponse { value, model: answer.model_version.unwrap_or_else(|| requested_model.to_owned()), usage })
}

/// The documented error body `{error: {code, message, status, details}}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<Value>,
}

/// What an error answer says: its message, whether it names an invalid key, and a `RetryInfo` delay.
pub(crate) struct ErrorAnswer {
    pub message: String,
    pub invalid_key: bool,
    pub retry_delay_s: Option<f64>,
}

/// Reads an error answer; a body that is not the documented JSON becomes a short excerpt.
pub(crate) fn parse_error(body: &str) -> ErrorAnswer {
    let Ok(ErrorBody { error }) = serde_json::from_str::<ErrorBody>(body) else {
        return ErrorAnswer { message: excerpt(body), invalid_key: false, retry_delay_s: None };
    };
    let reason_is =
        |wanted: &str| error.details.iter().any(|d| d.get("reason").and_then(Value::as_str) == Some(wanted));
    let invalid_key = reason_is("API_KEY_INVALID") || error.message.to_ascii_lowercase().contains("api key not valid");
    let retry_delay_s = error
        .details
        .iter()
        .filter_map(|d| d.get("retryDelay").and_then(Value::as_str))
        .find_map(|delay| delay.strip_suffix('s').and_then(|s| s.parse::<f64>().ok()))
        .filter(|s| s.is_finite() && *s >= 0.0);
    let message = if error.status.is_empty() {
        excerpt(&error.message)
    } else {
        format!("{}: {}", error.status, excerpt(&error.message))
    };
    ErrorAnswer { message, invalid_key, retry_delay_s }
}

/// At most 200 characters of a provider message.
fn excerpt(text: &str) -> String {
    let trimmed = text.trim();
    match trimmed.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None if trimmed.is_empty() => "(empty body)".into(),
        None => trimmed.to_owned(),
    }
}

/// Where and what kind of JSON error, without serde's message (which may quote the text).
fn json_error(error: &serde_json::Error) -> String {
    format!("{:?} error at line {} column {}", error.classify(), error.line(), error.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(schema: Value) -> LlmRequest {
        LlmRequest {
            system: "be brief".into(),
            user: "[00:01] hello".into(),
            response_schema: schema,
            max_output_tokens: 256,
            temperature: Some(0.2),
            judges_harmful_text: false,
        }
    }

    #[test]
    fn request_body_follows_the_documented_shape_with_upper_case_types() {
        let schema =
            json!({"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}, "required": ["n"]});
        let body = request_body(&request(schema), None).unwrap();
        assert!(body["generationConfig"].get("thinkingConfig").is_none());
        assert_eq!(body["contents"][0]["role"], "user");
        assert_eq!(body["contents"][0]["parts"][0]["text"], "[00:01] hello");
        assert_eq!(body["systemInstruction"]["parts"][0]["text"], "be brief");
        let generation = &body["generationConfig"];
        assert_eq!(generation["responseMimeType"], "application/json");
        assert_eq!(generation["maxOutputTokens"], 256);
        assert_eq!(generation["responseSchema"]["type"], "OBJECT");
        assert_eq!(generation["responseSchema"]["properties"]["n"]["type"], "INTEGER");
        assert_eq!(generation["responseSchema"]["properties"]["n"]["minimum"], 0);
        assert_eq!(generation["responseSchema"]["required"], json!(["n"]));
    }

    #[test]
    fn judging_harmful_text_turns_the_providers_filters_off_and_only_then() {
        let plain = request_body(&request(json!({"type": "string"})), None).unwrap();
        assert!(plain.get("safetySettings").is_none(), "the provider's defaults otherwise");
        let mut judging = request(json!({"type": "string"}));
        judging.judges_harmful_text = true;
        let body = request_body(&judging, None).unwrap();
        let settings = body["safetySettings"].as_array().expect("safetySettings");
        assert_eq!(settings.len(), 4);
        assert!(settings.iter().all(|s| s["threshold"] == "BLOCK_NONE"), "{settings:?}");
        assert!(settings.iter().any(|s| s["category"] == "HARM_CATEGORY_HARASSMENT"));
    }

    #[test]
    fn a_thinking_budget_goes_into_the_thinking_config() {
        let body = request_body(&request(json!({"type": "string"})), Some(0)).unwrap();
        assert_eq!(body["generationConfig"]["thinkingConfig"], json!({"thinkingBudget": 0}));
    }

    #[test]
    fn unsupported_schema_keywords_are_named() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "x"}}});
        let error = request_body(&request(schema), None).unwrap_err();
        assert!(
            matches!(&error, ReasoningError::InvalidConfig(m) if m.contains("properties.a") && m.contains("pattern"))
        );
    }

    #[test]
    fn thought_parts_are_left_out_and_thinking_tokens_count_as_output() {
        let body = r#"{"candidates": [{"content": {"parts": [{"text": "thinking…", "thought": true}, {"text": "{\"a\": 1}"}]},
            "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
            "thoughtsTokenCount": 7, "totalTokenCount": 22}, "modelVersion": "gemini-2.5-flash-001"}"#;
        let answer = parse_answer(body, "gemini-2.5-flash", 100).unwrap();
        assert_eq!(answer.value, json!({"a": 1}));
        assert_eq!(answer.model, "gemini-2.5-flash-001");
        assert_eq!(answer.usage, Some(TokenUsage { input_tokens: 10, output_tokens: 12 }));
    }

    #[test]
    fn error_bodies_give_status_invalid_key_and_retry_delay() {
        let body = r#"{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}}"#;
        let answer = parse_error(body);
        assert!(answer.invalid_key);
        assert!(answer.message.starts_with("INVALID_ARGUMENT: "));
        let body = r#"{"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]}}"#;
        assert_eq!(parse_error(body).retry_delay_s, Some(1.5));
        assert_eq!(parse_error("<html>oops</html>").message, "<html>oops</html>");
    }

    #[test]
    fn json_errors_never_quote_the_text() {
        let error = serde_json::from_str::<Value>("{\"secret transcript words\" 1}").unwrap_err();
        assert!(!json_error(&error).contains("secret"));
    }
}
