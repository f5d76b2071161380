//! On-camera presence from picture content (no face detection yet).

use serde::{Deserialize, Serialize};

use crate::VideoFeatures;
use crate::scale::round_to;
use crate::video::{FrozenFrameDetector, thumbnail_difference};

/// Name of the method, as written into the report.
pub const PRESENCE_METHOD: &str = "frame_content";
/// Noise-corrected Laplacian variance from which a frame shows texture, luma².
const MIN_TEXTURE_SHARPNESS: f32 = 5.0;
/// Mean thumbnail change from which a frame shows motion, luma levels.
const MIN_MOTION: f64 = 1.0;

/// On-camera presence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Presence {
    /// `frame_content`: a sampled frame counts as present when it is not
    /// black/covered, not a repeat of the previous frame, and shows texture
    /// (sharpness >= 5) or motion (mean thumbnail change >= 1 level). Faces are not detected.
    pub method: String,
    /// Fraction of sampled frames counted as present.
    pub ratio: f64,
    /// Sampled frames.
    pub frames_sampled: usize,
}

pub(crate) fn presence(video: &VideoFeatures) -> Option<Presence> {
    let frames = &video.frames;
    if frames.is_empty() {
        return None;
    }
    let present = present_frames(video).into_iter().filter(|p| *p).count();
    Some(Presence {
        method: PRESENCE_METHOD.to_owned(),
        ratio: round_to(present as f64 / frames.len() as f64, 4),
        frames_sampled: frames.len(),
    })
}

/// Per sampled frame, whether it counts as present (see [`Presence::method`]).
pub(crate) fn present_frames(video: &VideoFeatures) -> Vec<bool> {
    let frames = &video.frames;
    let frozen = FrozenFrameDetector::default().flags(video);
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let moved = i
                .checked_sub(1)
                .and_then(|p| thumbnail_difference(&frames[p], f))
                .is_some_and(|d| d.mean_abs >= MIN_MOTION);
            !f.is_covered() && !frozen[i] && (f.sharpness() >= MIN_TEXTURE_SHARPNESS || moved)
        })
        .collect()
}
