//! Integrated loudness and loudness range through the `ebur128` crate
//! (ITU-R BS.1770-4 / EBU R128, passes EBU's compliance tests), over every channel of the
//! audio: each channel K-weighted, their powers summed with BS.1770's channel weights.

use ebur128::{Channel, EbuR128, Mode};

use crate::ScoringError;

/// Momentary loudness below this is reported as `None` (BS.1770's absolute gate), LUFS.
const ABSOLUTE_GATE_LUFS: f64 = -70.0;

/// How one channel counts in BS.1770's weighted sum of channel powers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoudnessChannel {
    /// Left, right, centre, mono, or any other front or unplaced channel: weight 1.0.
    Front,
    /// A surround channel, at the side or behind the listener: weight 1.41 (+1.5 dB).
    Surround,
    /// The low-frequency effects channel: left out of the measurement.
    Lfe,
}

impl LoudnessChannel {
    fn ebur128(self) -> Channel {
        match self {
            LoudnessChannel::Front => Channel::Center,
            LoudnessChannel::Surround => Channel::LeftSurround,
            LoudnessChannel::Lfe => Channel::Unused,
        }
    }
}

/// Streaming EBU R128 meter over interleaved audio of one or more channels.
pub struct LoudnessMeter {
    meter: EbuR128,
    sample_rate: u32,
    channels: Vec<LoudnessChannel>,
    /// Frames (one sample per channel) since the last whole second.
    fill: u32,
    per_second: Vec<Option<f32>>,
}

impl LoudnessMeter {
    /// A meter for mono audio at `sample_rate` Hz.
    pub fn new(sample_rate: u32) -> Result<Self, ScoringError> {
        Self::with_channels(sample_rate, &[LoudnessChannel::Front])
    }

    /// A meter for interleaved audio at `sample_rate` Hz whose channels are `channels`, in order.
    pub fn with_channels(sample_rate: u32, channels: &[LoudnessChannel]) -> Result<Self, ScoringError> {
        let meter = EbuR128::new(channels.len() as u32, sample_rate, Mode::M | Mode::I | Mode::LRA)
            .map_err(|e| ScoringError::Loudness(format!("{channels:?} at {sample_rate} Hz: {e}")))?;
        let mut meter = Self { meter, sample_rate, channels: Vec::new(), fill: 0, per_second: Vec::new() };
        meter.set_channels(channels)?;
        Ok(meter)
    }

    /// Goes on measuring audio of another rate or channel layout (a stream whose format
    /// changes): what was measured so far stays in the integrated loudness and range; the
    /// 400 ms block in progress is lost.
    pub fn change_layout(&mut self, sample_rate: u32, channels: &[LoudnessChannel]) -> Result<(), ScoringError> {
        if self.sample_rate == sample_rate && self.channels == channels {
            return Ok(());
        }
        self.meter
            .change_parameters(channels.len() as u32, sample_rate)
            .map_err(|e| ScoringError::Loudness(format!("{channels:?} at {sample_rate} Hz: {e}")))?;
        // The new second starts where the old one stopped, at the old rate's share of a second.
        self.fill = (u64::from(self.fill) * u64::from(sample_rate) / u64::from(self.sample_rate)) as u32;
        self.sample_rate = sample_rate;
        self.set_channels(channels)
    }

    fn set_channels(&mut self, channels: &[LoudnessChannel]) -> Result<(), ScoringError> {
        let map: Vec<Channel> = channels.iter().map(|c| c.ebur128()).collect();
        self.meter.set_channel_map(&map).map_err(|e| ScoringError::Loudness(e.to_string()))?;
        self.channels = channels.to_vec();
        Ok(())
    }

    /// Feed interleaved samples, whole frames (one sample per channel); a trailing partial
    /// frame is ignored.
    pub fn push(&mut self, mut samples: &[f32]) {
        let channels = self.channels.len();
        while samples.len() >= channels {
            let frames = (samples.len() / channels).min((self.sample_rate - self.fill) as usize);
            // Only fails for a mismatched channel layout, which `with_channels` rules out.
            let _ = self.meter.add_frames_f32(&samples[..frames * channels]);
            self.fill += frames as u32;
            samples = &samples[frames * channels..];
            if self.fill >= self.sample_rate {
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

    /// `mono` copied into every channel of a layout, each scaled by its gain.
    fn spread(mono: &[f32], gains: &[f32]) -> Vec<f32> {
        mono.iter().flat_map(|&x| gains.iter().map(move |g| x * g)).collect()
    }

    #[test]
    fn channel_powers_add_with_bs1770_weights() {
        use LoudnessChannel::{Front, Lfe, Surround};
        let tone = sine(997.0, 0.1, 48_000, 10.0);
        let measure = |channels: &[LoudnessChannel], gains: &[f32]| {
            let mut meter = LoudnessMeter::with_channels(48_000, channels).unwrap();
            for chunk in spread(&tone, gains).chunks(6 * 1001) {
                meter.push(chunk);
            }
            meter.integrated_lufs()
        };
        let mono = measure(&[Front], &[1.0]).unwrap();
        // Two equal front channels: twice the power, +3.01 LU.
        let stereo = measure(&[Front, Front], &[1.0, 1.0]).unwrap();
        assert!((stereo - mono - 3.01).abs() < 0.05, "mono {mono}, stereo {stereo}");
        // 5.1 with the tone in every channel: 3 fronts + 2 × 1.41 surrounds, LFE left out.
        let surround = measure(&[Front, Front, Front, Lfe, Surround, Surround], &[1.0; 6]).unwrap();
        let expected = mono + 10.0 * (3.0f64 + 2.0 * 1.41).log10();
        assert!((surround - expected).abs() < 0.05, "5.1 {surround}, expected {expected}");
        // The LFE alone is not measured at all.
        assert_eq!(measure(&[Front, Lfe], &[0.0, 1.0]), None);
    }

    #[test]
    fn momentary_seconds_count_frames_not_samples() {
        let tone = sine(997.0, 0.1, 48_000, 3.0);
        let mut meter = LoudnessMeter::with_channels(48_000, &[LoudnessChannel::Front; 2]).unwrap();
        meter.push(&spread(&tone, &[1.0, 1.0]));
        assert_eq!(meter.momentary_per_second().len(), 3);
    }

    #[test]
    fn a_layout_change_keeps_what_was_measured() {
        let mut meter = LoudnessMeter::new(16_000).unwrap();
        meter.push(&sine(997.0, 0.1, 16_000, 5.5));
        meter.change_layout(48_000, &[LoudnessChannel::Front; 2]).unwrap();
        meter.push(&spread(&sine(997.0, 0.1, 48_000, 4.5), &[1.0, 0.0]));
        assert_eq!(meter.momentary_per_second().len(), 10);
        let lufs = meter.integrated_lufs().unwrap();
        assert!((lufs - (-23.0)).abs() < 0.2, "{lufs}");
    }
}
