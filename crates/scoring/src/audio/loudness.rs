//! Integrated loudness and loudness range through the `ebur128` crate
//! (ITU-R BS.1770-4 / EBU R128, passes EBU's compliance tests).

use ebur128::{EbuR128, Mode};

use crate::ScoringError;

/// Momentary loudness below this is reported as `None` (BS.1770's absolute gate), LUFS.
const ABSOLUTE_GATE_LUFS: f64 = -70.0;

/// Streaming EBU R128 meter for one mono channel.
pub struct LoudnessMeter {
    meter: EbuR128,
    sample_rate: u32,
    /// Samples since the last whole second.
    fill: u32,
    per_second: Vec<Option<f32>>,
}

impl LoudnessMeter {
    /// A meter for mono audio at `sample_rate` Hz.
    pub fn new(sample_rate: u32) -> Result<Self, ScoringError> {
        let meter = EbuR128::new(1, sample_rate, Mode::M | Mode::I | Mode::LRA)
            .map_err(|e| ScoringError::Loudness(e.to_string()))?;
        Ok(Self { meter, sample_rate: sample_rate.max(1), fill: 0, per_second: Vec::new() })
    }

    /// Feed mono samples.
    pub fn push(&mut self, mut samples: &[f32]) {
        while !samples.is_empty() {
            let take = samples.len().min((self.sample_rate - self.fill) as usize);
            // Only fails for a mismatched channel layout, which `new` rules out.
            let _ = self.meter.add_frames_f32(&samples[..take]);
            self.fill += take as u32;
            samples = &samples[take..];
            if self.fill == self.sample_rate {
                self.fill = 0;
                let momentary = self.meter.loudness_momentary().ok();
                let gated = momentary.filter(|l| l.is_finite() && *l >= ABSOLUTE_GATE_LUFS);
                self.per_second.push(gated.map(|l| (l * 10.0).round() as f32 / 10.0));
            }
        }
    }

    /// Momentary loudness (BS.1770, 400 ms window) at the end of each whole second, LUFS, one
    /// decimal; `None` below the −70 LUFS gate.
    pub fn momentary_per_second(&self) -> &[Option<f32>] {
        &self.per_second
    }

    /// Integrated loudness, LUFS; `None` when everything is below the
    /// -70 LUFS absolute gate.
    pub fn integrated_lufs(&self) -> Option<f64> {
        self.meter.loudness_global().ok().filter(|l| l.is_finite())
    }

    /// Loudness range, LU; `None` when it cannot be measured.
    pub fn range_lu(&self) -> Option<f64> {
        self.meter.loudness_range().ok().filter(|l| l.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::sine;

    #[test]
    fn a_997_hz_sine_at_minus_20_dbfs_peak_reads_minus_23_lufs() {
        // BS.1770: K-weighting gain at 997 Hz is ~ +0.69 dB, the -0.691 offset
        // cancels it, so a mono sine reads its mean square in dB:
        // 20*log10(0.1) + 10*log10(1/2) = -23.01 LUFS.
        let mut meter = LoudnessMeter::new(48_000).unwrap();
        meter.push(&sine(997.0, 0.1, 48_000, 10.0));
        let lufs = meter.integrated_lufs().unwrap();
        assert!((lufs - (-23.01)).abs() < 0.1, "{lufs}");
    }

    #[test]
    fn momentary_loudness_is_read_once_a_second_whatever_the_chunk_size() {
        let mut meter = LoudnessMeter::new(16_000).unwrap();
        let mut signal = sine(997.0, 0.1, 16_000, 3.0);
        signal.extend(vec![0.0; 16_000 * 2]);
        for chunk in signal.chunks(777) {
            meter.push(chunk);
        }
        let values = meter.momentary_per_second();
        assert_eq!(values.len(), 5);
        for value in &values[..3] {
            let lufs = value.expect("a tone passes the gate");
            assert!((f64::from(lufs) - (-23.0)).abs() < 0.3, "{values:?}");
        }
        assert_eq!(values[4], None, "silence is below the gate: {values:?}");
    }

    #[test]
    fn silence_has_no_integrated_loudness() {
        let mut meter = LoudnessMeter::new(16_000).unwrap();
        meter.push(&vec![0.0; 16_000 * 5]);
        assert_eq!(meter.integrated_lufs(), None);
    }
}
