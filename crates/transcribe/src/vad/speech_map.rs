//! [`SpeechMap`]: a voice-activity detector's speech probability per 32 ms chunk of one audio
//! track, computed once and read by every stage that needs to know where the speech is, and
//! its speech segments by the post-processing of Silero's `get_speech_timestamps` (the
//! `max_speech_duration_s = inf` case, the default of both Silero and faster-whisper).

use serde::{Deserialize, Serialize};

/// Samples per probability (32 ms at 16 kHz).
pub const CHUNK_SAMPLES: usize = 512;
const SAMPLE_RATE: f64 = 16_000.0;

/// How probabilities become speech segments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SpeechOptions {
    /// A chunk at or above this probability is speech.
    pub threshold: f32,
    /// Inside speech, only a chunk below this ends it; `None`: `max(threshold − 0.15, 0.01)`.
    pub neg_threshold: Option<f32>,
    /// Segments this short or shorter are dropped, seconds.
    pub min_speech_s: f64,
    /// Speech ends only after this much silence, seconds.
    pub min_silence_s: f64,
    /// Segments are widened by this much on each side (half the gap when two would meet), seconds.
    pub speech_pad_s: f64,
}

impl SpeechOptions {
    /// Silero's own defaults (`get_speech_timestamps`): speech as a listener hears it, for talk
    /// time and pauses.
    pub fn silero() -> Self {
        Self { threshold: 0.5, neg_threshold: None, min_speech_s: 0.25, min_silence_s: 0.1, speech_pad_s: 0.03 }
    }

    /// faster-whisper's `VadOptions` for transcription: only silences of 2 s or more split the
    /// audio, and each speech chunk keeps 0.4 s of context on each side.
    pub fn whisper() -> Self {
        Self { threshold: 0.5, neg_threshold: None, min_speech_s: 0.0, min_silence_s: 2.0, speech_pad_s: 0.4 }
    }

    fn neg_threshold(&self) -> f32 {
        self.neg_threshold.unwrap_or((self.threshold - 0.15).max(0.01))
    }
}

impl Default for SpeechOptions {
    fn default() -> Self {
        Self::silero()
    }
}

/// A stretch of speech, seconds from the start of the audio.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpeechSpan {
    pub start_s: f64,
    pub end_s: f64,
}

/// Speech probabilities of one audio track.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeechMap {
    probabilities: Vec<f32>,
    n_samples: usize,
    model_id: String,
}

impl SpeechMap {
    /// `probabilities[i]` covers samples `[512 i, 512 (i + 1))` of `n_samples` 16 kHz samples.
    pub fn new(probabilities: Vec<f32>, n_samples: usize, model_id: String) -> Self {
        Self { probabilities, n_samples, model_id }
    }

    pub fn probabilities(&self) -> &[f32] {
        &self.probabilities
    }

    /// The detector that made the map, e.g. `silero-vad==6.2.3`.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    pub fn duration_s(&self) -> f64 {
        self.n_samples as f64 / SAMPLE_RATE
    }

    /// Speech segments in samples, as the reference computes them.
    pub fn segments_in_samples(&self, options: &SpeechOptions) -> Vec<(usize, usize)> {
        let mut speeches = detect(&self.probabilities, self.n_samples, options);
        pad(&mut speeches, self.n_samples, options.speech_pad_s * SAMPLE_RATE);
        speeches
    }

    /// Speech segments, seconds.
    pub fn segments(&self, options: &SpeechOptions) -> Vec<SpeechSpan> {
        self.segments_in_samples(options)
            .into_iter()
            .map(|(start, end)| SpeechSpan { start_s: start as f64 / SAMPLE_RATE, end_s: end as f64 / SAMPLE_RATE })
            .collect()
    }
}

/// Unpadded segments: speech starts at a chunk at or above the threshold and ends where the
/// probability first fell below the negative threshold, once the silence has lasted
/// `min_silence_s`; a return to the threshold in between cancels the pending end.
fn detect(probabilities: &[f32], n_samples: usize, options: &SpeechOptions) -> Vec<(usize, usize)> {
    let min_speech = SAMPLE_RATE * options.min_speech_s;
    let min_silence = SAMPLE_RATE * options.min_silence_s;
    let neg_threshold = options.neg_threshold();
    let mut speeches = Vec::new();
    let mut start: Option<usize> = None;
    let mut temp_end = 0;
    for (i, &probability) in probabilities.iter().enumerate() {
        let sample = CHUNK_SAMPLES * i;
        if probability >= options.threshold && temp_end != 0 {
            temp_end = 0;
        }
        let Some(speech_start) = start else {
            if probability >= options.threshold {
                start = Some(sample);
            }
            continue;
        };
        if probability < neg_threshold {
            if temp_end == 0 {
                temp_end = sample;
            }
            if ((sample - temp_end) as f64) < min_silence {
                continue;
            }
            if (temp_end - speech_start) as f64 > min_speech {
                speeches.push((speech_start, temp_end));
            }
            start = None;
            temp_end = 0;
        }
    }
    if let Some(speech_start) = start
        && n_samples.saturating_sub(speech_start) as f64 > min_speech
    {
        speeches.push((speech_start, n_samples));
    }
    speeches
}

