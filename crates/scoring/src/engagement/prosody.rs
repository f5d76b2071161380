//! Prosody: how much pitch and loudness vary while speaking.

use serde::{Deserialize, Serialize};

use crate::scale::round_to;
use crate::stats::{median, std_dev};
use crate::{AudioFeatures, SpeechSegment};

/// Fewer voiced pitch estimates than this inside speech give no pitch statistics.
const MIN_VOICED_HOPS: usize = 10;

/// Pitch and energy variation inside speech.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Prosody {
    /// Median fundamental frequency of voiced speech, Hz; `null` with too little voiced speech.
    pub pitch_median_hz: Option<f64>,
    /// Standard deviation of pitch, semitones; `null` with too little voiced speech.
    pub pitch_std_semitones: Option<f64>,
    /// Standard deviation of the 20 ms frame levels inside speech, dB.
    pub energy_std_db: f64,
    /// Voiced 40 ms hops inside speech.
    pub voiced_hops: usize,
}

fn inside(segments: &[SpeechSegment], time_s: f64) -> bool {
    segments.iter().any(|s| time_s >= s.start_s && time_s < s.end_s)
}

pub(crate) fn prosody(audio: &AudioFeatures, segments: &[SpeechSegment]) -> Option<Prosody> {
    let energy: Vec<f64> = audio
        .frame_rms_dbfs
        .iter()
        .enumerate()
        .filter(|(i, _)| inside(segments, audio.frame_start_s(*i) + audio.frame_duration_s / 2.0))
        .map(|(_, &l)| f64::from(l))
        .collect();
    let energy_std_db = std_dev(&energy)?;
    let pitches: Vec<f64> = audio
        .pitch_hz
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (i, f64::from(p))))
        .filter(|(i, _)| inside(segments, (*i as f64 + 0.5) * audio.pitch_hop_s))
        .map(|(_, p)| p)
        .collect();
    let enough = pitches.len() >= MIN_VOICED_HOPS;
    let semitones: Vec<f64> = pitches.iter().map(|p| 12.0 * (p / 100.0).log2()).collect();
    Some(Prosody {
        pitch_median_hz: median(&pitches).filter(|_| enough).map(|p| round_to(p, 1)),
        pitch_std_semitones: std_dev(&semitones).filter(|_| enough).map(|s| round_to(s, 2)),
        energy_std_db: round_to(energy_std_db, 2),
        voiced_hops: pitches.len(),
    })
}
