//! Fundamental frequency with YIN (de Cheveigné & Kawahara, 2002) on a
//! decimated (~8 kHz) copy of the signal, one estimate per 40 ms hop, only
//! for hops loud enough to hold voice. Cost: about 20 k multiply-adds per
//! voiced hop, so an hour of speech takes around a second.

use super::level::rms_dbfs;

/// Lowest pitch searched, Hz.
const MIN_PITCH_HZ: f64 = 60.0;
/// Highest pitch searched, Hz.
const MAX_PITCH_HZ: f64 = 400.0;
/// Hops quieter than this (RMS, dBFS) are not analysed.
const MIN_LEVEL_DBFS: f32 = -42.0;
/// YIN's absolute threshold on the cumulative mean normalised difference.
const YIN_THRESHOLD: f64 = 0.15;
/// A hop whose best normalised difference is above this is unvoiced.
const MAX_APERIODICITY: f64 = 0.35;

/// Streaming pitch tracker: push samples at the input rate, read one
/// `Option<f32>` per hop.
pub struct PitchTracker {
    decimation: usize,
    pitch_rate_hz: f64,
    hop_len: usize,
    integration_len: usize,
    min_lag: usize,
    max_lag: usize,
    decimator_sum: f32,
    decimator_count: usize,
    window: Vec<f32>,
    difference: Vec<f64>,
    estimates: Vec<Option<f32>>,
}

impl PitchTracker {
    /// A tracker for input at `sample_rate` Hz (at least 8 kHz).
    pub fn new(sample_rate: u32) -> Self {
        let decimation = ((f64::from(sample_rate) / 8000.0).round() as usize).max(1);
        let pitch_rate_hz = f64::from(sample_rate) / decimation as f64;
        let hop_len = (pitch_rate_hz * 0.040).round() as usize;
        let max_lag = (pitch_rate_hz / MIN_PITCH_HZ).ceil() as usize;
        let min_lag = (pitch_rate_hz / MAX_PITCH_HZ).floor() as usize;
        let integration_len = hop_len.saturating_sub(max_lag + 1).max(max_lag / 2);
        Self {
            decimation,
            pitch_rate_hz,
            hop_len: hop_len.max(integration_len + max_lag + 1),
            integration_len,
            min_lag,
            max_lag,
            decimator_sum: 0.0,
            decimator_count: 0,
            window: Vec::with_capacity(hop_len * 2),
            difference: vec![0.0; max_lag + 1],
            estimates: Vec::new(),
        }
    }

    /// Spacing of the estimates, seconds.
    pub fn hop_s(&self) -> f64 {
        self.hop_len as f64 / self.pitch_rate_hz
    }

    /// Feed samples at the input rate.
    pub fn push(&mut self, samples: &[f32]) {
        for &x in samples {
            self.decimator_sum += x;
            self.decimator_count += 1;
            if self.decimator_count == self.decimation {
                self.window.push(self.decimator_sum / self.decimation as f32);
                self.decimator_sum = 0.0;
                self.decimator_count = 0;
                if self.window.len() == self.hop_len {
                    let estimate = self.estimate_window();
                    self.estimates.push(estimate);
                    self.window.clear();
                }
            }
        }
    }

    /// The estimates, one per complete hop.
    pub fn finish(self) -> Vec<Option<f32>> {
        self.estimates
    }

    fn estimate_window(&mut self) -> Option<f32> {
        let sum_sq: f64 = self.window.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        if rms_dbfs(sum_sq, self.window.len()) < MIN_LEVEL_DBFS {
            return None;
        }
        self.fill_difference();
        let lag = self.best_lag()?;
        let refined = self.parabolic_lag(lag);
        Some((self.pitch_rate_hz / refined) as f32)
    }

    /// Cumulative mean normalised difference d'(tau) for tau in 1..=max_lag.
    fn fill_difference(&mut self) {
        let w = &self.window;
        let n = self.integration_len;
        self.difference[0] = 1.0;
        let mut running = 0.0;
        for tau in 1..=self.max_lag {
            let mut d = 0.0f32;
            for j in 0..n {
                let delta = w[j] - w[j + tau];
                d += delta * delta;
            }
            let d = f64::from(d);
            running += d;
            self.difference[tau] = if running > 0.0 { d * tau as f64 / running } else { 1.0 };
        }
    }

    /// First dip below the threshold (followed to its local minimum), else the global minimum.
    fn best_lag(&self) -> Option<usize> {
        let d = &self.difference;
        let mut tau = self.min_lag.max(2);
        while tau <= self.max_lag {
            if d[tau] < YIN_THRESHOLD {
                while tau < self.max_lag && d[tau + 1] < d[tau] {
                    tau += 1;
                }
                return Some(tau);
            }
            tau += 1;
        }
        let (best, value) =
            (self.min_lag.max(2)..=self.max_lag).map(|t| (t, d[t])).min_by(|a, b| a.1.total_cmp(&b.1))?;
        (value <= MAX_APERIODICITY).then_some(best)
    }

    fn parabolic_lag(&self, tau: usize) -> f64 {
        if tau == 0 || tau >= self.max_lag {
            return tau as f64;
        }
        let (a, b, c) = (self.difference[tau - 1], self.difference[tau], self.difference[tau + 1]);
        let denom = a - 2.0 * b + c;
        if denom.abs() < 1e-12 { tau as f64 } else { tau as f64 + 0.5 * (a - c) / denom }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn harmonic_tone(f0_hz: f64, sample_rate: u32, seconds: f64) -> Vec<f32> {
        let n = (f64::from(sample_rate) * seconds) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(sample_rate);
                (1..=5).map(|k| 0.1 / k as f64 * (2.0 * std::f64::consts::PI * f0_hz * k as f64 * t).sin()).sum::<f64>()
                    as f32
            })
            .collect()
    }

    #[test]
    fn finds_the_fundamental_of_a_harmonic_tone() {
        for &(f0, rate) in &[(120.0, 16_000), (220.0, 16_000), (150.0, 48_000)] {
            let mut tracker = PitchTracker::new(rate);
            tracker.push(&harmonic_tone(f0, rate, 1.0));
            let estimates = tracker.finish();
            assert!(estimates.len() >= 24);
            let voiced: Vec<f32> = estimates.iter().flatten().copied().collect();
            assert!(voiced.len() >= 20, "{f0} Hz at {rate}: {estimates:?}");
            for p in voiced {
                assert!((f64::from(p) - f0).abs() < f0 * 0.03, "{f0} Hz read as {p}");
            }
        }
    }

    #[test]
    fn quiet_or_noisy_hops_are_unvoiced() {
        let mut tracker = PitchTracker::new(16_000);
        tracker.push(&vec![0.0; 16_000]);
        assert!(tracker.finish().iter().all(Option::is_none));
    }
}
