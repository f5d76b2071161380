//! `classify_transcript_safety` end to end against a local server in Gemini's wire format.

mod support;

use serde_json::{Value, json};
use session_reasoning::{
    AnalysisLimits, ReasoningError, SafetyCategory, TEXT_SAFETY_PROMPT_VERSION, TextSafetyReport,
    classify_transcript_safety,
};
use support::{Server, answer, assert_no_key, transcript};

fn heated_transcript() -> session_transcribe::Transcript {
    transcript(&[
        (0.0, 3.0, "Let's get started with the review."),
        (3.0, 7.5, "You are completely useless, you idiot."),
        (7.5, 12.0, "If you say that again I will hurt you."),
        (12.0, 15.0, "Okay, let's calm down and continue."),
    ])
}

fn run(reply: &Value) -> (Result<TextSafetyReport, ReasoningError>, Vec<support::Received>) {
    let server = Server::start(vec![answer(reply)]);
    let result = classify_transcript_safety(&server.client(0), &heated_transcript(), &AnalysisLimits::default());
    let received = server.finish();
    if let Err(error) = &result {
        assert_no_key(error);
    }
    (result, received)
}

#[test]
fn findings_are_verified_and_timed_from_the_transcript() {
    let reply = json!({
        "scores": {"offensive": 0.7, "harassment": 0.4, "violence": 0.05},
        "findings": [
            {"category": "offensive", "score": 0.8, "reason": "Insult.", "quote": "you are completely useless, you idiot"},
            {"category": "violence", "score": 0.6, "reason": "Threat.", "quote": "I will hurt you", "start_s": 0},
            {"category": "harassment", "score": 0.9, "reason": "Invented.", "quote": "I know where you live"},
        ],
    });
    let (result, received) = run(&reply);
    let report = result.expect("report");

    let sent = &received[0];
    sent.assert_documented();
    assert!(sent.user_text().contains("[00:03] You are completely useless, you idiot.\n[00:07] If you say that again"));
    let schema = &sent.body["generationConfig"]["responseSchema"];
    assert_eq!(
        schema["properties"]["findings"]["items"]["properties"]["category"]["enum"],
        json!(["offensive", "harassment", "violence"])
    );

    assert_eq!(report.prompt_version, TEXT_SAFETY_PROMPT_VERSION);
    assert_eq!(report.model, "gemini-2.5-flash-test-001");
    assert_eq!(report.findings.len(), 2);
    assert_eq!(report.unverified_quotes_dropped, 1);
    let offensive = &report.findings[0];
    assert_eq!(
        (offensive.category, offensive.score, offensive.start_s, offensive.end_s),
        (SafetyCategory::Offensive, 0.8, 3.0, 7.5)
    );
    let violence = &report.findings[1];
    assert_eq!((violence.category, violence.start_s, violence.end_s), (SafetyCategory::Violence, 7.5, 12.0));

    // Overall scores come from the model, raised to the strongest verified finding; the
    // invented harassment finding does not raise its category.
    assert_eq!((report.scores.offensive, report.scores.harassment, report.scores.violence), (0.8, 0.4, 0.6));
    assert!(!report.truncated);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["findings"][0]["category"], "offensive");
    assert_eq!(json["scores"]["violence"], 0.6);
}

#[test]
fn no_findings_keeps_the_model_scores_rather_than_zero() {
    let reply = json!({"scores": {"offensive": 0.12, "harassment": 0.03, "violence": 0.0}, "findings": []});
    let (result, _) = run(&reply);
    let report = result.expect("report");
    assert!(report.findings.is_empty());
    assert_eq!((report.scores.offensive, report.scores.harassment, report.scores.violence), (0.12, 0.03, 0.0));
}

#[test]
fn out_of_range_or_unknown_values_are_malformed_naming_the_field() {
    let reply = json!({"scores": {"offensive": 1.5, "harassment": 0.0, "violence": 0.0}, "findings": []});
    let (result, _) = run(&reply);
    assert!(
        matches!(&result, Err(ReasoningError::MalformedResponse { field, .. }) if field == "scores.offensive"),
        "{result:?}"
    );

    let reply = json!({"scores": {"offensive": 0.1, "harassment": 0.0, "violence": 0.0},
        "findings": [{"category": "spam", "score": 0.5, "reason": "r", "quote": "I will hurt you"}]});
    let (result, _) = run(&reply);
    assert!(
        matches!(&result, Err(ReasoningError::MalformedResponse { field, .. }) if field == "findings[0].category"),
        "{result:?}"
    );

    let reply = json!({"scores": {"offensive": 0.1, "harassment": 0.0}, "findings": []});
    let (result, _) = run(&reply);
    assert!(
        matches!(&result, Err(ReasoningError::MalformedResponse { field, .. }) if field == "scores.violence"),
        "{result:?}"
    );
}

#[test]
fn a_transcript_without_text_is_refused_before_any_request() {
    let server = Server::start(Vec::new());
    let empty = transcript(&[(0.0, 2.0, "  ")]);
    let error = classify_transcript_safety(&server.client(0), &empty, &AnalysisLimits::default()).unwrap_err();
    assert!(
        matches!(&error, ReasoningError::InvalidInput { field, .. } if field == "transcript.segments"),
        "{error:?}"
    );
    assert!(server.finish().is_empty());
}

#[test]
fn the_cost_cap_applies_to_safety_too() {
    let server = Server::start(Vec::new());
    let limits = AnalysisLimits { max_cost_usd: 0.0, ..Default::default() };
    let error = classify_transcript_safety(&server.client(0), &heated_transcript(), &limits).unwrap_err();
    assert!(matches!(error, ReasoningError::CostCapExceeded { .. }), "{error:?}");
    assert!(server.finish().is_empty());
}
