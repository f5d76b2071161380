//! # session_safety
//!
//! Safety events for Session Monitor sessions: one schema ([`SafetyEvent`])
//! for every category and source, its validation (events from a browser are
//! untrusted input), and the detectors that produce events.
//!
//! Every event lands in the session layout as `safety/<timestamp>.json`;
//! the fields are documented in `docs/outputs.md`.
//!
//! Detectors: [`nudity::NudityClassifier`] (feature `nudity-model`, on by default),
//! nsfwjs's MobileNetV2 run with Candle on the server.

mod error;
mod event;
#[cfg(feature = "nudity-model")]
pub mod nudity;

pub use error::SafetyError;
pub use event::{DetectorInfo, Evidence, Quote, SafetyCategory, SafetyDecision, SafetyEvent, SafetySource};
#[cfg(feature = "nudity-model")]
pub use nudity::{NudityClassifier, NudityScores, PixelFormat};
