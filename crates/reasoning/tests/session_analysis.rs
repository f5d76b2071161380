//! `analyze_session` end to end: `Gemini` against a local server answering in Gemini's wire
//! format, checking the prompt sent and the validated `analysis.json` content.

mod support;

use serde_json::{Value, json};
use session_reasoning::{
    ANALYSIS_PROMPT_VERSION, Analysis, AnalysisInput, AnalysisLimits, AnalysisStatus, ReasoningError, analyze_session,
};
use support::{Server, answer, assert_no_key, transcript};

fn tutoring_transcript() -> session_transcribe::Transcript {
    transcript(&[
        (0.0, 4.2, "Hi Sam, good to see you again."),
        (4.2, 9.8, "Today we'll work through adding fractions with different denominators."),
        (9.8, 15.0, "Okay, I always get confused by the common denominator part."),
        (75.0, 81.5, "Great question! Let's find the least common multiple first."),
    ])
}

fn input(transcript: Option<session_transcribe::Transcript>) -> AnalysisInput {
    AnalysisInput {
        session_id: "session-7".into(),
        transcript,
        quality: json!({"schema_version": 1, "score": 82.4, "audio": {"score": 90.1}, "video": {"score": 74.0}}),
        engagement: json!({"score": 71.0, "conversation": {"turn_count": 14, "balance": 0.62}}),
        context: Some("tutoring session".into()),
    }
}

/// A complete answer; `quotes[i]` is the evidence of dimension i (clarity, rapport, …).
fn model_answer(scores: [f64; 5], quotes: [&[&str]; 5]) -> Value {
    let names = ["clarity", "rapport", "professionalism", "engagement", "goal_progress"];
    let mut dimensions = serde_json::Map::new();
    for (i, name) in names.iter().enumerate() {
        let evidence: Vec<Value> =
            quotes[i].iter().map(|q| json!({"quote": q, "start_s": 999.0, "end_s": 1000.0})).collect();
        dimensions.insert(
            (*name).into(),
            json!({"score": scores[i], "reason": format!("{name} reason"), "evidence": evidence}),
        );
    }
    json!({"summary": "A focused fractions lesson.", "scores": dimensions})
}

fn run(
    answer_value: &Value,
    input: &AnalysisInput,
    limits: &AnalysisLimits,
) -> (Result<Analysis, ReasoningError>, Vec<support::Received>) {
    let server = Server::start(vec![answer(answer_value)]);
    let result = analyze_session(&server.client(0), input, limits);
    let received = server.finish();
    if let Err(error) = &result {
        assert_no_key(error);
    }
    (result, received)
}

#[test]
fn a_session_is_analysed_with_the_transcript_lines_and_score_summaries_in_the_prompt() {
    let reply = model_answer(
        [80.0, 90.0, 85.0, 70.0, 75.5],
        [
            &["Today we'll work through adding fractions with different denominators."],
            &["hi sam good to see you again"],
            &[],
            &["I always get confused by the common denominator part"],
            &["Let's find the least common multiple first"],
        ],
    );
    let (result, received) = run(&reply, &input(Some(tutoring_transcript())), &AnalysisLimits::default());
    let analysis = result.expect("analysis");

    assert_eq!(received.len(), 1);
    let sent = &received[0];
    sent.assert_documented();
    let user = sent.user_text();
    assert!(user.contains("Session: session-7\nContext: tutoring session"));
    assert!(user.contains("[00:00] Hi Sam, good to see you again.\n[00:04] Today we'll work through"));
    assert!(user.contains("[01:15] Great question! Let's find the least common multiple first."));
    assert!(user.contains("score: 82.4") && user.contains("conversation.turn_count: 14"));
    assert!(!user.contains("schema_version"), "envelope fields are left out of the summaries");
    let schema = &sent.body["generationConfig"]["responseSchema"];
    assert_eq!(schema["properties"]["scores"]["properties"]["rapport"]["properties"]["score"]["type"], "INTEGER");

    assert_eq!(analysis.status, AnalysisStatus::Complete);
    assert_eq!(analysis.session_id, "session-7");
    assert_eq!(analysis.model, "gemini-2.5-flash-test-001");
    assert_eq!(analysis.prompt_version, ANALYSIS_PROMPT_VERSION);
    assert_eq!(analysis.scores.goal_progress.score, 75.5);
    assert_eq!(analysis.score, 80.1, "mean of 80, 90, 85, 70, 75.5 = 80.1");
    assert_eq!(analysis.summary, "A focused fractions lesson.");
    assert_eq!(analysis.scores.rapport.reason, "rapport reason");
    assert!(!analysis.truncated && analysis.transcript_used);
    assert_eq!(analysis.unverified_quotes_dropped, 0);

    // Times come from the transcript segment, not from the model's 999 s.
    let clarity = &analysis.scores.clarity.evidence;
    assert_eq!((clarity.len(), clarity[0].start_s, clarity[0].end_s), (1, 4.2, 9.8));
    assert_eq!((analysis.scores.rapport.evidence[0].start_s, analysis.scores.rapport.evidence[0].end_s), (0.0, 4.2));
    assert_eq!(analysis.scores.goal_progress.evidence[0].start_s, 75.0);
    assert!(analysis.scores.professionalism.evidence.is_empty());

    // Usage from usageMetadata: 1200 × $0.30/M + 300 × $2.50/M.
    assert_eq!((analysis.usage.input_tokens, analysis.usage.output_tokens), (1200, 300));
    assert!((analysis.usage.estimated_cost_usd - 0.00111).abs() < 1e-9, "{}", analysis.usage.estimated_cost_usd);
}

