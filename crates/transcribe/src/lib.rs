//! Speech-to-text for Session Monitor.
//!
//! The pipeline hands a [`Transcriber`] 16 kHz mono `f32` samples and gets a [`Transcript`] back.
//! The source is in three folders, plus the shared types (`transcript`, `error`), the Hugging Face
//! Inference API client and [`text_normalizer`] at the top.
//!
//! `whisper/` (`candle` feature): [`CandleWhisper`] runs Whisper locally. Its stages, one module
//! each: `mel` (log-mel spectrogram, filterbank computed in code); `audio_encoder` (the encoder per
//! 30-second window, with `attention` and `cpu_ops`); `kv_decoder` (the text decoder with a
//! key/value cache, logits for the last token only; after the prompt `token_step` runs each step
//! in plain loops over 8-bit weights, `int8_matvec`); `decoder` (one window at one temperature,
//! with `logit_filters` and `sampling`); `long_form` (openai-whisper's window loop: temperature
//! fallback, no-speech skipping, seeking from timestamp tokens); and word timestamps
//! (`DecodingOptions::word_timestamps`): `window_words` re-runs the decoder over a window's final
//! tokens, `word_alignment` aligns them to the audio from the alignment heads' cross-attention
//! (median filter + DTW), `word_timing` groups them into words, and `hallucination_guard` drops
//! invented segments in silence and past the audio's end. [`TranscriptionStats`] (from
//! [`CandleWhisper::transcribe_profiled`], and logged at debug level by every transcription) says
//! where the time went. `model_folder` checks a model folder and reads its JSON files. The model
//! layers are a fork of candle-transformers' Whisper; decision 024 says why.
//!
//! `vad/` (always available, plain Rust): [`SileroVad`] finds speech with Silero VAD: a
//! [`SpeechMap`] of speech probabilities per 32 ms, and speech segments by Silero's
//! post-processing. With a map, `CandleWhisper` skips stretches without speech before decoding.
//! [`VoiceActivity`] picks the detector; `voice_activity` (`candle` feature) is the energy detector
//! word timing falls back on.
//!
//! `hub/`: models are a local folder or a Hugging Face hub id. `hub_model` resolves an id from the
//! hub cache (`hub_cache`) and, with the `hub-download` feature and unless
//! [`HubSettings::offline`], downloads what is missing (`hub_download`).
//!
//! With the `hf-inference` feature, [`HuggingFaceInference`] sends the audio to the Hugging Face
//! Inference API instead, in chunks of at most 30 s. [`text_normalizer`] (always available)
//! normalises English text and computes word error rates.

mod error;
#[cfg(feature = "hf-inference")]
mod hf_inference;
mod hub;
pub mod text_normalizer;
mod transcript;
mod vad;
#[cfg(feature = "candle")]
mod whisper;

pub use hub::{hub_cache, hub_model};
pub use vad::{silero_vad, speech_map};
#[cfg(feature = "candle")]
pub use whisper::{decoder, encoder_op_times, logit_filters, long_form, mel, sampling, tokens, transcription_stats};

#[cfg(feature = "candle")]
pub use whisper::candle_whisper::{CandleWhisper, CandleWhisperSettings};
#[cfg(feature = "candle")]
pub use whisper::encoder_attention::EncoderAttention;
#[cfg(feature = "candle")]
pub use whisper::kv_decoder::WeightType;
#[cfg(feature = "candle")]
pub use whisper::transcription_stats::TranscriptionStats;
#[cfg(feature = "candle")]
pub use whisper::vocab_projection::ProjectionType;

#[cfg(feature = "hf-inference")]
pub use hf_inference::{HfInferenceConfig, HuggingFaceInference};

pub use error::TranscribeError;
pub use hub::hub_settings::{DEFAULT_ENDPOINT, HubSettings};
pub use text_normalizer::{normalize_english, wer};
pub use transcript::{DecodingOptions, Segment, Transcript, VoiceActivityUsed, Word};
pub use vad::silero_vad::{SileroStream, SileroVad};
pub use vad::speech_detection::{SpeechStream, VoiceActivity};
pub use vad::speech_map::{SpeechMap, SpeechOptions, SpeechSpan};

/// Sample rate every transcriber receives.
pub const SAMPLE_RATE: u32 = 16_000;

/// Turns speech into text with timestamps. Implementations block; the pipeline runs them on a
/// worker thread.
pub trait Transcriber: Send + Sync {
    /// A stable identifier of the model, written into `transcript.json` (`model_id`).
    fn model_id(&self) -> String;

    /// Transcribes 16 kHz mono samples in `[-1, 1]`.
    fn transcribe(&self, samples: &[f32], options: &DecodingOptions) -> Result<Transcript, TranscribeError>;

    /// Transcribes with the recording's [`SpeechMap`] (computed once by the pipeline), which an
    /// implementation may use to skip stretches without speech before decoding. The default
    /// ignores the map.
    fn transcribe_with_speech(
        &self,
        samples: &[f32],
        options: &DecodingOptions,
        speech: Option<&SpeechMap>,
    ) -> Result<Transcript, TranscribeError> {
        let _ = speech;
        self.transcribe(samples, options)
    }
}
