//! What the room monitor measured in one session: frames scored, the time from a frame's arrival
//! to its score and to its stored event, and how many frames one core scores per second.

use std::collections::BTreeSet;

use serde_json::{Value, json};

#[derive(Debug, Default)]
pub struct MonitorStats {
    participants: BTreeSet<String>,
    /// Milliseconds the check of each frame took (one core).
    check_ms: Vec<f64>,
    /// Milliseconds from a frame's arrival in the participant program to its score here.
    scored_ms: Vec<f64>,
    /// Milliseconds from a flagged frame's arrival to its stored event (bucket and database).
    stored_ms: Vec<f64>,
}

impl MonitorStats {
    pub fn frame(&mut self, participant: &str, check_ms: f64, scored_ms: f64) {
        if !self.participants.contains(participant) {
            self.participants.insert(participant.to_string());
        }
        self.check_ms.push(check_ms);
        self.scored_ms.push(scored_ms);
    }

    pub fn event(&mut self, stored_ms: f64) {
        self.stored_ms.push(stored_ms);
    }

    pub fn summary(&self) -> Value {
        let mean_check_ms = self.check_ms.iter().sum::<f64>() / self.check_ms.len().max(1) as f64;
        json!({
            "frames_scored": self.check_ms.len(),
            "participants": self.participants,
            "events": self.stored_ms.len(),
            "check_ms": percentiles(&self.check_ms),
            "frame_to_score_ms": percentiles(&self.scored_ms),
            "frame_to_stored_event_ms": percentiles(&self.stored_ms),
            "frames_per_s_per_core": (mean_check_ms > 0.0).then(|| round1(1000.0 / mean_check_ms)),
        })
    }
}

/// `{p50, p95}` (nearest rank), or null with no values.
fn percentiles(values: &[f64]) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = |q: f64| sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
    json!({ "p50": round1(rank(0.50)), "p95": round1(rank(0.95)) })
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_by_nearest_rank() {
        let mut stats = MonitorStats::default();
        for ms in 1..=20 {
            stats.frame(if ms % 2 == 0 { "a" } else { "b" }, 50.0, f64::from(ms));
        }
        stats.event(120.0);
        let summary = stats.summary();
        assert_eq!(summary["frames_scored"], 20);
        assert_eq!(summary["participants"], json!(["a", "b"]));
        assert_eq!(summary["frame_to_score_ms"], json!({ "p50": 10.0, "p95": 19.0 }));
        assert_eq!(summary["frame_to_stored_event_ms"], json!({ "p50": 120.0, "p95": 120.0 }));
        assert_eq!(summary["frames_per_s_per_core"], 20.0);
    }

    #[test]
    fn nothing_measured_is_null_not_zero() {
        let summary = MonitorStats::default().summary();
        assert_eq!(summary["frames_scored"], 0);
        assert!(summary["frame_to_score_ms"].is_null() && summary["frames_per_s_per_core"].is_null());
    }
}