#[test]
fn analysis_json_has_the_documented_fields_and_round_trips() {
    let reply = model_answer([50.0; 5], [&[], &[], &[], &[], &[]]);
    let (result, _) = run(&reply, &input(Some(tutoring_transcript())), &AnalysisLimits::default());
    let analysis = result.expect("analysis");
    let json = serde_json::to_value(&analysis).unwrap();
    assert_eq!(json["status"], "complete");
    for field in ["model", "prompt_version", "score", "summary", "usage", "truncated", "unverified_quotes_dropped"] {
        assert!(json.get(field).is_some(), "missing {field}");
    }
    for name in ["clarity", "rapport", "professionalism", "engagement", "goal_progress"] {
        assert!(json["scores"][name]["evidence"].is_array(), "{name}");
    }
    assert_eq!(json["usage"]["estimated_cost_usd"], json!(0.00111));
    let back: Analysis = serde_json::from_value(json).unwrap();
    assert_eq!(back, analysis);
}

#[test]
fn hallucinated_quotes_are_dropped_and_counted() {
    let reply = model_answer(
        [60.0; 5],
        [
            &["The tutor said fractions are easy and fun.", "adding fractions with different denominators"],
            &["Sam thanked the tutor warmly."],
            &[],
            &[],
            &["  ", "least common multiple"],
        ],
    );
    let (result, _) = run(&reply, &input(Some(tutoring_transcript())), &AnalysisLimits::default());
    let analysis = result.expect("analysis");
    assert_eq!(analysis.unverified_quotes_dropped, 3, "two invented quotes and a blank one");
    assert_eq!(analysis.scores.clarity.evidence.len(), 1);
    assert_eq!(analysis.scores.clarity.evidence[0].quote, "adding fractions with different denominators");
    assert!(analysis.scores.rapport.evidence.is_empty());
    assert_eq!(analysis.scores.goal_progress.evidence[0].start_s, 75.0);
}

#[test]
fn a_score_out_of_range_is_malformed_naming_the_field() {
    let reply = model_answer([80.0, 140.0, 85.0, 70.0, 75.0], [&[], &[], &[], &[], &[]]);
    let (result, _) = run(&reply, &input(Some(tutoring_transcript())), &AnalysisLimits::default());
    match result {
        Err(ReasoningError::MalformedResponse { field, problem }) => {
            assert_eq!(field, "scores.rapport.score");
            assert!(problem.contains("140"), "{problem}");
        }
        other => panic!("expected MalformedResponse, got {other:?}"),
    }
}

#[test]
fn a_missing_dimension_is_malformed_naming_it() {
    let mut reply = model_answer([80.0; 5], [&[], &[], &[], &[], &[]]);
    reply["scores"].as_object_mut().unwrap().remove("engagement");
    let (result, _) = run(&reply, &input(Some(tutoring_transcript())), &AnalysisLimits::default());
    assert!(
        matches!(&result, Err(ReasoningError::MalformedResponse { field, .. }) if field == "scores.engagement"),
        "{result:?}"
    );
}

