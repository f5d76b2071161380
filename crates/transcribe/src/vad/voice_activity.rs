//! Where the recording is clearly silent, from the energy of 20 ms frames (one frame per
//! Whisper encoder position). Cross-attention alignment tends to stretch a word over the pause
//! after it; when the recording has clear silences, word edges are pulled out of them and words
//! that lie wholly inside one are recognised as such. A recording without clear silences (steady
//! noise) gives no mask and nothing is changed.
//!
//! With a Silero [`SpeechMap`], the stretches to skip before decoding are those outside its
//! speech segments (faster-whisper's settings: silences of at least `skip_silence_s`, 0.4 s of
//! padding), in noise as in silence; where the energy finds no clear silences, Silero's own
//! segments also mark the voiced frames for word timing.

use crate::vad::speech_map::{SpeechMap, SpeechOptions, SpeechSpan};

/// Samples per frame at 16 kHz (20 ms).
const FRAME: usize = 320;
pub const FRAME_S: f64 = 0.02;
/// The recording has clear silences when its loud frames are this far above its quiet ones.
const MIN_DYNAMIC_RANGE_DB: f64 = 25.0;
/// A frame is voiced above this fraction of the way from the noise floor to the speech level.
const VOICED_FRACTION: f64 = 0.35;
/// Silent stretches shorter than this (stops, short pauses) are not trimmed from words.
pub const MIN_TRIMMED_SILENCE_S: f64 = 0.2;

/// Silence at least this long separates utterances.
pub const MIN_PAUSE_S: f64 = 0.3;
/// A segment's start moves back to its speech's onset by at most this much.
pub const MAX_ONSET_SHIFT_S: f64 = 1.5;

/// Voiced/silent per 20 ms frame, or nothing when the recording has no clear silences.
#[derive(Clone, Debug, Default)]
pub struct VoiceActivity {
    voiced: Option<Vec<bool>>,
    /// Speech per 20 ms frame by a speech map's segments: what is not speech is skipped.
    speech: Option<Vec<bool>>,
}

/// How [`VoiceActivity::skip_silence`] and [`VoiceActivity::speech_end`] read their mask.
struct SkipRule<'a> {
    mask: &'a [bool],
    /// Voiced frames in a row that make speech.
    min_run: usize,
    /// Skipping stops this long before speech, and a window ends this long after it.
    margin_s: f64,
    /// Only silences at least this long count (the speech map's segments are already joined).
    min_silence_s: Option<f64>,
}

/// 20 ms frames whose midpoint lies inside one of `spans`.
fn frames_in(spans: &[SpeechSpan], n_frames: usize) -> Vec<bool> {
    let mut frames = vec![false; n_frames];
    for span in spans {
        let first = ((span.start_s / FRAME_S) - 0.5).ceil().max(0.0) as usize;
        let last = (((span.end_s / FRAME_S) - 0.5).ceil().max(0.0) as usize).min(n_frames);
        frames.iter_mut().take(last).skip(first).for_each(|f| *f = true);
    }
    frames
}

impl VoiceActivity {
    /// Frames whose level is well above the noise floor (10th percentile of frame levels) toward
    /// the speech level (95th percentile of the frames more than 10 dB above the floor) are voiced.
    pub fn from_samples(samples: &[f32]) -> Self {
        let levels: Vec<f64> = samples
            .chunks(FRAME)
            .map(|frame| {
                let power = frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / frame.len() as f64;
                10.0 * power.max(1e-12).log10()
            })
            .collect();
        if levels.is_empty() {
            return Self::default();
        }
        let mut sorted = levels.clone();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        let floor = at(0.10);
        // The speech level among the frames clearly above the floor, so that a recording that is
        // mostly silence (a few seconds of speech in minutes) still has one.
        let loud: Vec<f64> = sorted.iter().copied().filter(|&l| l > floor + 10.0).collect();
        let Some(&speech) = loud.get(((loud.len().saturating_sub(1)) as f64 * 0.95).round() as usize) else {
            return Self::default();
        };
        if speech - floor < MIN_DYNAMIC_RANGE_DB {
            return Self::default();
        }
        let threshold = floor + VOICED_FRACTION * (speech - floor);
        Self { voiced: Some(levels.into_iter().map(|l| l > threshold).collect()), speech: None }
    }

