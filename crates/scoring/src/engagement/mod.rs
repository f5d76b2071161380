//! `engagement.json`: how actively a participant took part — voice
//! activity, pauses, monologues, speech rate, prosody, on-camera presence
//! and, with a transcript, filler words and questions.

mod presence;
mod prosody;
mod speech_rate;
mod transcript;
mod voice;

pub(crate) use presence::present_frames;
pub use presence::{PRESENCE_METHOD, Presence};
pub use prosody::Prosody;
pub use speech_rate::{SYLLABLES_PER_WORD, SpeechRate, SpeechRateMethod};
pub use transcript::{FILLER_MARKERS, FILLER_WORDS, FillerWords, TranscriptMetrics, TranscriptSegment};
pub use voice::{ENERGY_VAD, MONOLOGUE_BRIDGE_S, Monologue, PauseStats, VoiceActivity};

use serde::{Deserialize, Serialize};

use crate::report::SubScore;
use crate::scale::{band, ramp, round_to, round1};
use crate::{AudioFeatures, SpeechSegment, VideoFeatures, detect_speech};

/// The engagement report. Each section is `null` with a sibling
/// `<section>_reason` when its input is missing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EngagementReport {
    /// Weighted mean of the available `components`, 0–100; `null` when none is available.
    pub score: Option<f64>,
    /// Why `score` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Fraction of the audio that is speech; `null` exactly when `voice` is (see `voice_reason`).
    pub speech_ratio: Option<f64>,
    /// Voice activity.
    pub voice: Option<VoiceActivity>,
    /// Why `voice` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_reason: Option<String>,
    /// Speech rate.
    pub speech_rate: Option<SpeechRate>,
    /// Why `speech_rate` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_rate_reason: Option<String>,
    /// Pitch and energy variation.
    pub prosody: Option<Prosody>,
    /// Why `prosody` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prosody_reason: Option<String>,
    /// On-camera presence.
    pub presence: Option<Presence>,
    /// Why `presence` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_reason: Option<String>,
    /// Transcript measures.
    pub transcript: Option<TranscriptMetrics>,
    /// Why `transcript` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_reason: Option<String>,
    /// The scores `score` is the weighted mean of.
    pub components: EngagementComponents,
}

/// Engagement components, each 0–100, with their weights in `score`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EngagementComponents {
    /// Weight 1: speech ratio, 0 at 2 %, 100 from 30 %.
    pub participation: SubScore,
    /// Weight 0.5: words per minute, 100 for 110–190, 0 at 60 and 260.
    pub speech_rate: SubScore,
    /// Weight 0.75: mean of pitch variation (0 at 0.5, 100 from 3 semitones) and energy variation (0 at 2, 100 from 6 dB).
    pub prosody: SubScore,
    /// Weight 1: presence ratio × 100.
    pub presence: SubScore,
    /// Weight 0.5: filler words per minute, 100 up to 2, 0 from 15.
    pub fluency: SubScore,
}

const NO_SPEECH: &str = "no speech was detected";

/// Speech segments found outside this crate (by Silero VAD), and the detector's name for
/// `engagement.json`'s `voice.vad`.
#[derive(Clone, Copy, Debug)]
pub struct DetectedSpeech<'a> {
    pub segments: &'a [SpeechSegment],
    pub vad: &'a str,
}

/// Score engagement, finding speech with the energy VAD ([`detect_speech`]). `Err(reason)`
/// marks a missing input; the sections that need it are `null` with that reason, and the score
/// uses the rest.
pub fn score_engagement(
    audio: Result<&AudioFeatures, &str>,
    video: Result<&VideoFeatures, &str>,
    transcript: Result<&[transcript::TranscriptSegment], &str>,
) -> EngagementReport {
    score_engagement_with_speech(audio, None, video, transcript)
}

/// [`score_engagement`] with the speech segments of another detector (`None`: the energy VAD).
/// Talk time, pauses, the monologue, the speech rate and prosody then follow those segments.
pub fn score_engagement_with_speech(
    audio: Result<&AudioFeatures, &str>,
    speech: Option<DetectedSpeech<'_>>,
    video: Result<&VideoFeatures, &str>,
    transcript: Result<&[transcript::TranscriptSegment], &str>,
) -> EngagementReport {
    let voice = audio.map(|a| match speech {
        Some(found) => voice::voice_activity(found.segments.to_vec(), a.duration_s, found.vad),
        None => voice::voice_activity(detect_speech(a), a.duration_s, ENERGY_VAD),
    });
    let talk_time_s = match (&voice, transcript) {
        (Ok(v), _) => v.talk_time_s,
        (Err(_), Ok(segments)) => segments.iter().map(|s| (s.end_s - s.start_s).max(0.0)).sum(),
        (Err(_), Err(_)) => 0.0,
    };
    let transcript_metrics = transcript.map(|t| transcript::transcript_metrics(t, talk_time_s));
    let speech_rate = speech_rate(audio, &voice, &transcript_metrics, talk_time_s);
    let prosody = match (&voice, audio) {
        (Ok(v), Ok(a)) => prosody::prosody(a, &v.speech_segments).ok_or(NO_SPEECH.to_owned()),
        (Err(_), _) | (_, Err(_)) => Err(audio.err().unwrap_or(NO_SPEECH).to_owned()),
    };
    let presence = video
        .map_err(str::to_owned)
        .and_then(|v| presence::presence(v).ok_or_else(|| "no decoded video frames were sampled".to_owned()));
    let voice = voice.map(|mut v| {
        if let (Some(m), Ok(segments)) = (v.longest_monologue.as_mut(), transcript) {
            m.words = Some(words_between(segments, m.start_s, m.end_s));
        }
        v
    });
    build(voice.map_err(str::to_owned), speech_rate, prosody, presence, transcript_metrics.map_err(str::to_owned))
}

