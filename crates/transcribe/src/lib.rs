//! Speech-to-text for Session Monitor.
//!
//! The pipeline hands a [`Transcriber`] 16 kHz mono `f32` samples and gets a [`Transcript`] back.
//! Implementations (local Candle Whisper, the Hugging Face Inference API) live one per module.
//!
//! With the `candle` feature, [`CandleWhisper`] runs Whisper locally. Its stages, one module each:
//! 1. `mel`: log-mel spectrogram (filterbank computed in code).
//! 2. `audio_encoder`: the audio encoder per 30-second window (`attention`, `cpu_ops`).
//! 3. `kv_decoder`: the text decoder with a key/value cache, logits for the last token only;
//!    after the prompt, `token_step` runs each step in plain loops over 8-bit weights
//!    (`int8_matvec`).
//! 4. `decoder`: one window at one temperature, with `logit_filters` (timestamp rules,
//!    suppression) and `sampling`.
//! 5. `long_form`: the window loop of openai-whisper's `transcribe()`: temperature fallback,
//!    no-speech skipping, segments and seeking from timestamp tokens.
//! 6. Word timestamps (`DecodingOptions::word_timestamps`): `window_words` re-runs the decoder
//!    over a window's final tokens, `word_alignment` aligns them to the audio from the alignment
//!    heads' cross-attention (median filter + DTW), `word_timing` groups them into words, and
//!    `hallucination_guard` drops invented segments in silence and anything past the audio's end.
//!
//! [`TranscriptionStats`] (from [`CandleWhisper::transcribe_profiled`], and logged at debug level
//! by every transcription) says where the time went: mel, encoder, decoder per token, alignment,
//! windows, decoding passes and temperature fallbacks.
//!
//! Models are a local folder or a Hugging Face hub id: `hub_model` resolves an id from the hub
//! cache and, with the `hub-download` feature and unless [`HubSettings::offline`], downloads
//! what is missing (`hub_download`).
//!
//! With the `hf-inference` feature, [`HuggingFaceInference`] sends the audio to the Hugging Face
//! Inference API instead, in chunks of at most 30 s.
//!
//! [`SileroVad`] (always available, plain Rust) finds speech with Silero VAD: a [`SpeechMap`] of
//! speech probabilities per 32 ms, and speech segments by Silero's post-processing. With a map,
//! `CandleWhisper` skips stretches without speech before decoding.
//!
//! [`text_normalizer`] (always available) normalises English text and computes word error rates.

mod error;
#[cfg(feature = "hf-inference")]
mod hf_inference;
pub mod hub_cache;
#[cfg(feature = "hub-download")]
mod hub_download;
pub mod hub_model;
mod hub_settings;
pub mod silero_vad;
pub mod speech_map;
pub mod text_normalizer;
mod transcript;

#[cfg(feature = "candle")]
mod attention;
#[cfg(feature = "candle")]
mod audio_encoder;
#[cfg(feature = "candle")]
mod candle_whisper;
#[cfg(feature = "candle")]
mod cpu_ops;
#[cfg(feature = "candle")]
pub mod decoder;
#[cfg(feature = "candle")]
mod hallucination_guard;
#[cfg(feature = "candle")]
mod int8_matvec;
#[cfg(feature = "candle")]
mod kv_decoder;

#[cfg(feature = "candle")]
pub mod logit_filters;
#[cfg(feature = "candle")]
pub mod long_form;
#[cfg(feature = "candle")]
pub mod mel;
#[cfg(feature = "candle")]
mod model_folder;
#[cfg(feature = "candle")]
pub mod sampling;
mod speech_detection;
#[cfg(feature = "candle")]
mod token_step;
#[cfg(feature = "candle")]
pub mod tokens;
#[cfg(feature = "candle")]
pub mod transcription_stats;
#[cfg(feature = "candle")]
mod vocab_projection;
#[cfg(feature = "candle")]
mod voice_activity;
#[cfg(feature = "candle")]
mod window_words;
#[cfg(feature = "candle")]
mod word_alignment;
#[cfg(feature = "candle")]
mod word_timing;

#[cfg(feature = "candle")]
pub use candle_whisper::{CandleWhisper, CandleWhisperSettings};
#[cfg(feature = "candle")]
pub use kv_decoder::WeightType;
#[cfg(feature = "candle")]
pub use transcription_stats::TranscriptionStats;
#[cfg(feature = "candle")]
pub use vocab_projection::ProjectionType;

#[cfg(feature = "hf-inference")]
pub use hf_inference::{HfInferenceConfig, HuggingFaceInference};

pub use error::TranscribeError;
pub use hub_settings::{DEFAULT_ENDPOINT, HubSettings};
pub use silero_vad::{SileroStream, SileroVad};
pub use speech_detection::{SpeechStream, VoiceActivity};
pub use speech_map::{SpeechMap, SpeechOptions, SpeechSpan};
pub use text_normalizer::{normalize_english, wer};
pub use transcript::{DecodingOptions, Segment, Transcript, VoiceActivityUsed, Word};

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
