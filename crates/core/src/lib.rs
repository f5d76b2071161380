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
//! println!("quality {:?}", result.quality.as_ref().and_then(|q| q.score()));
//! # Ok(()) }
//! ```
//!
//! This crate holds the pipeline, storage and reports, and re-exports what a caller needs from
//! the crates below it, so that one dependency is enough: [`session_layout`] (session ids,
//! recording inputs, the folder layout), `livekit` (the `session_livekit` crate: webhooks,
//! tokens, egress requests; feature `livekit`), [`session_safety`] (events, detectors and the
//! realtime [`SafetyChecker`]) and the stage crates.

mod error;
pub mod host;
mod pipeline;
mod processor_config;
mod progress;
mod report;
mod report_page;
mod safety;
pub mod stages;
mod storage;

/// The segment rule session ids follow, for participant ids (`crate::session_id::validate_segment`).
mod session_id {
    pub(crate) use session_layout::validate_segment;
}

// Running a session: the processor, its configuration, progress, cancellation and errors.
pub use error::ProcessingError;
pub use pipeline::{MAX_OFFSET_S, SessionProcessor, SessionProcessorBuilder, Stages, runtime, validate_offset};
pub use processor_config::ProcessorConfig;
pub use progress::{Progress, ProgressFn};
pub use session_media::{CancelFlag, Limits, MediaError};

// Inputs and outputs: session ids, recordings (local or S3), participants, where artifacts go
// and the session folder's layout.
pub use report::{ManifestParticipant, ParticipantInput};
pub use session_layout::{LayoutError, MAX_SESSION_ID_LEN, RecordingInput, SessionId, bucket_name, layout};
pub use session_media::{FrameSampling, MediaInfo, StreamInfo, StreamKind, escape_controls};
pub use storage::{
    ArtifactRecord, DEFAULT_LEASE_TTL, LEASE_FILE, LeaseRecord, LocalFolder, ObjectStoreSink, OutputLocation, S3Bucket,
    S3Settings, SessionStore, Sink,
};

// Results and reports: what a run returns, its manifest, and the HTML page.
pub use pipeline::{SessionTimeline, TimelineEvent, TimelineFlag, TimelineIssue, TrackTimeline};
pub use report::{
    AudioTracks, Engagement, ErrorReport, LIBRARY_VERSION, Manifest, Quality, RunStatus, SCHEMA_VERSION, SafetyScan,
    SessionResult, StageReport, StageStatus, Stored, Versions,
};
pub use report_page::{StoredSession, render_report, write_report};

// Stages you can plug in (each boundary in `stages`): transcribers and their options, voice
// activity, the LLM, score weights; where artifacts go is a `Sink`, above.
pub use session_reasoning::{AnalysisLimits, Gemini, GeminiConfig, Llm};
pub use session_scoring::CombineWeights;
#[cfg(feature = "whisper")]
pub use session_transcribe::{CandleWhisper, CandleWhisperSettings};
pub use session_transcribe::{
    DecodingOptions, HubSettings, SileroVad, SpeechMap, SpeechOptions, TranscribeError, Transcriber, Transcript,
    VoiceActivity, VoiceActivityUsed,
};

// Safety: the post-session scan's settings, stored events, and the realtime frame checker.
pub use safety::{SafetySettings, StoredSafetyEvent};
pub use session_safety::{
    CategoryAssessment, FrameCheck, NudityClassifier, NudityDetector, NudityScores, PixelFormat, SafetyCategory,
    SafetyChecker, SafetyCheckerSettings, SafetyDecision, SafetyEvent, SafetySource,
};

// LiveKit (feature `livekit`, on by default): webhooks, access tokens, egress requests.
#[cfg(feature = "livekit")]
pub use session_livekit as livekit;

/// The stage crates, for callers who need their full APIs.
pub use {
    session_layout, session_media, session_reasoning, session_report, session_safety, session_scoring,
    session_transcribe,
};