fn speech_rate(
    audio: Result<&AudioFeatures, &str>,
    voice: &Result<VoiceActivity, &str>,
    transcript: &Result<TranscriptMetrics, &str>,
    talk_time_s: f64,
) -> Result<SpeechRate, String> {
    if let Ok(t) = transcript {
        return speech_rate::from_transcript(t.words, talk_time_s).ok_or_else(|| NO_SPEECH.to_owned());
    }
    match (audio, voice) {
        (Ok(a), Ok(v)) => speech_rate::from_envelope(a, &v.speech_segments).ok_or_else(|| NO_SPEECH.to_owned()),
        (Err(reason), _) | (_, &Err(reason)) => Err(reason.to_owned()),
    }
}

fn words_between(segments: &[transcript::TranscriptSegment], start_s: f64, end_s: f64) -> usize {
    segments
        .iter()
        .filter(|s| (start_s..=end_s).contains(&((s.start_s + s.end_s) / 2.0)))
        .map(|s| transcript::words(&s.text).len())
        .sum()
}

fn build(
    voice: Result<VoiceActivity, String>,
    speech_rate: Result<SpeechRate, String>,
    prosody: Result<Prosody, String>,
    presence: Result<Presence, String>,
    transcript: Result<TranscriptMetrics, String>,
) -> EngagementReport {
    // 0–1 as documented, also when padded speech segments outrun a short recording.
    let speech_ratio = voice
        .as_ref()
        .ok()
        .map(|v| if v.duration_s > 0.0 { round_to((v.talk_time_s / v.duration_s).clamp(0.0, 1.0), 4) } else { 0.0 });
    let components = components(speech_ratio, &voice, &speech_rate, &prosody, &presence, &transcript);
    let weighted = [
        (&components.participation, 1.0),
        (&components.speech_rate, 0.5),
        (&components.prosody, 0.75),
        (&components.presence, 1.0),
        (&components.fluency, 0.5),
    ];
    let (sum, weight) = weighted
        .iter()
        .filter_map(|(c, w)| c.score.map(|s| (s * w, *w)))
        .fold((0.0, 0.0), |(s, w), (ds, dw)| (s + ds, w + dw));
    let score = (weight > 0.0).then(|| round1(sum / weight));
    EngagementReport {
        score,
        reason: score.is_none().then(|| "no audio, video or transcript to measure engagement from".to_owned()),
        speech_ratio,
        voice_reason: voice.as_ref().err().cloned(),
        voice: voice.ok(),
        speech_rate_reason: speech_rate.as_ref().err().cloned(),
        speech_rate: speech_rate.ok(),
        prosody_reason: prosody.as_ref().err().cloned(),
        prosody: prosody.ok(),
        presence_reason: presence.as_ref().err().cloned(),
        presence: presence.ok(),
        transcript_reason: transcript.as_ref().err().cloned(),
        transcript: transcript.ok(),
        components,
    }
}

fn components(
    speech_ratio: Option<f64>,
    voice: &Result<VoiceActivity, String>,
    speech_rate: &Result<SpeechRate, String>,
    prosody: &Result<Prosody, String>,
    presence: &Result<Presence, String>,
    transcript: &Result<TranscriptMetrics, String>,
) -> EngagementComponents {
    let sub = |r: Result<f64, String>| match r {
        Ok(score) => SubScore::measured(score),
        Err(reason) => SubScore::missing(reason),
    };
    let prosody_score = |p: &Prosody| {
        let energy = ramp(p.energy_std_db, 2.0, 6.0);
        p.pitch_std_semitones.map_or(energy, |st| (ramp(st, 0.5, 3.0) + energy) / 2.0)
    };
    let fluency = transcript
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|t| t.filler_words.per_minute.map(|f| ramp(f, 15.0, 2.0)).ok_or_else(|| NO_SPEECH.to_owned()));
    EngagementComponents {
        participation: sub(voice.as_ref().map(|_| ramp(speech_ratio.unwrap_or(0.0), 0.02, 0.3)).map_err(Clone::clone)),
        speech_rate: sub(speech_rate
            .as_ref()
            .map(|r| band(r.words_per_minute, 60.0, 110.0, 190.0, 260.0))
            .map_err(Clone::clone)),
        prosody: sub(prosody.as_ref().map(prosody_score).map_err(Clone::clone)),
        presence: sub(presence.as_ref().map(|p| p.ratio * 100.0).map_err(Clone::clone)),
        fluency: sub(fluency),
    }
}

#[cfg(test)]
mod tests;
