//! One category's verdict for a recording: what `safety-scan.json` lists per category.

use serde::{Deserialize, Serialize};

use crate::{DetectorInfo, SafetyCategory, SafetyDecision, SafetyEvent};

/// A category's result for one recording or session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CategoryAssessment {
    pub category: SafetyCategory,
    /// 0..1, the strongest evidence found; `null` when no working detector could judge.
    pub score: Option<f64>,
    /// Why `score` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub threshold: f64,
    /// `null` with `score`.
    pub decision: Option<SafetyDecision>,
    /// Detectors that contributed.
    pub detectors: Vec<DetectorInfo>,
    /// The figures the score rests on.
    pub signals: serde_json::Value,
    /// What the detectors cannot see, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limitations: Vec<String>,
    /// The flagged events (each also written as its own `safety/…json`).
    #[serde(default)]
    pub events: Vec<SafetyEvent>,
}

impl CategoryAssessment {
    /// A category no working detector could judge.
    pub fn unavailable(category: SafetyCategory, threshold: f64, reason: impl Into<String>) -> Self {
        CategoryAssessment {
            category,
            score: None,
            reason: Some(reason.into()),
            threshold,
            decision: None,
            detectors: Vec::new(),
            signals: serde_json::Value::Null,
            limitations: Vec::new(),
            events: Vec::new(),
        }
    }

    /// A judged category; the decision follows from score and threshold.
    pub fn judged(
        category: SafetyCategory,
        score: f64,
        threshold: f64,
        detectors: Vec<DetectorInfo>,
        signals: serde_json::Value,
        events: Vec<SafetyEvent>,
    ) -> Self {
        let score = (score.clamp(0.0, 1.0) * 1e4).round() / 1e4;
        CategoryAssessment {
            category,
            score: Some(score),
            reason: None,
            threshold,
            decision: Some(SafetyDecision::from_score(score, threshold)),
            detectors,
            signals,
            limitations: Vec::new(),
            events,
        }
    }

    /// Adds a sentence on what the detectors cannot see.
    pub fn with_limitation(mut self, limitation: impl Into<String>) -> Self {
        self.limitations.push(limitation.into());
        self
    }

    /// Combines two assessments of the same category (e.g. lexicon and LLM): the higher score
    /// wins; detectors, events and limitations are merged; a judged one beats an unavailable one,
    /// whose reason becomes a limitation of the verdict.
    pub fn merge(self, other: CategoryAssessment) -> CategoryAssessment {
        let (mut first, second) = match (self.score, other.score) {
            (None, Some(_)) => (other, self),
            (Some(a), Some(b)) if b > a => (other, self),
            _ => (self, other),
        };
        first.detectors.extend(second.detectors);
        first.events.extend(second.events);
        first.limitations.extend(second.limitations);
        // A detector that could not judge is said, never hidden behind another's verdict.
        if let Some(reason) = second.reason.filter(|_| second.score.is_none()) {
            let note = format!("Not judged by every detector: {reason}.");
            if first.reason.as_deref() != Some(reason.as_str()) && !first.limitations.contains(&note) {
                first.limitations.push(note);
            }
        }
        if second.score.is_some() || !second.signals.is_null() {
            let previous = std::mem::take(&mut first.signals);
            first.signals = serde_json::json!([previous, second.signals]);
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word_list_clear() -> CategoryAssessment {
        let detector = DetectorInfo { id: "lexicon/en".into(), version: "1".into() };
        CategoryAssessment::judged(SafetyCategory::Offensive, 0.0, 0.6, vec![detector], serde_json::json!({}), vec![])
    }

    #[test]
    fn a_detector_that_failed_is_said_beside_the_verdict_of_the_others() {
        let failed = CategoryAssessment::unavailable(
            SafetyCategory::Offensive,
            0.6,
            "the LLM classification failed: the LLM provider blocked the request",
        );
        for merged in [word_list_clear().merge(failed.clone()), failed.merge(word_list_clear())] {
            assert_eq!(merged.decision, Some(SafetyDecision::Clear));
            assert_eq!(
                merged.limitations,
                ["Not judged by every detector: the LLM classification failed: the LLM provider blocked the request."],
                "{merged:?}"
            );
        }
    }

    #[test]
    fn two_judged_verdicts_add_no_note() {
        let merged = word_list_clear().merge(word_list_clear());
        assert!(merged.limitations.is_empty(), "{merged:?}");
    }
}