/// Widens each segment by `pad` samples, or by half the gap when the gap is under `2 pad`.
fn pad(speeches: &mut [(usize, usize)], n_samples: usize, pad: f64) {
    let count = speeches.len();
    for i in 0..count {
        if i == 0 {
            speeches[0].0 = (speeches[0].0 as f64 - pad).max(0.0) as usize;
        }
        if i + 1 < count {
            let silence = speeches[i + 1].0 as isize - speeches[i].1 as isize;
            if (silence as f64) < 2.0 * pad {
                let half = silence.div_euclid(2);
                speeches[i].1 = (speeches[i].1 as isize + half) as usize;
                speeches[i + 1].0 = (speeches[i + 1].0 as isize - half).max(0) as usize;
            } else {
                speeches[i].1 = (speeches[i].1 as f64 + pad).min(n_samples as f64) as usize;
                speeches[i + 1].0 = (speeches[i + 1].0 as f64 - pad).max(0.0) as usize;
            }
        } else {
            speeches[i].1 = (speeches[i].1 as f64 + pad).min(n_samples as f64) as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(probabilities: &[f32]) -> SpeechMap {
        SpeechMap::new(probabilities.to_vec(), probabilities.len() * CHUNK_SAMPLES, "test".into())
    }

    #[test]
    fn speech_starts_at_the_threshold_and_ends_after_the_minimum_silence() {
        // 10 chunks silence, 20 speech, 2 in the hysteresis band, 10 silence.
        let mut p = vec![0.1; 10];
        p.extend(vec![0.9; 20]);
        p.extend(vec![0.4; 2]);
        p.extend(vec![0.1; 10]);
        let options = SpeechOptions { speech_pad_s: 0.0, ..SpeechOptions::silero() };
        // The band (0.35..0.5) keeps the speech going; it ends at the first chunk below 0.35.
        assert_eq!(map(&p).segments_in_samples(&options), vec![(10 * 512, 32 * 512)]);
    }

    #[test]
    fn short_silences_are_bridged_and_short_speech_is_dropped() {
        let mut p = vec![0.9; 20];
        p.extend(vec![0.0; 2]); // 64 ms < 100 ms: bridged
        p.extend(vec![0.9; 20]);
        p.extend(vec![0.0; 10]);
        p.extend(vec![0.9; 5]); // 160 ms < 250 ms, then silence: dropped
        p.extend(vec![0.0; 10]);
        let options = SpeechOptions { speech_pad_s: 0.0, ..SpeechOptions::silero() };
        assert_eq!(map(&p).segments_in_samples(&options), vec![(0, 42 * 512)]);
    }

    #[test]
    fn padding_widens_segments_and_splits_short_gaps() {
        let mut p = vec![0.0; 10];
        p.extend(vec![0.9; 20]);
        p.extend(vec![0.0; 6]);
        p.extend(vec![0.9; 20]);
        p.extend(vec![0.0; 3]);
        let speeches = map(&p).segments_in_samples(&SpeechOptions::silero());
        // pad 480 samples; the 6-chunk gap (3072) is wider than 960, so both sides get 480; the
        // trailing 96 ms of silence is too short to end the speech, which runs to the end.
        assert_eq!(speeches, vec![(10 * 512 - 480, 30 * 512 + 480), (36 * 512 - 480, 59 * 512)]);
        let whisper = map(&p).segments(&SpeechOptions::whisper());
        assert_eq!(whisper.len(), 1, "a 192 ms silence does not split speech for Whisper");
    }

    #[test]
    fn no_speech_gives_no_segments() {
        assert!(map(&[0.2; 100]).segments(&SpeechOptions::silero()).is_empty());
        assert!(map(&[]).segments(&SpeechOptions::whisper()).is_empty());
    }
}
