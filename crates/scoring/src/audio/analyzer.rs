//! The streaming audio analyzer: frames of 20 ms, each reduced to its RMS
//! level and clipped-sample count, plus loudness, pitch and digital-silence
//! runs. Chunks may have any size. Loudness is measured on the mono feed, or — with
//! [`AudioAnalyzer::with_channel_loudness`] — on the original channels, fed apart.

use super::features::{AudioFeatures, ClippedFrame, SampleRun};
use super::level::{CLIP_LEVEL, DIGITAL_SILENCE_AMPLITUDE, amplitude_dbfs, rms_dbfs};
use super::loudness::{LoudnessChannel, LoudnessMeter};
use super::pitch::PitchTracker;
use crate::ScoringError;

/// Lowest sample rate accepted, Hz.
const MIN_SAMPLE_RATE: u32 = 8_000;
/// Highest sample rate accepted, Hz.
const MAX_SAMPLE_RATE: u32 = 384_000;
/// Digital-silence runs from this length on are kept as dropout candidates, seconds.
const MIN_SILENCE_RUN_S: f64 = 0.010;
/// Digital-silence runs longer than this are ordinary silence, not dropouts, seconds.
const MAX_SILENCE_RUN_S: f64 = 1.0;
/// How much signal before a silence run is looked at for how abruptly it stopped, seconds.
const EDGE_S: f64 = 0.001;

/// Streaming analyzer over mono `f32` samples in `[-1, 1]`.
///
/// ```
/// use session_scoring::AudioAnalyzer;
/// let mut analyzer = AudioAnalyzer::new(16_000).unwrap();
/// analyzer.push(&[0.0; 8_000]);
/// analyzer.push(&[0.0; 8_000]);
/// let features = analyzer.finish();
/// assert_eq!(features.duration_s, 1.0);
/// assert_eq!(features.frame_rms_dbfs.len(), 50);
/// ```
pub struct AudioAnalyzer {
    sample_rate: u32,
    frame_len: usize,
    frame_sum_sq: f64,
    frame_fill: usize,
    frame_clipped: u32,
    frame_rms_dbfs: Vec<f32>,
    clipped_frames: Vec<ClippedFrame>,
    clipped_sample_count: u64,
    peak: f32,
    sample_count: u64,
    silence_run_start: Option<u64>,
    /// Largest magnitude of the last [`EDGE_S`] of samples before the current silence run.
    run_cut_in: f32,
    /// The last [`EDGE_S`] of magnitudes, newest at `recent_at`.
    recent: Vec<f32>,
    recent_at: usize,
    digital_silence_runs: Vec<SampleRun>,
    loudness: Loudness,
    pitch: PitchTracker,
}

/// Where the loudness comes from.
enum Loudness {
    /// The mono samples of [`AudioAnalyzer::push`].
    Mono(LoudnessMeter),
    /// The original channels of [`AudioAnalyzer::push_channels`]; `None` until the first.
    Channels(Option<LoudnessMeter>),
}

impl Loudness {
    fn meter(&self) -> Option<&LoudnessMeter> {
        match self {
            Loudness::Mono(meter) => Some(meter),
            Loudness::Channels(meter) => meter.as_ref(),
        }
    }
}

impl AudioAnalyzer {
    /// An analyzer for mono audio at `sample_rate` Hz (8 000 – 384 000), its loudness measured
    /// on that mono audio.
    pub fn new(sample_rate: u32) -> Result<Self, ScoringError> {
        check_rate(sample_rate)?;
        Self::with_loudness(sample_rate, Loudness::Mono(LoudnessMeter::new(sample_rate)?))
    }

    /// An analyzer for mono audio at `sample_rate` Hz whose loudness (integrated, range and
    /// momentary per second) is measured on the original channels that
    /// [`push_channels`](Self::push_channels) feeds, as ITU-R BS.1770 defines it, instead of on
    /// the mono mix: a mono average reads multichannel audio too quiet (by about 3 LU for
    /// stereo, more for 5.1). Without any channels fed, the loudness is `None`.
    pub fn with_channel_loudness(sample_rate: u32) -> Result<Self, ScoringError> {
        Self::with_loudness(sample_rate, Loudness::Channels(None))
    }

    fn with_loudness(sample_rate: u32, loudness: Loudness) -> Result<Self, ScoringError> {
        check_rate(sample_rate)?;
        Ok(Self {
            sample_rate,
            frame_len: (f64::from(sample_rate) * 0.020).round() as usize,
            frame_sum_sq: 0.0,
            frame_fill: 0,
            frame_clipped: 0,
            frame_rms_dbfs: Vec::new(),
            clipped_frames: Vec::new(),
            clipped_sample_count: 0,
            peak: 0.0,
            sample_count: 0,
            silence_run_start: None,
            run_cut_in: 0.0,
            recent: vec![0.0; ((f64::from(sample_rate) * EDGE_S).round() as usize).max(1)],
            recent_at: 0,
            digital_silence_runs: Vec::new(),
            loudness,
            pitch: PitchTracker::new(sample_rate),
        })
    }

