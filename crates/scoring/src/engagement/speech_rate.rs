//! Speech rate: words per minute from a transcript when there is one,
//! otherwise estimated from syllable nuclei (peaks of the energy envelope).

use serde::{Deserialize, Serialize};

use crate::scale::round_to;
use crate::{AudioFeatures, SpeechSegment};

/// Average syllables per English word, used to turn a syllable rate into words per minute.
pub const SYLLABLES_PER_WORD: f64 = 1.5;
/// A syllable peak must rise this far above the dip before it, dB.
const PEAK_PROMINENCE_DB: f32 = 3.0;
/// Syllable peaks are at least this far apart, seconds.
const MIN_PEAK_SPACING_S: f64 = 0.1;

/// How the speech rate was measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpeechRateMethod {
    /// Transcript words divided by talk time.
    Transcript,
    /// Peaks of the 20 ms energy envelope inside speech, read as syllables.
    EnergyEnvelopeSyllables,
}

/// Speech rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SpeechRate {
    /// How it was measured.
    pub method: SpeechRateMethod,
    /// Words per minute of talk time (estimated as syllables ÷ 1.5 for the envelope method).
    pub words_per_minute: f64,
    /// Syllables per second of talk time; `null` for the transcript method.
    pub syllables_per_second: Option<f64>,
}

pub(crate) fn from_transcript(words: usize, talk_time_s: f64) -> Option<SpeechRate> {
    (talk_time_s > 0.0).then(|| SpeechRate {
        method: SpeechRateMethod::Transcript,
        words_per_minute: round_to(words as f64 / (talk_time_s / 60.0), 1),
        syllables_per_second: None,
    })
}

pub(crate) fn from_envelope(audio: &AudioFeatures, segments: &[SpeechSegment]) -> Option<SpeechRate> {
    let talk_time_s: f64 = segments.iter().map(SpeechSegment::duration_s).sum();
    if talk_time_s <= 0.0 {
        return None;
    }
    let envelope = smoothed(&audio.frame_rms_dbfs);
    let min_spacing = (MIN_PEAK_SPACING_S / audio.frame_duration_s).round() as usize;
    let syllables: usize = segments
        .iter()
        .map(|s| {
            let first = audio.frame_at(s.start_s);
            let last = audio.frame_at(s.end_s).max(first);
            count_peaks(&envelope[first..=last], min_spacing)
        })
        .sum();
    let per_second = syllables as f64 / talk_time_s;
    Some(SpeechRate {
        method: SpeechRateMethod::EnergyEnvelopeSyllables,
        words_per_minute: round_to(per_second * 60.0 / SYLLABLES_PER_WORD, 1),
        syllables_per_second: Some(round_to(per_second, 2)),
    })
}

/// Three-frame (60 ms) moving average.
fn smoothed(levels: &[f32]) -> Vec<f32> {
    (0..levels.len())
        .map(|i| {
            let window = &levels[i.saturating_sub(1)..(i + 2).min(levels.len())];
            window.iter().sum::<f32>() / window.len() as f32
        })
        .collect()
}

/// Local maxima that rise at least `PEAK_PROMINENCE_DB` above the lowest
/// point since the previous peak, at least `min_spacing` frames apart.
fn count_peaks(envelope: &[f32], min_spacing: usize) -> usize {
    let mut count = 0;
    let mut dip = f32::INFINITY;
    let mut last_peak: Option<usize> = None;
    for i in 0..envelope.len() {
        let x = envelope[i];
        dip = dip.min(x);
        let left = if i > 0 { envelope[i - 1] } else { f32::NEG_INFINITY };
        let right = envelope.get(i + 1).copied().unwrap_or(f32::NEG_INFINITY);
        let is_max = x >= left && x > right;
        let spaced = last_peak.is_none_or(|p| i - p >= min_spacing);
        if is_max && spaced && x - dip >= PEAK_PROMINENCE_DB {
            count += 1;
            last_peak = Some(i);
            dip = x;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_one_peak_per_syllable_bump() {
        // 4 bumps of 10 dB, 200 ms apart.
        let envelope: Vec<f32> =
            (0..40).map(|i| -40.0 + 10.0 * (std::f32::consts::PI * i as f32 / 10.0).sin().abs()).collect();
        assert_eq!(count_peaks(&smoothed(&envelope), 5), 4);
        assert_eq!(count_peaks(&[-30.0; 40], 5), 0);
    }

    #[test]
    fn transcript_rate_is_words_per_minute_of_talk() {
        let rate = from_transcript(150, 60.0).unwrap();
        assert_eq!(rate.words_per_minute, 150.0);
        assert_eq!(rate.method, SpeechRateMethod::Transcript);
        assert!(from_transcript(10, 0.0).is_none());
    }
}
