use serde::{Deserialize, Serialize};

/// How the decoder was asked to work; written into `transcript.json` so a result can be reproduced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DecodingOptions {
    /// ISO 639-1 code, or `None` to detect the language.
    pub language: Option<String>,
    /// Temperatures tried in order when a window fails the quality thresholds.
    pub temperatures: Vec<f32>,
    /// A window whose gzip compression ratio exceeds this is decoded again at the next temperature.
    pub compression_ratio_threshold: f32,
    /// A window whose average log-probability is below this is decoded again.
    pub logprob_threshold: f32,
    /// A window with a no-speech probability above this (and a low log-probability) is silence.
    pub no_speech_threshold: f32,
    /// Emit word-level timestamps where the implementation supports them. On by default: for
    /// `CandleWhisper` they cost about 7 % of the transcription time (one extra decoder pass and
    /// an alignment per 30-second window; measured on 5 minutes of speech with tiny.en).
    pub word_timestamps: bool,
    /// With word timestamps: an improbable-looking segment with at least this much silence
    /// (seconds) on both sides is taken as invented and dropped. `None` turns the guard off.
    #[serde(default)]
    pub hallucination_silence_threshold_s: Option<f32>,
    /// Silences at least this long (seconds) are skipped before decoding: no window is encoded
    /// over them. With a speech map (Silero VAD), stretches without speech (silence or noise) are
    /// skipped; without one, the energy mask skips only where the recording has clear silences.
    /// `None` decodes everything.
    #[serde(default)]
    pub skip_silence_s: Option<f32>,
    /// With a speech map and `skip_silence_s`: join the speech stretches end to end before
    /// decoding (faster-whisper's `vad_filter`), so every 30-second window is full of speech, and
    /// map the times back. Faster on gappy audio (one window instead of one per stretch), but a
    /// faint fragment between stretches (the other side's crosstalk) shares a window with real
    /// speech and may be transcribed where skipping in place drops it as no-speech: off by default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pack_speech: bool,
    /// Which voice-activity detection chose the skipped stretches; set by the transcriber in
    /// `Transcript::decoding`. `None` when nothing could be skipped (no skipping asked for, or a
    /// transcriber that decodes everything).
    #[serde(default)]
    pub voice_activity: Option<VoiceActivityUsed>,
}

/// The voice-activity detection a transcription used to skip silences.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum VoiceActivityUsed {
    /// The energy mask: only clear silences, nothing in steady noise.
    Energy,
    /// Silero VAD's speech segments (faster-whisper's transcription settings).
    Silero {
        /// The model, e.g. `silero-vad==6.2.3`.
        model: String,
        /// How its probabilities became segments.
        options: crate::SpeechOptions,
        /// Seconds of audio outside the speech segments, skipped before decoding.
        skipped_s: f64,
    },
}

impl Default for DecodingOptions {
    fn default() -> Self {
        Self {
            language: None,
            temperatures: vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            compression_ratio_threshold: 2.4,
            logprob_threshold: -1.0,
            no_speech_threshold: 0.6,
            word_timestamps: true,
            hallucination_silence_threshold_s: Some(2.0),
            skip_silence_s: Some(2.0),
            pack_speech: false,
            voice_activity: None,
        }
    }
}

/// One stretch of recognised speech.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Segment {
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
    pub avg_logprob: Option<f64>,
    pub no_speech_prob: Option<f64>,
    /// The segment's words, when word timestamps were asked for and the implementation aligns
    /// them (the same words as in [`Transcript::words`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Word>>,
}

impl Segment {
    /// A segment with only its text and times (no scores, no words), as a hosted API or a
    /// stored transcript gives it.
    pub fn from_text(start_s: f64, end_s: f64, text: impl Into<String>) -> Self {
        Segment { start_s, end_s, text: text.into(), avg_logprob: None, no_speech_prob: None, words: None }
    }
}

/// One word with its timing, when the implementation aligns words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Word {
    pub start_s: f64,
    pub end_s: f64,
    pub word: String,
    pub probability: Option<f64>,
}

/// The result of transcribing one recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Transcript {
    pub language: Option<String>,
    pub duration_s: f64,
    pub text: String,
    pub segments: Vec<Segment>,
    pub words: Option<Vec<Word>>,
    pub model_id: String,
    pub decoding: DecodingOptions,
}
