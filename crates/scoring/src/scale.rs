//! Mapping measurements onto 0–100 scores, and rounding for the reports.

/// Linear score: 100 at `good`, 0 at `bad`, clamped outside. Works in both
/// directions (`good` may be above or below `bad`).
pub(crate) fn ramp(value: f64, bad: f64, good: f64) -> f64 {
    if !value.is_finite() {
        // -inf counts as "infinitely far on the bad side" when bad < good.
        let on_good_side = (value > 0.0) == (good > bad);
        return if on_good_side { 100.0 } else { 0.0 };
    }
    (100.0 * (value - bad) / (good - bad)).clamp(0.0, 100.0)
}

/// 100 inside `[good_low, good_high]`, falling linearly to 0 at `bad_low` and `bad_high`.
pub(crate) fn band(value: f64, bad_low: f64, good_low: f64, good_high: f64, bad_high: f64) -> f64 {
    if value < good_low {
        ramp(value, bad_low, good_low)
    } else if value > good_high {
        ramp(value, bad_high, good_high)
    } else {
        100.0
    }
}

/// Score for a ratio on a logarithmic axis: 100 at or below `good`, 0 at or above `bad`.
pub(crate) fn log_ramp_down(ratio: f64, good: f64, bad: f64) -> f64 {
    if ratio <= good {
        return 100.0;
    }
    ramp(ratio.log10(), bad.log10(), good.log10())
}

/// The overall score of a group of sub-scores: 60 % their weighted mean and
/// 40 % the worst of them, so that one severe defect cannot hide behind
/// several good measurements. `None` entries are skipped; `None` when all are.
pub(crate) fn blend(scores: &[(Option<f64>, f64)]) -> Option<f64> {
    let present: Vec<(f64, f64)> = scores.iter().filter_map(|(score, weight)| score.map(|s| (s, *weight))).collect();
    let weight_sum: f64 = present.iter().map(|(_, w)| w).sum();
    if present.is_empty() || weight_sum <= 0.0 {
        return None;
    }
    let mean = present.iter().map(|(s, w)| s * w).sum::<f64>() / weight_sum;
    let worst = present.iter().map(|(s, _)| *s).fold(f64::INFINITY, f64::min);
    Some(round1(0.6 * mean + 0.4 * worst))
}

/// Round to one decimal place.
pub(crate) fn round1(value: f64) -> f64 {
    round_to(value, 1)
}

/// Round to `decimals` decimal places.
pub fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    // `+ 0.0` turns -0.0 (an empty f64 sum) into 0.0.
    (value * factor).round() / factor + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_runs_both_directions_and_clamps() {
        assert_eq!(ramp(5.0, 0.0, 10.0), 50.0);
        assert_eq!(ramp(5.0, 10.0, 0.0), 50.0);
        assert_eq!(ramp(20.0, 0.0, 10.0), 100.0);
        assert_eq!(ramp(-1.0, 0.0, 10.0), 0.0);
        assert_eq!(ramp(f64::NEG_INFINITY, -50.0, -20.0), 0.0);
    }

    #[test]
    fn band_is_flat_inside_and_falls_outside() {
        assert_eq!(band(-20.0, -50.0, -26.0, -14.0, -5.0), 100.0);
        assert_eq!(band(-38.0, -50.0, -26.0, -14.0, -5.0), 50.0);
        assert_eq!(band(0.0, -50.0, -26.0, -14.0, -5.0), 0.0);
    }

    #[test]
    fn log_ramp_down_halves_at_geometric_midpoint() {
        assert_eq!(log_ramp_down(0.0, 1e-4, 1e-2), 100.0);
        assert!((log_ramp_down(1e-3, 1e-4, 1e-2) - 50.0).abs() < 1e-9);
        assert_eq!(log_ramp_down(0.5, 1e-4, 1e-2), 0.0);
    }

    #[test]
    fn blend_pulls_towards_the_worst_and_skips_missing() {
        assert_eq!(blend(&[(Some(100.0), 1.0), (Some(0.0), 1.0)]), Some(30.0));
        assert_eq!(blend(&[(Some(80.0), 1.0), (None, 1.0)]), Some(80.0));
        assert_eq!(blend(&[(None, 1.0)]), None);
    }
}
