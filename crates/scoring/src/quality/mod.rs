//! `quality.json`: how well the session was captured — audio and video
//! technical quality, each 0–100, and the issues found on the timeline.

mod audio;
mod video;
mod video_compression;

pub use audio::{AudioQuality, AudioQualityMetrics, AudioSubScores};
pub(crate) use video::picture_flags;
pub use video::{PictureMetrics, TimingMetrics, VideoQuality, VideoQualityMetrics, VideoSubScores};
pub use video_compression::CompressionMetrics;

use serde::{Deserialize, Serialize};

use crate::engagement::DetectedSpeech;
use crate::scale::blend;
use crate::timeline::{Issue, Severity};
use crate::{AudioFeatures, VideoFeatures};

/// The quality report. `score` blends `audio.score` and `video.score`
/// (60 % mean, 40 % the worse of the two), using whichever are present.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QualityReport {
    /// Overall quality 0–100; `null` when neither audio nor video could be scored.
    pub score: Option<f64>,
    /// Why `score` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Audio quality.
    pub audio: AudioQuality,
    /// Video quality.
    pub video: VideoQuality,
    /// Problems found, audio first, then video, each in time order.
    pub issues: Vec<Issue>,
}

/// Score the technical quality of a recording. `Err(reason)` marks an input
/// that is missing (e.g. "recording has no audio stream"); it is reported as
/// `null` with that reason and a critical issue, and the overall score is
/// computed from the other input.
pub fn score_quality(audio: Result<&AudioFeatures, &str>, video: Result<&VideoFeatures, &str>) -> QualityReport {
    score_quality_with_speech(audio, None, video)
}

/// [`score_quality`] with the speech segments of another detector (`None`: the energy VAD),
/// which tell the speech from the pauses the noise is measured in.
pub fn score_quality_with_speech(
    audio: Result<&AudioFeatures, &str>,
    speech: Option<DetectedSpeech<'_>>,
    video: Result<&VideoFeatures, &str>,
) -> QualityReport {
    let mut issues = Vec::new();
    let audio_quality = match audio {
        Ok(features) => audio::assess(features, speech, &mut issues),
        Err(reason) => {
            issues.push(Issue::new("audio_missing", Severity::Critical, 0.0, 0.0, format!("No audio: {reason}.")));
            AudioQuality::missing(reason)
        }
    };
    let video_quality = match video {
        Ok(features) => video::assess(features, &mut issues),
        Err(reason) => {
            issues.push(Issue::new("video_missing", Severity::Critical, 0.0, 0.0, format!("No video: {reason}.")));
            VideoQuality::missing(reason)
        }
    };
    let score = blend(&[(audio_quality.score, 1.0), (video_quality.score, 1.0)]);
    let reason = score.is_none().then(|| {
        format!(
            "neither audio nor video could be scored (audio: {}; video: {})",
            audio_quality.reason.as_deref().unwrap_or("no score"),
            video_quality.reason.as_deref().unwrap_or("no score")
        )
    });
    QualityReport { score, reason, audio: audio_quality, video: video_quality, issues }
}

#[cfg(test)]
mod tests;
