//! The LLM stages in the pipeline against a local server that speaks Gemini's wire format:
//! `analysis.json`, the transcript safety verdicts, and what happens when the provider fails.

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use session_processing::{CancelFlag, CandleWhisper, StageStatus, Stages};
use session_testkit::gemini::{Server, answer_from_prompt, error, prompt_lines};
use support::{assert_stored_as, builder_for, fixture, json, local, model_dir, read_json};

/// The first six words of a transcript line: a quote the verifier must find, whatever Whisper heard.
fn opening_words(line: &(u32, String)) -> String {
    line.1.split_whitespace().take(6).collect::<Vec<_>>().join(" ")
}

/// The analysis a model would give on `clean.mp4`: real quotes from the first four transcript
/// lines it was shown, one invented quote.
fn analysis_answer(user_text: &str) -> Value {
    let lines = prompt_lines(user_text);
    assert!(lines.len() >= 4, "clean.mp4 has at least four transcript lines: {lines:?}");
    let dimension = |score: f64, quote: &str| json!({"score": score, "reason": "from the test", "evidence": [{"quote": quote, "start_s": 0, "end_s": 1}]});
    json!({
        "summary": "An interview about a scheduling project.",
        "scores": {
            "clarity": dimension(80.0, &opening_words(&lines[1])),
            "rapport": dimension(70.0, &opening_words(&lines[0])),
            "professionalism": dimension(90.0, "a sentence nobody said"),
            "engagement": dimension(60.0, &opening_words(&lines[3])),
            "goal_progress": dimension(50.0, &opening_words(&lines[2])),
        }
    })
}

