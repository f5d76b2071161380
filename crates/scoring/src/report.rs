//! Building blocks shared by the reports.

use serde::{Deserialize, Serialize};

/// A 0–100 score, or `null` with the reason it could not be computed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SubScore {
    /// 0–100, higher is better; `null` when it could not be computed.
    pub score: Option<f64>,
    /// Why `score` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl SubScore {
    /// A computed score, rounded to one decimal.
    pub fn measured(score: f64) -> Self {
        Self { score: Some(crate::scale::round1(score)), reason: None }
    }

    /// A score that could not be computed, and why.
    pub fn missing(reason: impl Into<String>) -> Self {
        Self { score: None, reason: Some(reason.into()) }
    }

    /// `measured` when `score` is `Some`, else `missing(reason)`.
    pub fn from_option(score: Option<f64>, reason: &str) -> Self {
        score.map_or_else(|| Self::missing(reason), Self::measured)
    }
}
