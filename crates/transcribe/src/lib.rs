//! Speech-to-text for Session Monitor.
//!
//! The pipeline hands a [`Transcriber`] 16 kHz mono `f32` samples and gets a [`Transcript`] back.
//! Implementations (local Candle Whisper, the Hugging Face Inference API) live one per module.

mod error;
mod transcript;

pub use error::TranscribeError;
pub use transcript::{DecodingOptions, Segment, Transcript, Word};

/// Sample rate every transcriber receives.
pub const SAMPLE_RATE: u32 = 16_000;

/// Turns speech into text with timestamps. Implementations block; the pipeline runs them on a
/// worker thread.
pub trait Transcriber: Send + Sync {
    /// A stable identifier of the model, written into `transcript.json` (`model_id`).
    fn model_id(&self) -> String;

    /// Transcribes 16 kHz mono samples in `[-1, 1]`.
    fn transcribe(&self, samples: &[f32], options: &DecodingOptions) -> Result<Transcript, TranscribeError>;
}
