//! # session_safety
//!
//! Safety events for Session Monitor sessions: one schema ([`SafetyEvent`])
//! for every category and source, its validation (events from a browser are
//! untrusted input), and the detectors that produce events.
//!
//! Every event lands in the session layout as `safety/<timestamp>.json`;
//! the fields are documented in `docs/outputs.md`.
//!
//! Detectors: nudity through the [`NudityDetector`] boundary, built in
//! `nudity::NudityClassifier` (feature `nudity-model`, on by default), nsfwjs's MobileNetV2 run
//! with Candle on the server; the word list ([`Lexicon`]); the suspicious-behaviour and AI-bot
//! signals; the second voice.
//!
//! Realtime checks: [`SafetyChecker`] scores the frames of one live
//! video track as they arrive — nudity with the model, a covered or frozen picture from the
//! frames themselves — and returns the events they flag at once. It needs no async runtime and
//! no storage; `session_processing` re-exports it and stores the events.

mod assessment;
mod error;
mod event;
mod lexicon;
pub mod nudity;
mod safety_checker;
mod second_voice;
mod signals;
mod transcript_scan;

pub use assessment::CategoryAssessment;
pub use error::SafetyError;
pub use event::{DetectorInfo, Evidence, Quote, SafetyCategory, SafetyDecision, SafetyEvent, SafetySource};
pub use lexicon::{Lexicon, LexiconMatch, TextSpan};
#[cfg(feature = "nudity-model")]
pub use nudity::NudityClassifier;
pub use nudity::{NudityDetector, NudityScores, PixelFormat};
pub use safety_checker::{FrameCheck, SafetyChecker, SafetyCheckerSettings};
pub use second_voice::{SecondVoice, second_voice};
pub use signals::{SignalThresholds, ai_bot, signal_detector, stretch_score, suspicious_behavior};
pub use transcript_scan::{DEFAULT_TEXT_THRESHOLD, LEXICON_DETECTOR_ID, LEXICON_VERSION, lexicon_assessments};
