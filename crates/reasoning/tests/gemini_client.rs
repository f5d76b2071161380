//! `Gemini` against a local server speaking the `generateContent` wire format: the request it
//! sends, retries, and every typed error.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use session_reasoning::{Llm, LlmRequest, ReasoningError, TokenUsage};
use support::{KEY, Reply, Server, answer, assert_no_key, candidate_text, error, raw};

fn request() -> LlmRequest {
    LlmRequest {
        system: "You grade things.".into(),
        user: "[00:03] hello there".into(),
        response_schema: json!({
            "type": "object",
            "properties": {"grade": {"type": "integer", "minimum": 0, "maximum": 100}},
            "required": ["grade"],
        }),
        max_output_tokens: 512,
        temperature: Some(0.2),
        judges_harmful_text: false,
    }
}

/// Runs one `generate_json` call against `replies`; returns the result and the requests made.
fn run(
    replies: Vec<Reply>,
    max_retries: u32,
) -> (Result<session_reasoning::LlmResponse, ReasoningError>, Vec<support::Received>) {
    let server = Server::start(replies);
    let result = server.client(max_retries).generate_json(&request());
    let received = server.finish();
    if let Err(error) = &result {
        assert_no_key(error);
    }
    (result, received)
}

#[test]
fn a_successful_call_sends_the_documented_request_and_parses_the_answer() {
    let (result, received) = run(vec![answer(&json!({"grade": 87}))], 0);
    let response = result.expect("success");
    assert_eq!(response.value, json!({"grade": 87}));
    assert_eq!(response.model, "gemini-2.5-flash-test-001");
    assert_eq!(response.usage, Some(TokenUsage { input_tokens: 1200, output_tokens: 300 }));
    assert_eq!(received.len(), 1);
    let sent = &received[0];
    sent.assert_documented();
    assert_eq!(sent.user_text(), "[00:03] hello there");
    assert_eq!(sent.body["systemInstruction"]["parts"][0]["text"], "You grade things.");
    let generation = &sent.body["generationConfig"];
    assert_eq!(generation["maxOutputTokens"], 512);
    assert_eq!(generation["responseSchema"]["properties"]["grade"]["type"], "INTEGER");
    assert_eq!(generation["responseSchema"]["properties"]["grade"]["maximum"], 100);
    assert!((generation["temperature"].as_f64().unwrap() - 0.2).abs() < 1e-6);
}

#[test]
fn a_429_is_retried_after_the_retry_after_header() {
    let limited = error(429, "RESOURCE_EXHAUSTED", "Quota exceeded").with_header("Retry-After", "1");
    let started = Instant::now();
    let (result, received) = run(vec![limited, answer(&json!({"grade": 50}))], 3);
    assert_eq!(result.expect("success after one retry").value, json!({"grade": 50}));
    assert_eq!(received.len(), 2, "one 429, then the successful retry");
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 is honoured, not the 10 ms backoff");
    assert_eq!(received[1].body, received[0].body, "the retry sends the same request");
}

