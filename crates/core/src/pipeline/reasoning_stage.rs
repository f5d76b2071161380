//! The LLM stages: `analysis.json`, and the transcript categories of the safety scan.

use serde_json::json;
use session_reasoning::{Analysis, AnalysisInput, TextSafetyReport, analyze_session, classify_transcript_safety};
use session_safety::{CategoryAssessment, DetectorInfo, Evidence, Quote, SafetyCategory, SafetyEvent, SafetySource};
use session_transcribe::{Segment, Transcript};

use crate::pipeline::context::{Run, blocking};
use crate::report::{Engagement, Quality, Stored};
use crate::{ProcessingError, layout};

/// Why the LLM stages do not run without a provider.
pub(crate) const NO_LLM: &str = "no LLM provider is configured: set GEMINI_API_KEY (or give the pipeline an Llm)";

/// Why the analysis does not run without words: rapport, professionalism and the rest are judged
/// from what was said, and from the scores alone a model could only guess.
pub(crate) const NO_WORDS: &str =
    "no transcript with words: the analysis judges what was said (rapport, professionalism, …), not the scores alone";

/// Runs the session analysis and writes `analysis.json` (the report as stored);
/// `Ok(Err(reason))` when it was skipped or failed (the run goes on, and the combined score lists
/// the reason).
pub(crate) async fn analysis(
    run: &mut Run<'_>,
    transcript: Option<Transcript>,
    quality: Option<&Quality>,
    engagement: Option<&Engagement>,
) -> Result<Result<Stored<Analysis>, String>, ProcessingError> {
    let stage = run.begin("analysis")?;
    let Some(llm) = run.config.llm.clone() else {
        stage.skipped(run, NO_LLM);
        return Ok(Err(NO_LLM.into()));
    };
    if !transcript.as_ref().is_some_and(|t| t.segments.iter().any(|s| !s.text.trim().is_empty())) {
        stage.skipped(run, NO_WORDS);
        return Ok(Err(NO_WORDS.into()));
    }
    run.progress("analysis", 0.0);
    // The reports as stored, header included.
    let strip = |report: Option<serde_json::Value>| report.unwrap_or(serde_json::Value::Null);
    let quality =
        quality.map(serde_json::to_value).transpose().map_err(|e| ProcessingError::Internal(e.to_string()))?;
    let engagement =
        engagement.map(serde_json::to_value).transpose().map_err(|e| ProcessingError::Internal(e.to_string()))?;
    let input = AnalysisInput {
        session_id: run.id.to_string(),
        transcript,
        quality: strip(quality),
        engagement: strip(engagement),
        context: run.config.context.clone(),
    };
    let limits = match run.llm_limits() {
        Ok(limits) => limits,
        Err(reason) => {
            stage.skipped(run, reason.clone());
            return Ok(Err(reason));
        }
    };
    let result = blocking(move || analyze_session(llm.as_ref(), &input, &limits)).await?;
    match result {
        Ok(analysis) => {
            run.llm_spent(analysis.usage.estimated_cost_usd);
            let stored = run.put_report(layout::ANALYSIS, analysis).await?;
            stage.done(run);
            Ok(Ok(stored))
        }
        Err(error) => {
            let error = ProcessingError::from(error);
            stage.failed(run, &error);
            Ok(Err(format!("the LLM analysis failed: {error}")))
        }
    }
}

/// The transcript categories judged by the LLM, to merge with the lexicon's; unavailable
/// verdicts with the reason when there is no provider or the call failed.
pub(crate) async fn text_safety(
    run: &Run<'_>,
    participant: Option<&str>,
    transcript: Option<&Transcript>,
) -> Result<Vec<CategoryAssessment>, ProcessingError> {
    let threshold = run.config.safety.text_threshold;
    let categories = [SafetyCategory::Offensive, SafetyCategory::Harassment, SafetyCategory::Violence];
    let unavailable = |reason: &str| {
        categories.iter().map(|c| CategoryAssessment::unavailable(*c, threshold, reason.to_string())).collect()
    };
    let (Some(llm), Some(transcript)) = (run.config.llm.clone(), transcript) else {
        return Ok(unavailable(if run.config.llm.is_none() { NO_LLM } else { "no transcript to classify" }));
    };
    if transcript.segments.iter().all(|s| s.text.trim().is_empty()) {
        return Ok(unavailable("the transcript has no words to classify"));
    }
    run.check_cancel()?;
    let limits = match run.llm_limits() {
        Ok(limits) => limits,
        Err(reason) => return Ok(unavailable(&reason)),
    };
    let transcript = transcript.clone();
    match blocking(move || classify_transcript_safety(llm.as_ref(), &transcript, &limits)).await? {
        Ok(report) => {
            run.llm_spent(report.usage.estimated_cost_usd);
            Ok(assessments(&report, participant, threshold))
        }
        Err(error) => Ok(unavailable(&format!("the LLM classification failed: {}", ProcessingError::from(error)))),
    }
}

fn assessments(report: &TextSafetyReport, participant: Option<&str>, threshold: f64) -> Vec<CategoryAssessment> {
    let detector = DetectorInfo { id: format!("llm/{}", report.model), version: report.prompt_version.clone() };
    [
        (SafetyCategory::Offensive, report.scores.offensive),
        (SafetyCategory::Harassment, report.scores.harassment),
        (SafetyCategory::Violence, report.scores.violence),
    ]
    .into_iter()
    .map(|(category, score)| {
        let events = report
            .findings
            .iter()
            .filter(|f| f.category.name() == category.as_str() && f.score >= threshold)
            .map(|finding| {
                let score = finding.score.clamp(0.0, 1.0);
                let mut event = SafetyEvent::new(category, score, threshold, SafetySource::PostSession, detector.clone());
                event.participant = participant.map(str::to_string);
                event.media_time_s = Some(finding.start_s.max(0.0));
                event.evidence = Evidence {
                    frame_time_s: None,
                    quote: Some(Quote {
                        text: finding.quote.clone(),
                        start_s: finding.start_s.max(0.0),
                        end_s: finding.end_s.max(finding.start_s).max(0.0),
                    }),
                    details: Some(json!({"reason": finding.reason})),
                };
                event
            })
            .collect();
        let signals = json!({"findings": report.findings.iter().filter(|f| f.category.name() == category.as_str()).count(),
            "truncated": report.truncated, "unverified_quotes_dropped": report.unverified_quotes_dropped,
            "estimated_cost_usd": report.usage.estimated_cost_usd});
        CategoryAssessment::judged(category, score, threshold, vec![detector.clone()], signals, events)
    })
    .collect()
}

/// One transcript for the whole session: with one recording per participant, their segments on
/// one timeline, each line prefixed with who spoke.
pub(crate) fn session_transcript(parts: &[(Option<String>, f64, Transcript)]) -> Option<Transcript> {
    match parts {
        [] => None,
        [(None, _, transcript)] => Some(transcript.clone()),
        _ => {
            let mut merged = parts[0].2.clone();
            let mut segments: Vec<Segment> = parts
                .iter()
                .flat_map(|(who, offset, transcript)| {
                    transcript.segments.iter().map(move |s| {
                        let mut s = s.clone();
                        s.start_s += offset;
                        s.end_s += offset;
                        if let Some(who) = who {
                            s.text = format!("{who}: {}", s.text.trim());
                        }
                        s
                    })
                })
                .collect();
            segments.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
            merged.text = segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n");
            merged.duration_s = segments.last().map_or(0.0, |s| s.end_s).max(merged.duration_s);
            merged.segments = segments;
            merged.words = None;
            Some(merged)
        }
    }
}