fn stage_status(dir: &std::path::Path, name: &str) -> Value {
    let manifest = read_json(&dir.join("manifest.json"));
    manifest["stages"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone()
}

fn category<'a>(scan: &'a Value, name: &str) -> &'a Value {
    scan["categories"].as_array().unwrap().iter().find(|c| c["category"] == name).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_llm_scores_the_session_and_judges_the_transcript() {
    let safety = |user_text: &str| {
        let lines = prompt_lines(user_text);
        let last = opening_words(lines.last().expect("transcript lines"));
        json!({
            "scores": {"offensive": 0.05, "harassment": 0.1, "violence": 0.65},
            "findings": [{"category": "violence", "score": 0.65, "reason": "test finding", "quote": last}],
        })
    };
    let server = Server::start(vec![answer_from_prompt(safety), answer_from_prompt(analysis_answer)]);
    let whisper = CandleWhisper::load(&model_dir()).expect("load Whisper tiny.en");
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path())
        .transcriber(Arc::new(whisper))
        .llm(Arc::new(server.client(0)))
        .session_context("a job interview")
        .build();
    let result = processor.process("RM_llm", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    let received = server.finish();
    assert_eq!(received.len(), 2, "one safety call, one analysis call");
    for request in &received {
        request.assert_documented();
    }
    assert!(received[1].user_text().contains("a job interview"));

    let dir = out.path().join("sessions/RM_llm");
    let analysis = read_json(&dir.join("analysis.json"));
    assert_eq!(result.analysis.as_ref().map(json).as_ref(), Some(&analysis));
    assert_stored_as(result.analysis.as_ref().unwrap(), &dir.join("analysis.json"));
    assert_eq!(analysis["session_id"], "RM_llm");
    assert_eq!(analysis["score"], 70.0, "{analysis}");
    assert_eq!(analysis["unverified_quotes_dropped"], 1, "the invented quote is dropped: {analysis}");
    let shown = prompt_lines(received[1].user_text());
    let evidence = &analysis["scores"]["engagement"]["evidence"][0];
    let start_s = evidence["start_s"].as_f64().unwrap();
    assert!(start_s > 5.0, "the fourth line starts after five seconds: {evidence}");
    assert!((start_s - f64::from(shown[3].0)).abs() < 1.0, "times come from the transcript, not the model: {evidence}");
    assert_eq!(stage_status(&dir, "analysis")["status"], "ok");
    let combined = read_json(&dir.join("combined-score.json"));
    assert!(combined["used"].as_array().unwrap().iter().any(|u| u["name"] == "analysis"), "{combined}");

    let scan = read_json(&dir.join("safety-scan.json"));
    let violence = category(&scan, "violence");
    assert_eq!((violence["score"].as_f64(), violence["decision"].as_str()), (Some(0.65), Some("flagged")));
    let event = &violence["events"][0];
    assert_eq!(event["detector"]["id"], "llm/gemini-2.5-flash-test-001");
    assert!(event["evidence"]["quote"]["start_s"].as_f64().unwrap() > 10.0, "{event}");
    for name in ["offensive", "harassment"] {
        let verdict = category(&scan, name);
        assert_eq!(verdict["decision"], "clear", "{name}: {verdict}");
        let ids: Vec<_> = verdict["detectors"].as_array().unwrap().iter().map(|d| d["id"].clone()).collect();
        assert_eq!(ids.len(), 2, "lexicon and LLM both judged {name}: {verdict}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_provider_fails_the_stage_not_the_session() {
    let server = Server::start(vec![error(500, "INTERNAL", "backend exploded")]);
    let whisper = CandleWhisper::load(&model_dir()).expect("load Whisper tiny.en");
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path())
        .transcriber(Arc::new(whisper))
        .stages(Stages { safety_scan: false, ..Stages::default() })
        .llm(Arc::new(server.client(0)))
        .build();
    let result = processor.process("RM_down", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert_eq!(server.finish().len(), 1, "the safety scan off: only the analysis call");
    let dir = out.path().join("sessions/RM_down");
    assert!(!dir.join("analysis.json").exists(), "a failed analysis leaves no analysis.json");
    assert!(result.analysis.is_none());
    let stage = stage_status(&dir, "analysis");
    assert_eq!(stage["status"], "failed", "{stage}");
    assert!(stage["error"]["code"].as_str().unwrap().starts_with("reasoning"), "{stage}");
    assert_eq!(read_json(&dir.join("manifest.json"))["status"], "complete");
    let combined = read_json(&dir.join("combined-score.json"));
    let missing = combined["missing"].as_array().unwrap().iter().find(|m| m["name"] == "analysis").unwrap().clone();
    assert!(missing["reason"].as_str().unwrap().contains("LLM analysis failed"), "{missing}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_words_the_llm_is_not_asked_to_guess_and_says_why() {
    // No transcriber: the analysis is skipped (rapport from scores alone would be a guess), and
    // the transcript categories say the LLM could not judge them beside the word list's verdict.
    let server = Server::start(Vec::new());
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).llm(Arc::new(server.client(0))).build();
    let result = processor.process("RM_words", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert!(server.finish().is_empty(), "nothing sent");
    let stage = result.stages.iter().find(|s| s.name == "analysis").unwrap();
    assert_eq!(stage.status, StageStatus::Skipped);
    assert!(stage.reason.as_deref().unwrap().contains("judges what was said"), "{stage:?}");
    let scan = read_json(&out.path().join("sessions/RM_words/safety-scan.json"));
    assert!(category(&scan, "violence")["score"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_provider_the_analysis_is_skipped_with_the_reason() {
    let out = tempfile::tempdir().unwrap();
    let result = builder_for(out.path())
        .build()
        .process("RM_nollm", local(&fixture("clean.mp4")), &CancelFlag::new())
        .await
        .unwrap();
    let stage = result.stages.iter().find(|s| s.name == "analysis").unwrap();
    assert_eq!(stage.status, StageStatus::Skipped);
    assert!(stage.reason.as_deref().unwrap().contains("GEMINI_API_KEY"));
    let scan = read_json(&out.path().join("sessions/RM_nollm/safety-scan.json"));
    assert!(category(&scan, "violence")["reason"].as_str().unwrap().contains("GEMINI_API_KEY"));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_safety_scan_off_the_llm_is_asked_only_for_the_analysis() {
    let server = Server::start(vec![answer_from_prompt(analysis_answer)]);
    let whisper = CandleWhisper::load(&model_dir()).expect("load Whisper tiny.en");
    let out = tempfile::tempdir().unwrap();
    let stages = Stages { safety_scan: false, ..Default::default() };
    let processor =
        builder_for(out.path()).transcriber(Arc::new(whisper)).llm(Arc::new(server.client(0))).stages(stages).build();
    let result = processor.process("RM_noscan", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert_eq!(server.finish().len(), 1, "no transcript safety call when the scan is off");
    assert!(result.analysis.is_some());
    assert!(result.safety.is_none());
    assert_eq!(stage_status(&out.path().join("sessions/RM_noscan"), "safety")["status"], "skipped");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spent_session_budget_sends_nothing_and_says_so() {
    let server = Server::start(Vec::new());
    let whisper = CandleWhisper::load(&model_dir()).expect("load Whisper tiny.en");
    let out = tempfile::tempdir().unwrap();
    let limits = session_processing::AnalysisLimits { max_session_cost_usd: 0.0, ..Default::default() };
    let processor = builder_for(out.path())
        .transcriber(Arc::new(whisper))
        .llm(Arc::new(server.client(0)))
        .analysis_limits(limits)
        .build();
    let result = processor.process("RM_budget", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert!(server.finish().is_empty(), "no call past the session's budget");
    let stage = result.stages.iter().find(|s| s.name == "analysis").unwrap();
    assert_eq!(stage.status, StageStatus::Skipped);
    assert!(stage.reason.as_deref().unwrap().contains("max_session_cost_usd"), "{stage:?}");
    let scan = read_json(&out.path().join("sessions/RM_budget/safety-scan.json"));
    let violence = category(&scan, "violence");
    assert!(violence["reason"].as_str().unwrap().contains("max_session_cost_usd"), "{violence}");
}
