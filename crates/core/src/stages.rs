//! The stages of a run in order, and the boundary you can plug your own code into at each:
//!
//! | stage | boundary | built in |
//! |---|---|---|
//! | decode (probe, audio ∥ video) | [`MediaDecoder`] | [`GStreamer`] |
//! | voice activity | [`VoiceActivity`] | [`SileroVad`] |
//! | transcribe | [`Transcriber`] | [`CandleWhisper`](crate::CandleWhisper) (feature `whisper`), Hugging Face Inference (`session_transcribe`, feature `hf-inference`) |
//! | score | pure functions of the measurements | `session_scoring` |
//! | analyse, classify the transcript | [`Llm`] | [`Gemini`](crate::Gemini) |
//! | safety scan: nudity on sampled frames | [`NudityDetector`] | [`NudityClassifier`](crate::NudityClassifier) (nsfwjs) |
//! | safety scan: transcript, signals, second voice | word list and thresholds in [`SafetySettings`](crate::SafetySettings); the transcript classifier is the [`Llm`] | `session_safety` |
//! | store | [`Sink`] | [`LocalFolder`], [`S3Bucket`], [`ObjectStoreSink`] |
//!
//! Each boundary is given to [`SessionProcessorBuilder`](crate::SessionProcessorBuilder); a stage
//! without what it needs is skipped with the reason, never faked.
//!
//! ```
//! use std::sync::Arc;
//! use session_processing::stages::{Sink, Transcriber};
//! use session_processing::session_transcribe::{DecodingOptions, TranscribeError, Transcript};
//! use session_processing::{LocalFolder, ProcessingError, SessionId, SessionProcessor, SessionStore};
//!
//! /// A transcriber behind your own speech service.
//! struct MyService;
//!
//! impl Transcriber for MyService {
//!     fn model_id(&self) -> String {
//!         "my-service/v2".into()
//!     }
//!     fn transcribe(&self, samples: &[f32], _: &DecodingOptions) -> Result<Transcript, TranscribeError> {
//!         Err(TranscribeError::InvalidAudio(format!("{} samples: call your service here", samples.len())))
//!     }
//! }
//!
//! /// Sessions in a folder per tenant.
//! #[derive(Debug)]
//! struct PerTenant(LocalFolder);
//!
//! impl Sink for PerTenant {
//!     fn open(&self, session_id: &SessionId) -> Result<SessionStore, ProcessingError> {
//!         self.0.open(session_id)
//!     }
//! }
//!
//! let processor = SessionProcessor::builder()
//!     .transcriber(Arc::new(MyService))
//!     .sink(Arc::new(PerTenant(LocalFolder::new("out/tenant-a"))))
//!     .build();
//! # let _ = processor;
//! ```

pub use session_media::{GStreamer, MediaDecoder};
pub use session_reasoning::Llm;
pub use session_safety::NudityDetector;
pub use session_transcribe::{SileroVad, SpeechMap, SpeechStream, Transcriber, VoiceActivity};

pub use crate::storage::{LocalFolder, ObjectStoreSink, S3Bucket, SessionStore, Sink};