    /// The energy mask for word timing (`speech`'s segments with `SpeechOptions::silero()` where
    /// the energy finds no clear silences), and `skip_segments` (the map's segments for
    /// skipping) as what is not skipped.
    pub fn with_speech_map(samples: &[f32], speech: &SpeechMap, skip_segments: &[SpeechSpan]) -> Self {
        let n_frames = samples.len().div_ceil(FRAME);
        let energy = Self::from_samples(samples);
        let voiced = energy.voiced.or_else(|| Some(frames_in(&speech.segments(&SpeechOptions::silero()), n_frames)));
        Self { voiced, speech: Some(frames_in(skip_segments, n_frames)) }
    }

    /// This mask read on another clock, for audio of `n_samples`: its frame `k` is the frame at
    /// `original_s(k × 20 ms + 10 ms)` here. For audio cut and joined (packed speech), the
    /// recording's own silences still mark its words, where the joined audio alone — mostly
    /// speech — has too little silence for a mask of its own.
    pub fn remapped(&self, n_samples: usize, original_s: impl Fn(f64) -> f64) -> Self {
        let voiced = self.voiced.as_ref().map(|voiced| {
            (0..n_samples.div_ceil(FRAME))
                .map(|k| {
                    let at = ((original_s((k as f64 + 0.5) * FRAME_S) / FRAME_S).floor().max(0.0)) as usize;
                    voiced.get(at).copied().unwrap_or(false)
                })
                .collect()
        });
        Self { voiced, speech: None }
    }