#[test]
fn a_429_honours_the_retry_info_delay_of_the_error_body() {
    let body = json!({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED",
        "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.4s"}]}});
    let started = Instant::now();
    let (result, received) = run(vec![raw(429, body.to_string()), answer(&json!({"grade": 1}))], 1);
    assert!(result.is_ok());
    assert_eq!(received.len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[test]
fn rate_limiting_that_never_ends_is_a_rate_limited_error() {
    let replies = (0..3).map(|_| error(429, "RESOURCE_EXHAUSTED", "Quota exceeded")).collect();
    let (result, received) = run(replies, 2);
    assert!(matches!(result, Err(ReasoningError::RateLimited { attempts: 3, .. })), "{result:?}");
    assert_eq!(received.len(), 3);
}

#[test]
fn repeated_500s_become_a_server_error_after_max_retries() {
    let replies = (0..3).map(|_| error(500, "INTERNAL", "An internal error has occurred.")).collect();
    let (result, received) = run(replies, 2);
    match result {
        Err(ReasoningError::ServerError { status: 500, attempts: 3, message }) => {
            assert!(message.contains("INTERNAL: An internal error has occurred."), "{message}");
        }
        other => panic!("expected ServerError, got {other:?}"),
    }
    assert_eq!(received.len(), 3, "one attempt plus two retries, no more");
}

#[test]
fn a_503_then_success_is_retried() {
    let (result, received) =
        run(vec![error(503, "UNAVAILABLE", "The model is overloaded."), answer(&json!({"grade": 2}))], 1);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(received.len(), 2);
}

#[test]
fn a_401_or_403_is_unauthorized_without_retry_and_names_the_variable() {
    for status in [401, 403] {
        let (result, received) = run(vec![error(status, "PERMISSION_DENIED", "denied")], 3);
        let error = result.expect_err("unauthorized");
        assert!(matches!(error, ReasoningError::Unauthorized { status: s } if s == status));
        assert!(error.to_string().contains("GEMINI_API_KEY"));
        assert_eq!(received.len(), 1, "credentials are not retried");
    }
}

#[test]
fn an_invalid_key_400_is_unauthorized_and_an_echoed_key_is_redacted() {
    let body = json!({"error": {"code": 400, "message": format!("API key not valid: {KEY}"), "status": "INVALID_ARGUMENT",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}});
    let (result, _) = run(vec![raw(400, body.to_string())], 0);
    assert!(matches!(result, Err(ReasoningError::Unauthorized { status: 400 })), "{result:?}");

    let echoed = error(404, "NOT_FOUND", &format!("models/gemini-9 is not found for key {KEY}"));
    let (result, _) = run(vec![echoed], 0);
    match result {
        Err(ReasoningError::RequestRejected { status: 404, message }) => {
            assert!(message.contains("NOT_FOUND") && message.contains("<redacted>"), "{message}");
        }
        other => panic!("expected RequestRejected, got {other:?}"),
    }
}

#[test]
fn a_blocked_prompt_is_blocked_with_the_block_reason() {
    let body = json!({"promptFeedback": {"blockReason": "SAFETY",
        "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": true}]}});
    let (result, _) = run(vec![raw(200, body.to_string())], 0);
    match result {
        Err(ReasoningError::Blocked { reason }) => assert!(reason.contains("SAFETY") && reason.contains("prompt")),
        other => panic!("expected Blocked, got {other:?}"),
    }
}

#[test]
fn an_answer_stopped_for_safety_is_blocked() {
    for finish in ["SAFETY", "PROHIBITED_CONTENT"] {
        let (result, _) = run(vec![candidate_text("", finish)], 0);
        assert!(matches!(&result, Err(ReasoningError::Blocked { reason }) if reason.contains(finish)), "{result:?}");
    }
}

#[test]
fn max_tokens_is_truncated() {
    let (result, received) = run(vec![candidate_text("{\"grade\": ", "MAX_TOKENS")], 2);
    assert!(matches!(result, Err(ReasoningError::Truncated { max_output_tokens: 512 })), "{result:?}");
    assert_eq!(received.len(), 1, "a truncated answer is not retried");
}

#[test]
fn candidate_text_that_is_not_json_is_malformed_without_quoting_it() {
    let (result, _) = run(vec![candidate_text("Sure! Here is my private reasoning: grade 80", "STOP")], 0);
    let error = result.expect_err("malformed");
    assert!(matches!(&error, ReasoningError::MalformedResponse { field, .. } if field.contains("text")), "{error:?}");
    assert!(!error.to_string().contains("private reasoning"));
}

#[test]
fn a_body_that_is_not_a_gemini_answer_is_malformed() {
    let (result, _) = run(vec![raw(200, "<html>proxy login</html>".into())], 0);
    assert!(matches!(result, Err(ReasoningError::MalformedResponse { field, .. }) if field == "response body"));
}

#[test]
fn a_server_slower_than_the_timeout_is_a_timeout_and_not_retried() {
    let slow = answer(&json!({"grade": 3})).delayed(Duration::from_millis(1_800));
    let started = Instant::now();
    let (result, received) = run(vec![slow], 2);
    assert!(matches!(result, Err(ReasoningError::Timeout { timeout_s }) if timeout_s == 1.0), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(received.len(), 1);
}

#[test]
fn an_unreachable_server_is_a_transport_error_after_the_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = session_reasoning::GeminiConfig {
        base_url: format!("http://127.0.0.1:{port}"),
        max_retries: 1,
        backoff: Duration::from_millis(10),
        ..session_reasoning::GeminiConfig::new(KEY)
    };
    let result = session_reasoning::Gemini::new(config).unwrap().generate_json(&request());
    let error = result.expect_err("nothing listens");
    assert!(matches!(error, ReasoningError::Transport { attempts: 2, .. }), "{error:?}");
    assert_no_key(&error);
}

#[test]
fn the_client_debug_output_hides_the_key() {
    let server = Server::start(Vec::new());
    let client = server.client(0);
    assert!(!format!("{client:?}").contains(KEY));
    assert!(!format!("{:?}", client.config()).contains(KEY));
    assert!(server.finish().is_empty());
}
