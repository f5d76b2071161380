//! [`analyze_session`]: the content of `analysis.json`, produced by one LLM call over the
//! transcript and the quality/engagement reports, with every quote checked against the transcript.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use session_transcribe::Transcript;

use crate::analysis_prompt::{
    ANALYSIS_PROMPT_VERSION, ANALYSIS_SYSTEM, AnalysisPromptParts, DIMENSIONS, analysis_schema, analysis_user_prompt,
};
use crate::answer_fields::{member, number_in, one_decimal, optional_array, string};
use crate::guarded_call::guarded_call;
use crate::quote_match::{QuoteIndex, normalize};
use crate::transcript_lines::prompt_transcript;
use crate::{AnalysisLimits, Llm, ReasoningError, Usage};

/// Longest context string accepted.
const MAX_CONTEXT_CHARS: usize = 1_000;

/// What one session analysis is made from.
#[derive(Clone, Debug, Default)]
pub struct AnalysisInput {
    /// The session's id, repeated in the output.
    pub session_id: String,
    /// The session's transcript, `None` when there is none (the analysis then rests on the scores).
    pub transcript: Option<Transcript>,
    /// The content of `quality.json` (`Value::Null` when it was not computed).
    pub quality: Value,
    /// The content of `engagement.json` (`Value::Null` when it was not computed).
    pub engagement: Value,
    /// What kind of session this is, e.g. "tutoring session" or "1:1 match".
    pub context: Option<String>,
}

/// Always `complete`: a failed analysis is an error and no `analysis.json` is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisStatus {
    /// Every dimension was scored and validated.
    Complete,
}

/// One transcript passage supporting a score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "AnalysisEvidence")] // `Evidence` is the safety event's, in the same schemas
pub struct Evidence {
    /// The passage as the model quoted it; it was found in the transcript.
    pub quote: String,
    /// Start of the transcript segment where the quote begins, in seconds.
    pub start_s: f64,
    /// End of the transcript segment where the quote ends, in seconds.
    pub end_s: f64,
}

/// The score of one reasoning dimension.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DimensionScore {
    /// 0–100, higher is better, one decimal.
    pub score: f64,
    /// The model's reason, one or two sentences.
    pub reason: String,
    /// Verified quotes, at most three; empty without a transcript.
    pub evidence: Vec<Evidence>,
}

/// The fixed set of reasoning dimensions for 1:1 video sessions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DimensionScores {
    /// How clearly ideas, explanations and questions are expressed and understood.
    pub clarity: DimensionScore,
    /// Warmth, mutual respect, active listening, comfort.
    pub rapport: DimensionScore,
    /// Appropriate language, focus, handling of problems.
    pub professionalism: DimensionScore,
    /// Balanced participation, responsiveness, follow-up questions.
    pub engagement: DimensionScore,
    /// Progress towards the session's apparent goal.
    pub goal_progress: DimensionScore,
}

impl DimensionScores {
    /// The dimensions as `(name, score)`, in output order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &DimensionScore)> {
        [
            ("clarity", &self.clarity),
            ("rapport", &self.rapport),
            ("professionalism", &self.professionalism),
            ("engagement", &self.engagement),
            ("goal_progress", &self.goal_progress),
        ]
        .into_iter()
    }
}

/// The content of `analysis.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Analysis {
    /// Always `complete`.
    pub status: AnalysisStatus,
    /// The session analysed.
    pub session_id: String,
    /// The model that answered (the provider's version string when it sent one).
    pub model: String,
    /// The prompt's version ([`ANALYSIS_PROMPT_VERSION`]).
    pub prompt_version: String,
    /// Mean of the five dimension scores, 0–100, one decimal: the `analysis` part of the combined score.
    pub score: f64,
    /// The five dimensions.
    pub scores: DimensionScores,
    /// Two to four sentences for a reviewer.
    pub summary: String,
    /// Tokens and estimated price of the call.
    pub usage: Usage,
    /// Whether the transcript was cut in the middle to fit `max_transcript_chars`.
    pub truncated: bool,
    /// Whether a transcript was given to the model.
    pub transcript_used: bool,
    /// Quotes the model gave that are not in the transcript shown to it; they were removed.
    pub unverified_quotes_dropped: usize,
}

