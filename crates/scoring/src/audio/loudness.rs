//! Integrated loudness and loudness range through the `ebur128` crate
//! (ITU-R BS.1770-4 / EBU R128, passes EBU's compliance tests).

use ebur128::{EbuR128, Mode};

use crate::ScoringError;

/// Streaming EBU R128 meter for one mono channel.
pub struct LoudnessMeter {
    meter: EbuR128,
}

impl LoudnessMeter {
    /// A meter for mono audio at `sample_rate` Hz.
    pub fn new(sample_rate: u32) -> Result<Self, ScoringError> {
        let meter =
            EbuR128::new(1, sample_rate, Mode::I | Mode::LRA).map_err(|e| ScoringError::Loudness(e.to_string()))?;
        Ok(Self { meter })
    }

    /// Feed mono samples.
    pub fn push(&mut self, samples: &[f32]) {
        // Only fails for a mismatched channel layout, which `new` rules out.
        let _ = self.meter.add_frames_f32(samples);
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
    fn silence_has_no_integrated_loudness() {
        let mut meter = LoudnessMeter::new(16_000).unwrap();
        meter.push(&vec![0.0; 16_000 * 5]);
        assert_eq!(meter.integrated_lufs(), None);
    }
}