    fn skip_rule(&self, min_silence_s: f64) -> Option<SkipRule<'_>> {
        if let Some(mask) = self.speech.as_deref() {
            return Some(SkipRule { mask, min_run: 1, margin_s: 0.0, min_silence_s: None });
        }
        let mask = self.voiced.as_deref()?;
        Some(SkipRule { mask, min_run: 3, margin_s: 0.2, min_silence_s: Some(min_silence_s) })
    }

    /// Whether the recording has clear silences (and so a mask).
    pub fn is_known(&self) -> bool {
        self.voiced.is_some()
    }

    fn frames(&self, start_s: f64, end_s: f64) -> Option<(&[bool], usize)> {
        let voiced = self.voiced.as_deref()?;
        let first = ((start_s / FRAME_S).floor().max(0.0) as usize).min(voiced.len());
        let last = ((end_s / FRAME_S).ceil().max(0.0) as usize).clamp(first, voiced.len());
        Some((&voiced[first..last], first))
    }

    /// Where speech resumes at or after `from_s` when `[from_s, from_s + min_silence_s)` is
    /// silent: the start of the next voiced run of at least 60 ms, minus 0.2 s of lead-in (or the
    /// end of the audio when none follows). `None` when there is no such silence (or no mask).
    /// With a speech map, any stretch outside its segments is skipped, up to the next segment.
    pub fn skip_silence(&self, from_s: f64, min_silence_s: f64) -> Option<f64> {
        let rule = self.skip_rule(min_silence_s)?;
        let voiced = rule.mask;
        let long_enough = |silence_s: f64| rule.min_silence_s.map_or(silence_s > 0.0, |min| silence_s >= min);
        let first = (from_s / FRAME_S).floor().max(0.0) as usize;
        let mut frame = first;
        let mut run = 0;
        while frame < voiced.len() {
            run = if voiced[frame] { run + 1 } else { 0 };
            if run >= rule.min_run {
                let speech_s = (frame + 1 - rule.min_run) as f64 * FRAME_S;
                return long_enough(speech_s - from_s).then_some((speech_s - rule.margin_s).max(from_s));
            }
            frame += 1;
        }
        let end_s = voiced.len() as f64 * FRAME_S;
        long_enough(end_s - from_s).then_some(end_s)
    }

    /// Where the speech from `from_s` stops for a silence of at least `min_silence_s`, plus 0.2 s
    /// of tail; `None` when no such silence follows (or no mask). With a speech map: where its
    /// segment ends.
    pub fn speech_end(&self, from_s: f64, min_silence_s: f64) -> Option<f64> {
        let rule = self.skip_rule(min_silence_s)?;
        let needed = rule.min_silence_s.map_or(1, |s| (s / FRAME_S).ceil() as usize);
        let mut silent_run = 0;
        let first = (from_s / FRAME_S).floor().max(0.0) as usize;
        for (frame, &is_voiced) in rule.mask.iter().enumerate().skip(first) {
            silent_run = if is_voiced { 0 } else { silent_run + 1 };
            if silent_run >= needed.max(1) {
                let silence_start_s = (frame + 1 - silent_run) as f64 * FRAME_S;
                return Some(silence_start_s + rule.margin_s);
            }
        }
        None
    }

    /// Share of `[start_s, end_s)` that is voiced; `None` without a mask or for an empty span.
    pub fn voiced_share(&self, start_s: f64, end_s: f64) -> Option<f64> {
        let (frames, _) = self.frames(start_s, end_s)?;
        if frames.is_empty() {
            return None;
        }
        Some(frames.iter().filter(|&&v| v).count() as f64 / frames.len() as f64)
    }

    /// Where the speech that runs into `t_s` began: walking back from `t_s` over voiced frames
    /// and pauses shorter than [`MIN_PAUSE_S`], at most [`MAX_ONSET_SHIFT_S`] and not before
    /// `floor_s`. `t_s` itself when the audio just before it is a pause or unknown.
    pub fn speech_onset(&self, t_s: f64, floor_s: f64) -> f64 {
        let Some(voiced) = self.voiced.as_deref() else {
            return t_s;
        };
        let limit = floor_s.max(t_s - MAX_ONSET_SHIFT_S).max(0.0);
        let first = (limit / FRAME_S).ceil() as usize;
        let mut frame = ((t_s / FRAME_S).floor() as usize).min(voiced.len());
        let pause_frames = (MIN_PAUSE_S / FRAME_S).round() as usize;
        let (mut onset, mut silent_run) = (None, 0);
        while frame > first {
            frame -= 1;
            if voiced[frame] {
                onset = Some(frame);
                silent_run = 0;
            } else {
                silent_run += 1;
                if silent_run >= pause_frames {
                    break;
                }
            }
        }
        onset.map_or(t_s, |f| (f as f64 * FRAME_S).min(t_s))
    }

    /// `[start_s, end_s]` with a leading and a trailing silent stretch of at least
    /// [`MIN_TRIMMED_SILENCE_S`] cut off; unchanged without a mask or without voiced frames.
    pub fn trim(&self, start_s: f64, end_s: f64) -> (f64, f64) {
        let Some((frames, first)) = self.frames(start_s, end_s) else {
            return (start_s, end_s);
        };
        let (Some(a), Some(b)) = (frames.iter().position(|&v| v), frames.iter().rposition(|&v| v)) else {
            return (start_s, end_s);
        };
        let min_frames = (MIN_TRIMMED_SILENCE_S / FRAME_S).round() as usize;
        let start = if a >= min_frames { (first + a) as f64 * FRAME_S } else { start_s };
        let end = if frames.len() - 1 - b >= min_frames { (first + b + 1) as f64 * FRAME_S } else { end_s };
        (start.max(start_s), end.min(end_s).max(start.max(start_s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(seconds: f64, amplitude: f32) -> Vec<f32> {
        (0..(seconds * 16_000.0) as usize).map(|i| amplitude * (i as f32 * 0.2).sin()).collect()
    }

    #[test]
    fn finds_silences_and_trims_words_out_of_them() {
        let mut samples = vec![0.0; 16_000];
        samples.extend(tone(1.0, 0.3));
        samples.extend(vec![0.0; 32_000]);
        let activity = VoiceActivity::from_samples(&samples);
        assert!(activity.is_known());
        let (start, end) = activity.trim(0.5, 2.8);
        assert!((start - 1.0).abs() < 0.03 && (end - 2.0).abs() < 0.03, "{start} {end}");
        assert_eq!(activity.voiced_share(2.2, 3.0), Some(0.0));
        assert_eq!(activity.trim(2.2, 3.0), (2.2, 3.0));
        // A short dip is not trimmed.
        assert_eq!(activity.trim(0.9, 1.5), (0.9, 1.5));
        // The speech running into 1.6 s began at 1.0 s; nothing runs into 2.5 s.
        assert!((activity.speech_onset(1.6, 0.0) - 1.0).abs() < 0.03);
        assert!((activity.speech_onset(1.6, 1.3) - 1.3).abs() < 0.03);
        assert_eq!(activity.speech_onset(2.5, 0.0), 2.5);
    }

    #[test]
    fn a_mask_read_on_a_joined_clock_keeps_the_recordings_silences() {
        // 1 s silent, 1 s voiced, 1 s silent, 1 s voiced; the joined clock keeps 0.5–1.5 s and
        // 2.5–3.5 s of it, one after the other.
        let mut samples = vec![0.0; 16_000];
        samples.extend(tone(1.0, 0.3));
        samples.extend(vec![0.0; 16_000]);
        samples.extend(tone(1.0, 0.3));
        let activity = VoiceActivity::from_samples(&samples);
        let joined = activity.remapped(2 * 16_000, |t| if t < 1.0 { 0.5 + t } else { 1.5 + t });
        assert_eq!(joined.voiced_share(0.0, 0.45), Some(0.0), "the silence before the first speech");
        assert_eq!(joined.voiced_share(0.55, 1.0), Some(1.0));
        assert_eq!(joined.voiced_share(1.0, 1.45), Some(0.0), "the second stretch starts in silence");
        assert_eq!(joined.voiced_share(1.55, 2.0), Some(1.0));
        assert!(!VoiceActivity::default().remapped(3200, |t| t).is_known(), "no mask stays no mask");
    }

    #[test]
    fn long_silences_are_skipped_up_to_the_next_speech() {
        let mut samples = vec![0.0; 16_000 * 5];
        samples.extend(tone(1.0, 0.3));
        samples.extend(vec![0.0; 16_000]);
        let activity = VoiceActivity::from_samples(&samples);
        let resume = activity.skip_silence(0.0, 2.0).unwrap();
        assert!((resume - 4.8).abs() < 0.03, "speech at 5 s, 0.2 s lead-in: {resume}");
        assert_eq!(activity.skip_silence(4.0, 2.0), None, "1 s of silence is not long enough");
        assert_eq!(activity.skip_silence(5.5, 2.0), None, "inside the speech");
        assert_eq!(activity.skip_silence(6.0, 2.0), None, "only 1 s of silence is left");
        assert_eq!(activity.skip_silence(6.0, 0.5), Some(7.0), "the rest is silence: skip to the end");
        assert_eq!(VoiceActivity::from_samples(&tone(3.0, 0.1)).skip_silence(0.0, 1.0), None, "no mask");
        let end = activity.speech_end(4.8, 0.5).unwrap();
        assert!((end - 6.2).abs() < 0.03, "speech ends at 6 s, 0.2 s tail: {end}");
        assert_eq!(activity.speech_end(4.8, 2.0), None, "only 1 s of silence follows");
    }

    #[test]
    fn steady_noise_gives_no_mask() {
        let activity = VoiceActivity::from_samples(&tone(3.0, 0.1));
        assert!(!activity.is_known());
        assert_eq!(activity.trim(0.5, 2.0), (0.5, 2.0));
        assert!(VoiceActivity::from_samples(&[]).voiced_share(0.0, 1.0).is_none());
    }
}