    /// Feed the next chunk of samples. Non-finite samples are read as 0.
    pub fn push(&mut self, samples: &[f32]) {
        if let Loudness::Mono(meter) = &mut self.loudness {
            meter.push(samples);
        }
        self.pitch.push(samples);
        for &raw in samples {
            let x = if raw.is_finite() { raw } else { 0.0 };
            self.track_sample(x);
            self.sample_count += 1;
            if self.frame_fill == self.frame_len {
                self.close_frame();
            }
        }
    }

    /// Feed the next chunk of the original audio to the loudness meter of an analyzer made by
    /// [`with_channel_loudness`](Self::with_channel_loudness): interleaved frames at
    /// `sample_rate` Hz, one sample per entry of `channels`. Ignored by an analyzer that measures
    /// its mono feed. The rate and layout may change between chunks. Fails for a layout the
    /// meter cannot take (no channel, more than 64, a rate under 16 Hz).
    pub fn push_channels(
        &mut self,
        sample_rate: u32,
        channels: &[LoudnessChannel],
        interleaved: &[f32],
    ) -> Result<(), ScoringError> {
        let Loudness::Channels(slot) = &mut self.loudness else {
            return Ok(());
        };
        match slot {
            Some(meter) => meter.change_layout(sample_rate, channels)?,
            None => *slot = Some(LoudnessMeter::with_channels(sample_rate, channels)?),
        }
        if let Some(meter) = slot {
            meter.push(interleaved);
        }
        Ok(())
    }

    /// Finish the stream and return its features.
    pub fn finish(mut self) -> AudioFeatures {
        if self.frame_fill > 0 {
            self.close_frame();
        }
        // A run the stream ends in is not cut back in.
        self.close_silence_run(self.sample_count, 0.0);
        let rate = f64::from(self.sample_rate);
        AudioFeatures {
            sample_rate: self.sample_rate,
            duration_s: self.sample_count as f64 / rate,
            sample_count: self.sample_count,
            frame_duration_s: self.frame_len as f64 / rate,
            frame_rms_dbfs: self.frame_rms_dbfs,
            pitch_hop_s: self.pitch.hop_s(),
            pitch_hz: self.pitch.finish(),
            integrated_loudness_lufs: self.loudness.meter().and_then(LoudnessMeter::integrated_lufs),
            loudness_range_lu: self.loudness.meter().and_then(LoudnessMeter::range_lu),
            momentary_lufs: self.loudness.meter().map(|m| m.momentary_per_second().to_vec()).unwrap_or_default(),
            peak_dbfs: f64::from(amplitude_dbfs(f64::from(self.peak))),
            clipped_sample_count: self.clipped_sample_count,
            clipped_frames: self.clipped_frames,
            digital_silence_runs: self.digital_silence_runs,
        }
    }

    fn track_sample(&mut self, x: f32) {
        let magnitude = x.abs();
        self.frame_sum_sq += f64::from(x) * f64::from(x);
        self.frame_fill += 1;
        self.peak = self.peak.max(magnitude);
        if magnitude >= CLIP_LEVEL {
            self.frame_clipped += 1;
            self.clipped_sample_count += 1;
        }
        if magnitude < DIGITAL_SILENCE_AMPLITUDE {
            if self.silence_run_start.is_none() {
                self.silence_run_start = Some(self.sample_count);
                self.run_cut_in = self.recent.iter().copied().fold(0.0, f32::max);
            }
        } else {
            self.close_silence_run(self.sample_count, magnitude);
        }
        self.recent_at = (self.recent_at + 1) % self.recent.len();
        self.recent[self.recent_at] = magnitude;
    }

    fn close_frame(&mut self) {
        let index = self.frame_rms_dbfs.len() as u32;
        self.frame_rms_dbfs.push(rms_dbfs(self.frame_sum_sq, self.frame_fill));
        if self.frame_clipped > 0 {
            self.clipped_frames.push(ClippedFrame { frame: index, samples: self.frame_clipped });
        }
        self.frame_sum_sq = 0.0;
        self.frame_fill = 0;
        self.frame_clipped = 0;
    }

    /// Ends the silence run at `end_sample`, whose magnitude is `cut_out`.
    fn close_silence_run(&mut self, end_sample: u64, cut_out: f32) {
        let Some(start) = self.silence_run_start.take() else {
            return;
        };
        let rate = f64::from(self.sample_rate);
        let duration_s = (end_sample - start) as f64 / rate;
        if (MIN_SILENCE_RUN_S..=MAX_SILENCE_RUN_S).contains(&duration_s) {
            let start_s = start as f64 / rate;
            self.digital_silence_runs.push(SampleRun { start_s, duration_s, cut_in: self.run_cut_in, cut_out });
        }
    }
}