/// Analyses one session with `llm`. Refuses before any call when the transcript has no words
/// (`InvalidInput` on `transcript`) or the estimated cost is above `limits.max_cost_usd`; fails with `MalformedResponse` when a score is missing or out of range.
pub fn analyze_session(
    llm: &dyn Llm,
    input: &AnalysisInput,
    limits: &AnalysisLimits,
) -> Result<Analysis, ReasoningError> {
    if input.session_id.trim().is_empty() {
        return Err(ReasoningError::invalid_input("session_id", "is empty; pass the session's id"));
    }
    if let Some(context) = &input.context {
        let chars = context.chars().count();
        if chars > MAX_CONTEXT_CHARS {
            return Err(ReasoningError::invalid_input(
                "context",
                format!("is {chars} characters long; keep it under {MAX_CONTEXT_CHARS} (a short description)"),
            ));
        }
    }
    limits.validate()?;
    if !input.transcript.as_ref().is_some_and(|t| t.segments.iter().any(|s| !s.text.trim().is_empty())) {
        // Rapport, professionalism and the rest are judged from what was said: from the scores
        // alone a model could only guess.
        return Err(ReasoningError::invalid_input(
            "transcript",
            "has no words: the analysis judges what was said; transcribe the session first",
        ));
    }
    let shown = input.transcript.as_ref().map(|t| prompt_transcript(t, limits.max_transcript_chars));
    let user = analysis_user_prompt(&AnalysisPromptParts {
        session_id: &input.session_id,
        context: input.context.as_deref(),
        quality: &input.quality,
        engagement: &input.engagement,
        transcript_lines: shown.as_ref().map(|s| s.text.as_str()),
    });
    let answer = guarded_call(llm, ANALYSIS_SYSTEM, user, analysis_schema(), limits, false)?;
    let index = QuoteIndex::new(shown.as_ref().map_or(&[][..], |s| &s.shown));
    let mut dropped = 0;
    let value = &answer.response.value;
    let summary = string(member(value, "", "summary")?, "summary")?;
    let scores_value = member(value, "", "scores")?;
    let mut dimension = |name: &str| {
        read_dimension(member(scores_value, "scores", name)?, &format!("scores.{name}"), &index, &mut dropped)
    };
    let scores = DimensionScores {
        clarity: dimension("clarity")?,
        rapport: dimension("rapport")?,
        professionalism: dimension("professionalism")?,
        engagement: dimension("engagement")?,
        goal_progress: dimension("goal_progress")?,
    };
    let mean = scores.iter().map(|(_, d)| d.score).sum::<f64>() / DIMENSIONS.len() as f64;
    Ok(Analysis {
        status: AnalysisStatus::Complete,
        session_id: input.session_id.clone(),
        model: answer.response.model,
        prompt_version: ANALYSIS_PROMPT_VERSION.into(),
        score: one_decimal(mean),
        scores,
        summary,
        usage: answer.usage,
        truncated: shown.as_ref().is_some_and(|s| s.truncated),
        transcript_used: shown.is_some(),
        unverified_quotes_dropped: dropped,
    })
}

/// Most evidence kept per dimension.
const MAX_EVIDENCE: usize = 3;

/// One dimension of the answer, its quotes verified (the unverifiable counted in `dropped`).
fn read_dimension(
    value: &Value,
    at: &str,
    index: &QuoteIndex<'_>,
    dropped: &mut usize,
) -> Result<DimensionScore, ReasoningError> {
    let score = number_in(member(value, at, "score")?, &format!("{at}.score"), 0.0, 100.0)?;
    let reason = string(member(value, at, "reason")?, &format!("{at}.reason"))?;
    let mut evidence: Vec<Evidence> = Vec::new();
    for (i, item) in optional_array(value, at, "evidence")?.iter().enumerate() {
        let item_at = format!("{at}.evidence[{i}]");
        let quote = string(member(item, &item_at, "quote")?, &format!("{item_at}.quote"))?;
        let duplicate = evidence.iter().any(|e| normalize(&e.quote) == normalize(&quote));
        match index.find(&quote) {
            Some(_) if duplicate => {}
            Some((start_s, end_s)) if evidence.len() < MAX_EVIDENCE => {
                evidence.push(Evidence { quote: quote.trim().to_owned(), start_s, end_s });
            }
            Some(_) => {}
            None => *dropped += 1,
        }
    }
    Ok(DimensionScore { score: one_decimal(score), reason, evidence })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use session_transcribe::Segment;

    fn segment(start_s: f64, end_s: f64, text: &str) -> Segment {
        Segment::from_text(start_s, end_s, text)
    }

    #[test]
    fn evidence_is_deduplicated_capped_at_three_and_invented_quotes_counted() {
        let segments = [segment(0.0, 5.0, "one two three four five six"), segment(5.0, 8.0, "seven eight")];
        let refs: Vec<&Segment> = segments.iter().collect();
        let index = QuoteIndex::new(&refs);
        let value = json!({"score": 72.25, "reason": "r", "evidence": [
            {"quote": "one two"}, {"quote": "ONE, two!"}, {"quote": "three four"}, {"quote": "nine ten"},
            {"quote": "six seven"}, {"quote": "eight"},
        ]});
        let mut dropped = 0;
        let dimension = read_dimension(&value, "scores.clarity", &index, &mut dropped).unwrap();
        assert_eq!(dropped, 1, "only the invented quote counts as dropped");
        let quotes: Vec<(&str, f64, f64)> =
            dimension.evidence.iter().map(|e| (e.quote.as_str(), e.start_s, e.end_s)).collect();
        assert_eq!(quotes, [("one two", 0.0, 5.0), ("three four", 0.0, 5.0), ("six seven", 0.0, 8.0)]);
        assert_eq!(dimension.score, 72.3);
    }

    #[test]
    fn an_evidence_item_without_a_quote_is_malformed_naming_it() {
        let index = QuoteIndex::new(&[]);
        let value = json!({"score": 50, "reason": "r", "evidence": [{"quote": "x"}, {"text": "y"}]});
        let error = read_dimension(&value, "scores.rapport", &index, &mut 0).unwrap_err();
        assert!(
            matches!(error, ReasoningError::MalformedResponse { field, .. } if field == "scores.rapport.evidence[1].quote")
        );
    }
}
