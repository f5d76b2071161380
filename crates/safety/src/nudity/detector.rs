//! [`NudityDetector`]: the boundary of nudity detection, one frame in, class probabilities out.

use super::{NudityScores, PixelFormat};
use crate::{DetectorInfo, SafetyError};

/// Scores frames for nudity. [`NudityClassifier`](super::NudityClassifier) (nsfwjs's
/// MobileNetV2 on Candle, feature `nudity-model`) is the built-in one; implement this to judge
/// frames with another model or a moderation service, and give it to `SafetySettings` (the
/// post-session scan) or [`SafetyChecker::with_nudity_detector`](crate::SafetyChecker::with_nudity_detector)
/// (realtime frames).
///
/// Called from several threads at once (`&self`); a frame the detector cannot judge is an
/// error, never a made-up score.
pub trait NudityDetector: Send + Sync {
    /// Who judged: written into the events the scores flag.
    fn detector_info(&self) -> DetectorInfo;

    /// Scores one frame, its rows tightly packed in `format`, `width`×`height` pixels.
    fn score_frame(
        &self,
        pixels: &[u8],
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<NudityScores, SafetyError>;
}
