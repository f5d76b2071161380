//! `combined-score.json`: a weighted combination of part scores, with the
//! weights renormalised over the parts that are present.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scale::{round_to, round1};

/// One input to the combination, e.g. `quality` or `engagement`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScorePart {
    /// Name that the weights refer to.
    pub name: String,
    /// 0–100; `None` when the part could not be computed.
    pub score: Option<f64>,
    /// Why `score` is `None`.
    pub reason: Option<String>,
}

/// Weight per part name. Only relative sizes matter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CombineWeights(pub BTreeMap<String, f64>);

impl Default for CombineWeights {
    /// quality 0.4, engagement 0.4, analysis 0.2.
    fn default() -> Self {
        Self(BTreeMap::from([
            ("quality".to_owned(), 0.4),
            ("engagement".to_owned(), 0.4),
            ("analysis".to_owned(), 0.2),
        ]))
    }
}

/// The combined score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CombinedScore {
    /// `Σ wᵢ·scoreᵢ / Σ wᵢ` over the parts used, 0–100; `null` when none is present.
    pub score: Option<f64>,
    /// Why `score` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Parts that went into `score`.
    pub used: Vec<UsedPart>,
    /// Weighted parts that were absent or had no score.
    pub missing: Vec<MissingPart>,
    /// Parts given without a positive weight, left out.
    pub ignored: Vec<String>,
}

/// A part that went into the score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UsedPart {
    /// Part name.
    pub name: String,
    /// Its score, 0–100.
    pub score: f64,
    /// Configured weight.
    pub weight: f64,
    /// Weight after renormalising over the parts used (these sum to 1).
    pub effective_weight: f64,
}

/// A weighted part that could not be used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MissingPart {
    /// Part name.
    pub name: String,
    /// Configured weight.
    pub weight: f64,
    /// Why it is missing.
    pub reason: String,
}

/// Combine part scores with `weights`, renormalising over the parts present.
pub fn combine_scores(parts: &[ScorePart], weights: &CombineWeights) -> CombinedScore {
    let weight_of = |name: &str| weights.0.get(name).copied().filter(|w| w.is_finite() && *w > 0.0);
    let mut present: Vec<(&ScorePart, f64, f64)> = Vec::new();
    let mut missing: Vec<MissingPart> = Vec::new();
    let mut ignored: Vec<String> = Vec::new();
    for part in parts {
        match (weight_of(&part.name), part.score.filter(|s| s.is_finite())) {
            (None, _) => ignored.push(part.name.clone()),
            (Some(weight), Some(score)) => present.push((part, weight, score)),
            (Some(weight), None) => missing.push(MissingPart {
                name: part.name.clone(),
                weight,
                reason: part.reason.clone().unwrap_or_else(|| "no score was produced".to_owned()),
            }),
        }
    }
    for (name, &weight) in &weights.0 {
        if weight > 0.0 && !parts.iter().any(|p| &p.name == name) {
            missing.push(MissingPart {
                name: name.clone(),
                weight,
                reason: "not computed for this session".to_owned(),
            });
        }
    }
    let total: f64 = present.iter().map(|(_, w, _)| w).sum();
    let score = (total > 0.0).then(|| round1(present.iter().map(|(_, w, s)| w * s).sum::<f64>() / total));
    CombinedScore {
        score,
        reason: score.is_none().then(|| "none of the weighted parts has a score".to_owned()),
        used: present
            .iter()
            .map(|(part, weight, score)| UsedPart {
                name: part.name.clone(),
                score: *score,
                weight: *weight,
                effective_weight: round_to(weight / total, 4),
            })
            .collect(),
        missing,
        ignored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str, score: Option<f64>) -> ScorePart {
        ScorePart { name: name.to_owned(), score, reason: score.is_none().then(|| "no video".to_owned()) }
    }

    #[test]
    fn renormalises_weights_over_present_parts() {
        let parts = [part("quality", Some(80.0)), part("engagement", None), part("analysis", Some(50.0))];
        let combined = combine_scores(&parts, &CombineWeights::default());
        // (0.4·80 + 0.2·50) / 0.6 = 70
        assert_eq!(combined.score, Some(70.0));
        assert_eq!(combined.used.len(), 2);
        assert!((combined.used[0].effective_weight - 0.6667).abs() < 1e-9);
        assert_eq!(combined.missing.len(), 1);
        assert_eq!(combined.missing[0].name, "engagement");
        assert_eq!(combined.missing[0].reason, "no video");
    }

    #[test]
    fn all_present_is_the_plain_weighted_mean() {
        let parts = [part("quality", Some(80.0)), part("engagement", Some(60.0)), part("analysis", Some(100.0))];
        assert_eq!(combine_scores(&parts, &CombineWeights::default()).score, Some(76.0));
    }

    #[test]
    fn nothing_present_gives_null_with_reason_and_lists_absent_parts() {
        let parts = [part("quality", None), part("extra", Some(90.0))];
        let combined = combine_scores(&parts, &CombineWeights::default());
        assert_eq!(combined.score, None);
        assert!(combined.reason.is_some());
        assert_eq!(combined.ignored, vec!["extra".to_owned()]);
        let names: Vec<&str> = combined.missing.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["quality", "analysis", "engagement"]);
    }
}
