use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A progress event: which stage runs and how far the whole run is (0.0–1.0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub session_id: String,
    pub stage: String,
    pub fraction: f64,
}

/// Receives progress events; called from worker threads, so it must be cheap and thread-safe.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Share of the run each stage stands for, in order; the fractions reported are cumulative.
/// `audio` and `video` finish inside `media`, so they add nothing of their own.
pub(crate) const STAGE_WEIGHTS: &[(&str, f64)] = &[
    ("fetch", 0.05),
    ("probe", 0.02),
    ("store_recording", 0.03),
    ("media", 0.40),
    ("audio", 0.0),
    ("video", 0.0),
    ("audio_wav", 0.02),
    ("transcribe", 0.40),
    ("quality", 0.02),
    ("engagement", 0.02),
    ("analysis", 0.01),
    ("safety", 0.01),
    ("combined", 0.01),
    ("timeline", 0.005),
    ("report", 0.005),
    ("finalize", 0.01),
];

/// Fraction of the run completed when `stage` is `within` (0–1) done.
pub(crate) fn overall_fraction(stage: &str, within: f64) -> f64 {
    // A participant's stages are named `<participant>/<stage>`.
    let stage = stage.rsplit('/').next().unwrap_or(stage);
    let total: f64 = STAGE_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut before = 0.0;
    for (name, weight) in STAGE_WEIGHTS {
        if *name == stage {
            return ((before + weight * within.clamp(0.0, 1.0)) / total).min(1.0);
        }
        before += weight;
    }
    debug_assert!(false, "stage {stage} has no progress weight");
    1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_grow_through_the_stages_and_end_at_one() {
        let ends: Vec<f64> = STAGE_WEIGHTS.iter().map(|(name, _)| overall_fraction(name, 1.0)).collect();
        assert!(ends.windows(2).all(|w| w[1] >= w[0]), "{ends:?}");
        assert!((ends.last().unwrap() - 1.0).abs() < 1e-12);
        assert!(overall_fraction("media", 0.5) > overall_fraction("media", 0.0));
    }
}
