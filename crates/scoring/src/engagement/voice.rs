//! Voice activity: talk time, pauses and the longest monologue, from the
//! VAD's speech segments.

use serde::{Deserialize, Serialize};

use crate::SpeechSegment;
use crate::scale::round_to;

/// Pauses shorter than this do not end a monologue, seconds.
pub const MONOLOGUE_BRIDGE_S: f64 = 2.0;

/// `VoiceActivity::vad` of the built-in energy VAD ([`crate::detect_speech`]).
pub const ENERGY_VAD: &str = "energy";

/// Voice activity of one recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VoiceActivity {
    /// The detector that found the speech segments: `energy`, or the model (`silero-vad==6.2.3`).
    #[serde(default = "energy_vad")]
    pub vad: String,
    /// Length of the audio, seconds.
    pub duration_s: f64,
    /// Total length of the speech segments, seconds.
    pub talk_time_s: f64,
    /// Speech segments found by the VAD.
    pub speech_segments: Vec<SpeechSegment>,
    /// Gaps between consecutive speech segments (leading and trailing silence excluded).
    pub pauses: PauseStats,
    /// Longest stretch of speech whose pauses are all shorter than 2 s; `null` without speech.
    pub longest_monologue: Option<Monologue>,
}

/// Pause statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PauseStats {
    /// Number of pauses.
    pub count: usize,
    /// Mean pause, seconds; `null` without pauses.
    pub mean_s: Option<f64>,
    /// Longest pause, seconds; `null` without pauses.
    pub longest_s: Option<f64>,
}

/// The longest monologue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Monologue {
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// `end_s - start_s`, seconds.
    pub duration_s: f64,
    /// Words spoken in it (transcript segments whose midpoint falls inside); `null` without a transcript.
    pub words: Option<usize>,
}

fn energy_vad() -> String {
    ENERGY_VAD.to_owned()
}

pub(crate) fn voice_activity(segments: Vec<SpeechSegment>, duration_s: f64, vad: &str) -> VoiceActivity {
    let talk_time_s: f64 = segments.iter().map(SpeechSegment::duration_s).sum();
    let gaps: Vec<f64> = segments.windows(2).map(|w| w[1].start_s - w[0].end_s).collect();
    let pauses = PauseStats {
        count: gaps.len(),
        mean_s: crate::stats::mean(&gaps).map(|m| round_to(m, 3)),
        longest_s: gaps.iter().copied().reduce(f64::max).map(|m| round_to(m, 3)),
    };
    let longest_monologue = longest_monologue(&segments);
    VoiceActivity {
        vad: vad.to_owned(),
        duration_s: round_to(duration_s, 3),
        talk_time_s: round_to(talk_time_s, 3),
        speech_segments: segments,
        pauses,
        longest_monologue,
    }
}

fn longest_monologue(segments: &[SpeechSegment]) -> Option<Monologue> {
    let mut best: Option<(f64, f64)> = None;
    let mut current: Option<(f64, f64)> = None;
    for seg in segments {
        current = match current {
            Some((start, end)) if seg.start_s - end < MONOLOGUE_BRIDGE_S => Some((start, seg.end_s)),
            _ => Some((seg.start_s, seg.end_s)),
        };
        let (start, end) = current?;
        if best.is_none_or(|(bs, be)| end - start > be - bs) {
            best = Some((start, end));
        }
    }
    best.map(|(start_s, end_s)| Monologue {
        start_s: round_to(start_s, 3),
        end_s: round_to(end_s, 3),
        duration_s: round_to(end_s - start_s, 3),
        words: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start_s: f64, end_s: f64) -> SpeechSegment {
        SpeechSegment { start_s, end_s }
    }

    #[test]
    fn pauses_and_monologue_from_segments() {
        let v = voice_activity(vec![seg(1.0, 3.0), seg(4.0, 6.0), seg(10.0, 11.0)], 12.0, ENERGY_VAD);
        assert_eq!(v.talk_time_s, 5.0);
        assert_eq!(v.pauses.count, 2);
        assert_eq!(v.pauses.mean_s, Some(2.5));
        assert_eq!(v.pauses.longest_s, Some(4.0));
        let m = v.longest_monologue.unwrap();
        assert_eq!((m.start_s, m.end_s, m.duration_s), (1.0, 6.0, 5.0));
    }

    #[test]
    fn no_speech_means_no_pauses_and_no_monologue() {
        let v = voice_activity(Vec::new(), 10.0, ENERGY_VAD);
        assert_eq!(v.talk_time_s, 0.0);
        assert_eq!(v.pauses, PauseStats { count: 0, mean_s: None, longest_s: None });
        assert_eq!(v.longest_monologue, None);
    }
}
