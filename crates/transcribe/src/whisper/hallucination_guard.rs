//! Guards against text Whisper invents in silence, using word timings (openai-whisper's
//! `hallucination_silence_threshold` heuristics, without its re-seeking): a segment whose words
//! look anomalous (improbable, or implausibly short or long) and that has silence on both sides
//! is dropped; nothing is kept past the end of the audio.

use crate::vad::voice_activity::VoiceActivity;
use crate::{Segment, Word};

/// A segment with less of its span voiced than this lies in a silence.
const MIN_VOICED_SHARE: f64 = 0.1;
/// Characters that do not count as words when scoring a segment.
const PUNCTUATION: &str = "\"'“¿([{-\"'.。,，!！?？:：”)]}、";

/// 1 for an improbable word, plus a penalty for a duration under 133 ms or over 2 s.
pub fn word_anomaly_score(word: &Word) -> f64 {
    let duration = word.end_s - word.start_s;
    let mut score = 0.0;
    if word.probability.unwrap_or(0.0) < 0.15 {
        score += 1.0;
    }
    if duration < 0.133 {
        score += (0.133 - duration) * 15.0;
    }
    if duration > 2.0 {
        score += duration - 2.0;
    }
    score
}

/// A segment is anomalous when its first eight words (punctuation left out) score 3 or more,
/// or about one per word.
pub fn is_segment_anomaly(segment: &Segment) -> bool {
    let Some(words) = segment.words.as_deref() else {
        return false;
    };
    let scored: Vec<&Word> =
        words.iter().filter(|w| !w.word.trim().chars().all(|c| PUNCTUATION.contains(c))).take(8).collect();
    if scored.is_empty() {
        return false;
    }
    let score: f64 = scored.iter().map(|w| word_anomaly_score(w)).sum();
    score >= 3.0 || score + 0.01 >= scored.len() as f64
}

/// The window being guarded: where it starts and ends, and where speech last ended before it.
#[derive(Clone, Copy, Debug)]
pub struct GuardWindow<'a> {
    pub start_s: f64,
    pub end_s: f64,
    pub last_speech_s: f64,
    /// Silence, in seconds, around an anomalous segment that marks it as invented.
    pub threshold_s: f64,
    /// The recording's clear silences, when it has any.
    pub voice: &'a VoiceActivity,
}

/// Removes the window's anomalous segments that have silence (or other anomalies, or the
/// window's edge) both before and after them.
pub fn drop_hallucinations(segments: &mut Vec<Segment>, window: GuardWindow<'_>) {
    let mut keep = vec![true; segments.len()];
    let mut last_end = window.last_speech_s;
    for i in 0..segments.len() {
        let segment = &segments[i];
        if segment.words.as_ref().is_none_or(|w| w.is_empty()) {
            continue;
        }
        // Where silences are known, a segment mostly over voiced audio is speech, and one
        // without any voiced audio is invented.
        let voiced = window.voice.voiced_share(segment.start_s, segment.end_s);
        if voiced.is_some_and(|share| share < MIN_VOICED_SHARE) {
            keep[i] = false;
            continue;
        }
        if is_segment_anomaly(segment) && voiced.is_none_or(|share| share < 0.5) {
            let next = segments[i + 1..].iter().find(|s| s.words.as_ref().is_some_and(|w| !w.is_empty()));
            let next_start = next.and_then(|s| s.words.as_ref()?.first().map(|w| w.start_s)).unwrap_or(window.end_s);
            let silence_before = segment.start_s - last_end > window.threshold_s
                || segment.start_s < window.threshold_s
                || segment.start_s - window.start_s < 2.0;
            let silence_after = next_start - segment.end_s > window.threshold_s
                || next.is_some_and(is_segment_anomaly)
                || window.end_s - segment.end_s < 2.0;
            if silence_before && silence_after {
                keep[i] = false;
                continue;
            }
        }
        last_end = segment.end_s;
    }
    let mut flags = keep.into_iter();
    segments.retain(|_| flags.next().unwrap_or(true));
}

/// Cuts everything at `duration_s`: words starting at or after it are dropped, the others end by
/// it; so are segments, and a segment left without any of its words is dropped.
pub fn clamp_to_duration(segments: &mut Vec<Segment>, duration_s: f64) {
    for segment in segments.iter_mut() {
        segment.end_s = segment.end_s.min(duration_s);
        if let Some(words) = segment.words.as_mut() {
            words.retain(|w| w.start_s < duration_s);
            for w in words.iter_mut() {
                w.end_s = w.end_s.min(duration_s);
            }
        }
    }
    segments
        .retain(|s| s.start_s < duration_s && s.end_s > s.start_s && s.words.as_ref().is_none_or(|w| !w.is_empty()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(start_s: f64, end_s: f64, probability: f64) -> Word {
        Word { start_s, end_s, word: " w".into(), probability: Some(probability) }
    }

    fn segment(words: Vec<Word>) -> Segment {
        Segment {
            start_s: words.first().map_or(0.0, |w| w.start_s),
            end_s: words.last().map_or(0.0, |w| w.end_s),
            text: "w".into(),
            avg_logprob: None,
            no_speech_prob: None,
            words: Some(words),
        }
    }

    #[test]
    fn improbable_or_odd_words_are_anomalous() {
        assert!(is_segment_anomaly(&segment(vec![word(0.0, 0.3, 0.05), word(0.3, 0.6, 0.1)])));
        assert!(is_segment_anomaly(&segment(vec![word(0.0, 5.5, 0.9)])));
        assert!(!is_segment_anomaly(&segment(vec![word(0.0, 0.3, 0.9), word(0.3, 0.6, 0.1)])));
    }

    #[test]
    fn drops_an_invented_segment_in_silence_and_keeps_speech() {
        let speech = segment(vec![word(1.0, 1.4, 0.9), word(1.4, 1.8, 0.8)]);
        let invented = segment(vec![word(12.0, 12.05, 0.1), word(12.05, 12.1, 0.1)]);
        let later = segment(vec![word(20.0, 20.4, 0.9), word(20.4, 20.9, 0.9)]);
        let mut segments = vec![speech.clone(), invented, later.clone()];
        let voice = VoiceActivity::default();
        let window = GuardWindow { start_s: 0.0, end_s: 30.0, last_speech_s: 0.0, threshold_s: 2.0, voice: &voice };
        drop_hallucinations(&mut segments, window);
        assert_eq!(segments, vec![speech, later]);
    }

    #[test]
    fn nothing_outlives_the_audio() {
        let mut segments = vec![
            segment(vec![word(1.0, 1.4, 0.9), word(9.8, 10.6, 0.9), word(10.6, 11.0, 0.9)]),
            segment(vec![word(10.2, 11.0, 0.9)]),
        ];
        clamp_to_duration(&mut segments, 10.0);
        assert_eq!(segments.len(), 1);
        let words = segments[0].words.as_ref().unwrap();
        assert_eq!(words.len(), 2);
        assert_eq!((segments[0].end_s, words[1].end_s), (10.0, 10.0));
    }
}