#[test]
fn a_long_transcript_is_cut_in_the_middle_with_the_marker() {
    let texts: Vec<(f64, f64, String)> = (0..600)
        .map(|i| (i as f64 * 6.0, i as f64 * 6.0 + 5.0, format!("This is spoken sentence number {i}.")))
        .collect();
    let borrowed: Vec<(f64, f64, &str)> = texts.iter().map(|(a, b, t)| (*a, *b, t.as_str())).collect();
    let limits = AnalysisLimits { max_transcript_chars: 4_000, ..Default::default() };
    let reply = model_answer(
        [70.0; 5],
        [&["This is spoken sentence number 2."], &["spoken sentence number 300"], &[], &[], &["sentence number 599"]],
    );
    let (result, received) = run(&reply, &input(Some(transcript(&borrowed))), &limits);
    let analysis = result.expect("analysis");
    assert!(analysis.truncated);

    let user = received[0].user_text();
    let lines: String = user.split("<transcript>\n").nth(1).unwrap().split("\n</transcript>").next().unwrap().into();
    assert!(lines.chars().count() <= 4_000);
    assert!(lines.starts_with("[00:00] This is spoken sentence number 0."));
    assert!(lines.ends_with("[59:54] This is spoken sentence number 599."));
    let marker = lines.lines().find(|l| l.starts_with("[… ")).expect("omission marker");
    assert!(marker.ends_with(" minutes omitted …]"), "{marker}");
    assert!(!lines.contains("number 300."), "the middle is left out");

    // A quote from the omitted middle was never shown to the model: it is dropped.
    assert_eq!(analysis.unverified_quotes_dropped, 1);
    assert_eq!(analysis.scores.goal_progress.evidence[0].start_s, 599.0 * 6.0);
}

#[test]
fn the_cost_cap_refuses_before_any_request() {
    let limits = AnalysisLimits { max_cost_usd: 0.001, ..Default::default() };
    let server = Server::start(vec![answer(&model_answer([50.0; 5], [&[], &[], &[], &[], &[]]))]);
    let result = analyze_session(&server.client(0), &input(Some(tutoring_transcript())), &limits);
    assert!(server.finish().is_empty(), "the server saw no request");
    let error = result.expect_err("over the cap");
    let ReasoningError::CostCapExceeded { estimated_usd, max_cost_usd, max_output_tokens, .. } = &error else {
        panic!("expected CostCapExceeded, got {error:?}");
    };
    assert!(estimated_usd > max_cost_usd);
    assert_eq!(*max_output_tokens, 8_192);
    assert!(error.to_string().contains("max_cost_usd"));
    assert!(!error.to_string().contains("Sam"), "no transcript text in errors");
}

#[test]
fn without_words_to_judge_nothing_is_asked() {
    // Rapport and professionalism from the scores alone would be a guess about people.
    let server = Server::start(Vec::new());
    let client = server.client(0);
    for transcript in [None, Some(transcript(&[(0.0, 2.0, "  ")]))] {
        let error = analyze_session(&client, &input(transcript), &AnalysisLimits::default()).unwrap_err();
        assert!(matches!(&error, ReasoningError::InvalidInput { field, .. } if field == "transcript"), "{error:?}");
    }
    assert!(server.finish().is_empty(), "no request sent");
}

#[test]
fn bad_inputs_and_limits_are_refused_before_any_request() {
    let server = Server::start(Vec::new());
    let client = server.client(0);
    let no_id = AnalysisInput { session_id: " ".into(), ..input(None) };
    let error = analyze_session(&client, &no_id, &AnalysisLimits::default()).unwrap_err();
    assert!(matches!(&error, ReasoningError::InvalidInput { field, .. } if field == "session_id"), "{error:?}");
    let bad_limits = AnalysisLimits { max_output_tokens: 0, ..Default::default() };
    let error = analyze_session(&client, &input(None), &bad_limits).unwrap_err();
    assert!(matches!(&error, ReasoningError::InvalidConfig(m) if m.contains("max_output_tokens")), "{error:?}");
    assert!(server.finish().is_empty());
}
