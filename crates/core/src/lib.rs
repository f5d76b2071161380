//! # session_processing
//!
//! Turns a recorded video session (a LiveKit Egress recording, local or in S3) into results a
//! product team can act on, written to `sessions/<sessionId>/` in a local folder or S3:
//!
//! 1. **decode** — GStreamer demuxes the recording: 16 kHz mono audio, packet timing, key frames
//!    ([`session_media`]).
//! 2. **transcribe** — a [`Transcriber`] (local Whisper, or a hosted API) turns speech into
//!    `transcript.json` / `transcript.txt`.
//! 3. **score** — pure functions rate technical quality (`quality.json`), engagement
//!    (`engagement.json`) and combine them (`combined-score.json`) ([`session_scoring`]).
//! 4. **analyse** — an [`Llm`] (Gemini by default, when `GEMINI_API_KEY` is set) adds reasoning
//!    scores with quotes checked against the transcript (`analysis.json`); without one the stage
//!    is skipped with the reason.
//! 5. **safety** — the post-session scan judges every safety category from the measurements,
//!    the transcript (word list, and the LLM when there is one) and writes `safety-scan.json`
//!    plus one `safety/post-session-….json` per flagged event; realtime events from clients are
//!    stored with [`SessionProcessor::record_safety_event`].
//! 6. **store** — every artifact goes through a [`Sink`] ([`LocalFolder`], [`S3Bucket`], any
//!    other object_store backend, or your own), written whole, with `manifest.json` written first
//!    as `running` and last as `complete` or `failed`.
//!
//! The boundary of each stage — the trait to implement to plug in your own — is in [`stages`];
//! `docs/architecture.md` draws the flow.
//!
//! ```no_run
//! use session_processing::{CancelFlag, OutputLocation, RecordingInput, SessionProcessor};
//!
//! # fn main() -> Result<(), session_processing::ProcessingError> {
//! let processor = SessionProcessor::builder()
//!     .output(OutputLocation::parse("./out")?)
//!     .on_progress(|p| eprintln!("{} {:.0}%", p.stage, p.fraction * 100.0))
//!     .build();
//! let result = processor.process_blocking("RM_abc123", RecordingInput::parse("recording.mp4")?, &CancelFlag::new())?;
//! println!("quality {:?}", result.quality.as_ref().and_then(|q| q.get("score")));
//! # Ok(()) }
//! ```

mod error;
pub mod host;
pub mod layout;
#[cfg(feature = "livekit")]
pub mod livekit;
mod pipeline;
mod processor_config;
mod progress;
mod report;
mod report_page;
mod safety;
mod safety_checker;
mod session_id;
pub mod stages;
mod storage;

pub use error::ProcessingError;
pub use pipeline::{MAX_OFFSET_S, SessionProcessor, SessionProcessorBuilder, Stages, runtime, validate_offset};
pub use processor_config::ProcessorConfig;
pub use progress::{Progress, ProgressFn};
pub use report::{
    AudioTracks, ErrorReport, LIBRARY_VERSION, Manifest, ParticipantInput, RunStatus, SCHEMA_VERSION, SessionResult,
    StageReport, StageStatus, Versions,
};
pub use report_page::{StoredSession, render_report, write_report};
pub use safety::{SafetySettings, StoredSafetyEvent};
pub use safety_checker::{FrameCheck, SafetyChecker, SafetyCheckerSettings};
pub use session_id::{MAX_SESSION_ID_LEN, SessionId};
pub use storage::{
    ArtifactRecord, DEFAULT_LEASE_TTL, LEASE_FILE, LeaseRecord, LocalFolder, ObjectStoreSink, OutputLocation,
    RecordingInput, S3Bucket, S3Settings, SessionStore, Sink, bucket_name,
};

pub use session_media::{
    CancelFlag, FrameSampling, Limits, MediaError, MediaInfo, StreamInfo, StreamKind, escape_controls,
};
pub use session_reasoning::{AnalysisLimits, Gemini, GeminiConfig, Llm};
pub use session_safety::{
    CategoryAssessment, NudityClassifier, PixelFormat, SafetyCategory, SafetyDecision, SafetyEvent, SafetySource,
};
pub use session_scoring::CombineWeights;
#[cfg(feature = "whisper")]
pub use session_transcribe::{CandleWhisper, CandleWhisperSettings};
pub use session_transcribe::{
    DecodingOptions, HubSettings, SileroVad, SpeechMap, SpeechOptions, TranscribeError, Transcriber, Transcript,
    VoiceActivity, VoiceActivityUsed,
};

/// The stage crates, for callers who need their full APIs.
pub use {session_media, session_reasoning, session_report, session_safety, session_scoring, session_transcribe};
