//! Energy voice activity detection over the 20 ms frame levels, with an
//! adaptive noise floor, hangover and minimum speech / silence durations.
//!
//! Limits: it calls any sound clearly above the running noise floor speech
//! (music, typing, a door) and misses speech buried in loud steady noise.
//! A Silero VAD is planned to replace it.

use serde::{Deserialize, Serialize};

use super::features::AudioFeatures;
use super::level::SILENCE_DBFS;
use crate::scale::round_to;
use crate::stats::percentile;

/// A stretch of detected speech.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SpeechSegment {
    /// Start, seconds from the start of the recording.
    pub start_s: f64,
    /// End, seconds from the start of the recording.
    pub end_s: f64,
}

impl SpeechSegment {
    /// Length, seconds.
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

/// Tuning of the energy VAD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VadConfig {
    /// A frame is speech when its level exceeds the noise floor by this much, dB.
    pub margin_db: f32,
    /// …and is above this absolute level, dBFS.
    pub min_level_dbfs: f32,
    /// How fast the noise floor may rise while the level stays above it, dB per second.
    pub floor_rise_db_per_s: f32,
    /// Speech is extended by this much after its last loud frame, seconds.
    pub hangover_s: f64,
    /// Gaps shorter than this inside speech are bridged, seconds.
    pub min_silence_s: f64,
    /// Segments shorter than this are dropped, seconds.
    pub min_speech_s: f64,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            margin_db: 10.0,
            min_level_dbfs: SILENCE_DBFS,
            floor_rise_db_per_s: 1.0,
            hangover_s: 0.1,
            min_silence_s: 0.25,
            min_speech_s: 0.15,
        }
    }
}

/// Speech segments with the default [`VadConfig`].
pub fn detect_speech(audio: &AudioFeatures) -> Vec<SpeechSegment> {
    detect_speech_with(audio, &VadConfig::default())
}

/// Speech segments with a chosen [`VadConfig`].
pub fn detect_speech_with(audio: &AudioFeatures, config: &VadConfig) -> Vec<SpeechSegment> {
    let loud = loud_frames(&audio.frame_rms_dbfs, audio.frame_duration_s, config);
    let frames = hangover(&loud, (config.hangover_s / audio.frame_duration_s).round() as usize);
    let mut segments = to_segments(&frames, audio.frame_duration_s, audio.duration_s);
    bridge_gaps(&mut segments, config.min_silence_s);
    segments.retain(|s| s.duration_s() >= config.min_speech_s);
    segments
}

/// Frames above the adaptive noise floor. The floor starts at the 5th
/// percentile of all frame levels, drops at once to any quieter frame and
/// rises by at most `floor_rise_db_per_s` otherwise.
fn loud_frames(levels: &[f32], frame_s: f64, config: &VadConfig) -> Vec<bool> {
    let all: Vec<f64> = levels.iter().map(|&l| f64::from(l)).collect();
    let mut floor = percentile(&all, 5.0).unwrap_or(f64::from(SILENCE_DBFS)) as f32;
    let rise = config.floor_rise_db_per_s * frame_s as f32;
    levels
        .iter()
        .map(|&level| {
            floor = if level < floor { level } else { (floor + rise).min(level) };
            level > config.min_level_dbfs && level > floor + config.margin_db
        })
        .collect()
}

fn hangover(loud: &[bool], frames: usize) -> Vec<bool> {
    let mut since_loud = usize::MAX;
    loud.iter()
        .map(|&is_loud| {
            since_loud = if is_loud { 0 } else { since_loud.saturating_add(1) };
            since_loud <= frames
        })
        .collect()
}

fn to_segments(flags: &[bool], frame_s: f64, duration_s: f64) -> Vec<SpeechSegment> {
    let mut segments: Vec<SpeechSegment> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &flag) in flags.iter().chain(std::iter::once(&false)).enumerate() {
        match (flag, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                segments.push(SpeechSegment {
                    start_s: round_to(s as f64 * frame_s, 3),
                    end_s: round_to((i as f64 * frame_s).min(duration_s), 3),
                });
                start = None;
            }
            _ => {}
        }
    }
    segments
}

fn bridge_gaps(segments: &mut Vec<SpeechSegment>, min_gap_s: f64) {
    let mut merged: Vec<SpeechSegment> = Vec::with_capacity(segments.len());
    for seg in segments.drain(..) {
        match merged.last_mut() {
            Some(last) if seg.start_s - last.end_s < min_gap_s => last.end_s = seg.end_s,
            _ => merged.push(seg),
        }
    }
    *segments = merged;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features_from_levels(levels: Vec<f32>) -> AudioFeatures {
        AudioFeatures {
            sample_rate: 16_000,
            duration_s: levels.len() as f64 * 0.02,
            sample_count: levels.len() as u64 * 320,
            frame_duration_s: 0.02,
            frame_rms_dbfs: levels,
            pitch_hop_s: 0.04,
            pitch_hz: Vec::new(),
            integrated_loudness_lufs: None,
            loudness_range_lu: None,
            momentary_lufs: Vec::new(),
            peak_dbfs: -120.0,
            clipped_sample_count: 0,
            clipped_frames: Vec::new(),
            digital_silence_runs: Vec::new(),
        }
    }

    #[test]
    fn finds_bursts_above_the_floor_and_bridges_short_gaps() {
        // 1 s noise at -60, 1 s speech at -20, 0.1 s gap, 0.5 s speech, 1 s noise.
        let mut levels = vec![-60.0; 50];
        levels.extend(vec![-20.0; 50]);
        levels.extend(vec![-60.0; 5]);
        levels.extend(vec![-20.0; 25]);
        levels.extend(vec![-60.0; 50]);
        let segments = detect_speech(&features_from_levels(levels));
        assert_eq!(segments.len(), 1);
        assert!((segments[0].start_s - 1.0).abs() < 1e-9);
        assert!((segments[0].end_s - 2.70).abs() < 1e-9, "{segments:?}");
    }

    #[test]
    fn steady_noise_and_silence_are_not_speech() {
        assert!(detect_speech(&features_from_levels(vec![-30.0; 500])).is_empty());
        assert!(detect_speech(&features_from_levels(vec![-120.0; 500])).is_empty());
    }

    #[test]
    fn clicks_shorter_than_min_speech_are_dropped() {
        let mut levels = vec![-70.0; 100];
        levels[50] = -10.0;
        // one 20 ms frame + 100 ms hangover = 120 ms < 150 ms
        assert!(detect_speech(&features_from_levels(levels)).is_empty());
    }
}
