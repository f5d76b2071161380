//! Audio: a streaming analyzer that reduces samples to compact per-frame
//! features, and the detectors that read those features.

mod analyzer;
mod features;
pub(crate) mod level;
mod loudness;
mod pitch;
mod vad;

pub use analyzer::AudioAnalyzer;
pub use features::{AudioFeatures, ClippedFrame, SampleRun};
pub use level::{CLIP_LEVEL, DIGITAL_SILENCE_DBFS, SILENCE_DBFS};
pub use loudness::{LoudnessChannel, LoudnessMeter};
pub use pitch::PitchTracker;
pub use vad::{SpeechSegment, VadConfig, detect_speech, detect_speech_with};
