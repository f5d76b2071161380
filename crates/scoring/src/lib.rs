//! # session_scoring
//!
//! Turns a recorded session into quality and engagement scores. Pure
//! functions: samples, frames, packets and segments in, metrics out — no
//! I/O, no environment variables, no async runtime.
//!
//! The stages, in the order the pipeline calls them:
//!
//! 1. **Audio features** — [`AudioAnalyzer`] streams mono samples of any
//!    chunk size into compact [`AudioFeatures`]: the RMS level of every
//!    20 ms frame, a pitch estimate every 40 ms, EBU R128 loudness, peak,
//!    clipping and short runs of digital silence. Memory is O(frames).
//! 2. **Video features** — [`frame_stats`] reduces a sampled luma plane to
//!    [`FrameStats`] (exposure, contrast, sharpness, noise, thumbnail);
//!    [`compression_stats`] reads the same frame's luma at its coded size for
//!    [`CompressionStats`] (block edges on the 8-pixel grid, blur);
//!    [`PacketInfo`]s from the demuxer give frame timing without decoding.
//!    All go into [`VideoFeatures`].
//! 3. **Speech** — [`detect_speech`] finds [`SpeechSegment`]s with an
//!    energy VAD over the frame levels.
//! 4. **Reports** — [`score_quality`] (`quality.json`),
//!    [`score_engagement`] (`engagement.json`), [`score_conversation`]
//!    (several participants' speech on one timeline) and
//!    [`combine_scores`] (`combined-score.json`).
//!
//! Scores are 0–100, higher is better. An input that is missing is passed
//! as `Err(reason)` and comes out as `null` with that reason, never as 0.
//!
//! ```
//! use session_scoring::{AudioAnalyzer, VideoFeatures, score_engagement, score_quality};
//!
//! // One second of a 200 Hz tone, then one second of silence, at 16 kHz.
//! let samples: Vec<f32> = (0..32_000)
//!     .map(|i| if i < 16_000 { 0.3 * (2.0 * std::f32::consts::PI * 200.0 * i as f32 / 16_000.0).sin() } else { 0.0 })
//!     .collect();
//! let mut analyzer = AudioAnalyzer::new(16_000)?;
//! for chunk in samples.chunks(1_024) {
//!     analyzer.push(chunk);
//! }
//! let audio = analyzer.finish();
//!
//! let quality = score_quality(Ok(&audio), Err("recording has no video stream"));
//! assert!(quality.audio.score.is_some());
//! assert_eq!(quality.video.score, None);
//! assert_eq!(quality.video.reason.as_deref(), Some("recording has no video stream"));
//!
//! let engagement = score_engagement(Ok(&audio), Err("recording has no video stream"), Err("not transcribed"));
//! let speech_ratio = engagement.speech_ratio.unwrap();
//! assert!(speech_ratio > 0.45 && speech_ratio < 0.6);
//! # Ok::<(), session_scoring::ScoringError>(())
//! ```
//!
//! The fields, units and formulas of each report are documented in
//! `docs/outputs.md`.

mod audio;
mod combined;
mod conversation;
mod engagement;
mod error;
mod quality;
mod report;
mod scale;
mod session;
mod stats;
#[cfg(test)]
mod synthetic;
mod timeline;
mod video;
mod video_flags;

pub use audio::{
    AudioAnalyzer, AudioFeatures, CLIP_LEVEL, ClippedFrame, DIGITAL_SILENCE_DBFS, LoudnessChannel, LoudnessMeter,
    PitchTracker, SILENCE_DBFS, SampleRun, SpeechSegment, VadConfig, detect_speech, detect_speech_with,
};
pub use combined::{CombineWeights, CombinedScore, MissingPart, ScorePart, UsedPart, combine_scores};
pub use conversation::{ConversationReport, ParticipantSpeech, ParticipantTalk, ResponseLatency, score_conversation};
pub use engagement::{
    DetectedSpeech, ENERGY_VAD, EngagementComponents, EngagementReport, FILLER_MARKERS, FILLER_WORDS, FillerWords,
    MONOLOGUE_BRIDGE_S, Monologue, PRESENCE_METHOD, PauseStats, Presence, Prosody, SYLLABLES_PER_WORD, SpeechRate,
    SpeechRateMethod, TranscriptMetrics, TranscriptSegment, VoiceActivity, score_engagement,
    score_engagement_with_speech,
};
pub use error::ScoringError;
pub use quality::{
    AudioQuality, AudioQualityMetrics, AudioSubScores, CompressionMetrics, PictureMetrics, QualityReport,
    TimingMetrics, VideoQuality, VideoQualityMetrics, VideoSubScores, score_quality, score_quality_with_speech,
};
pub use report::SubScore;
pub use scale::round_to;
pub use session::{
    MeanScore, ParticipantEngagement, ParticipantQuality, SessionEngagement, SessionQuality, session_engagement,
    session_quality,
};
pub use timeline::{Issue, IssueSummary, Severity, clock};
pub use video::{
    BLOCK_SIZE, CompressionStats, FrameStats, FrameTiming, Freeze, FreezeDetector, FreezeKind, FrozenFrameDetector,
    MAX_MEASURED_FRAMES, PacketInfo, ThumbnailDifference, VideoFeatures, compression_stats, frame_stats, frame_times_s,
    luma_from_rgb, thumbnail_difference,
};
pub use video_flags::{VideoFlag, VideoFlagRange, video_flag_ranges};