fn check_rate(sample_rate: u32) -> Result<(), ScoringError> {
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        return Err(ScoringError::InvalidSampleRate(sample_rate));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::sine;

    fn analyze_in_chunks(samples: &[f32], chunk: usize) -> AudioFeatures {
        let mut analyzer = AudioAnalyzer::new(16_000).unwrap();
        for part in samples.chunks(chunk) {
            analyzer.push(part);
        }
        analyzer.finish()
    }

    #[test]
    fn rejects_unsupported_sample_rates() {
        assert!(matches!(AudioAnalyzer::new(0), Err(ScoringError::InvalidSampleRate(0))));
        assert!(matches!(AudioAnalyzer::new(1_000_000), Err(ScoringError::InvalidSampleRate(_))));
    }

    #[test]
    fn sine_at_minus_20_dbfs_peak_has_the_standard_loudness_and_levels() {
        let features = analyze_in_chunks(&sine(1000.0, 0.1, 16_000, 10.0), 777);
        // Mean square of a sine with peak 0.1 is 0.005: -23.01 dB; K-weighting
        // adds ~+0.69 dB at 1 kHz and BS.1770 subtracts 0.691, so -23.0 LUFS.
        let lufs = features.integrated_loudness_lufs.unwrap();
        assert!((lufs - (-23.0)).abs() < 1.0, "{lufs}");
        assert!((features.peak_dbfs - (-20.0)).abs() < 0.01);
        // A sine peaking at -20 dBFS reads -20 dBFS in every frame (AES17: a full-scale sine is 0).
        for &level in &features.frame_rms_dbfs {
            assert!((level - (-20.0)).abs() < 0.1, "{level}");
        }
        assert_eq!(features.frame_rms_dbfs.len(), 500);
        assert_eq!(features.clipped_sample_count, 0);
    }

    #[test]
    fn chunk_size_does_not_change_the_features() {
        let samples = sine(440.0, 0.5, 16_000, 3.0);
        let a = analyze_in_chunks(&samples, 160);
        let b = analyze_in_chunks(&samples, 4093);
        assert_eq!(a.frame_rms_dbfs, b.frame_rms_dbfs);
        assert_eq!(a.pitch_hz, b.pitch_hz);
        assert_eq!(a.integrated_loudness_lufs, b.integrated_loudness_lufs);
    }

    #[test]
    fn counts_clipped_samples_per_frame() {
        let mut samples = sine(200.0, 0.5, 16_000, 1.0);
        for x in &mut samples[3200..3520] {
            *x = 1.0;
        }
        let features = analyze_in_chunks(&samples, 1000);
        assert_eq!(features.clipped_sample_count, 320);
        assert_eq!(features.clipped_frames, vec![ClippedFrame { frame: 10, samples: 320 }]);
    }

    #[test]
    fn keeps_short_digital_silence_runs_only() {
        let mut samples = sine(200.0, 0.5, 16_000, 4.0);
        samples[8000..8800].fill(0.0); // 50 ms: a dropout candidate
        samples[32_000..56_000].fill(0.0); // 1.5 s: ordinary silence
        let features = analyze_in_chunks(&samples, 1000);
        assert_eq!(features.digital_silence_runs.len(), 1);
        let run = features.digital_silence_runs[0];
        assert!((run.start_s - 0.5).abs() < 0.001);
        assert!((run.duration_s - 0.05).abs() < 0.001);
    }

    #[test]
    fn a_trailing_partial_frame_is_kept() {
        let features = analyze_in_chunks(&vec![0.0; 16_100], 500);
        assert_eq!(features.frame_rms_dbfs.len(), 51);
        assert!((features.duration_s - 1.00625).abs() < 1e-9);
    }

    #[test]
    fn channel_loudness_comes_from_the_channels_not_the_mono_feed() {
        let tone = sine(997.0, 0.1, 48_000, 5.0);
        let stereo: Vec<f32> = tone.iter().flat_map(|&x| [x, x]).collect();
        let mut analyzer = AudioAnalyzer::with_channel_loudness(16_000).unwrap();
        analyzer.push(&sine(997.0, 0.1, 16_000, 5.0));
        for chunk in stereo.chunks(2 * 999) {
            analyzer.push_channels(48_000, &[LoudnessChannel::Front; 2], chunk).unwrap();
        }
        let features = analyzer.finish();
        // Two channels of a -23 LUFS tone: -20 LUFS; the mono mix would read -23.
        let lufs = features.integrated_loudness_lufs.unwrap();
        assert!((lufs - (-20.0)).abs() < 0.1, "{lufs}");
        assert_eq!(features.momentary_lufs.len(), 5);
        assert_eq!(features.frame_rms_dbfs.len(), 250);
    }

    #[test]
    fn channel_loudness_without_channels_is_unmeasured() {
        let mut analyzer = AudioAnalyzer::with_channel_loudness(16_000).unwrap();
        analyzer.push(&sine(997.0, 0.1, 16_000, 2.0));
        let features = analyzer.finish();
        assert_eq!(features.integrated_loudness_lufs, None);
        assert!(features.momentary_lufs.is_empty());
    }
}
