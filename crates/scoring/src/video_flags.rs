//! Video conditions as time ranges for the report's timeline: the same per-frame tests the
//! quality issues and presence use, each sampled frame standing for the time until the next.

use serde::{Deserialize, Serialize};

use crate::VideoFeatures;
use crate::engagement::present_frames;
use crate::quality::picture_flags;
use crate::scale::round_to;
use crate::stats::median;
use crate::video::FrozenFrameDetector;

/// A condition of the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VideoFlag {
    /// Too dark to see (mean luma < 50), not covered.
    Dark,
    /// Black or covered.
    Covered,
    /// The same picture as the sampled frame before.
    Frozen,
    /// Out of focus (sharpness sub-score < 30), not covered.
    Blurred,
    /// Neither covered nor frozen, but no texture or motion: nobody seems to be on camera
    /// (picture content only; faces are not detected).
    Nobody,
}

/// A stretch of the recording with one flag, seconds from its start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VideoFlagRange {
    pub flag: VideoFlag,
    pub start_s: f64,
    pub end_s: f64,
}

/// The flagged stretches of a recording's sampled frames, in time order per flag.
pub fn video_flag_ranges(video: &VideoFeatures) -> Vec<VideoFlagRange> {
    let frames = &video.frames;
    if frames.is_empty() {
        return Vec::new();
    }
    let frozen = FrozenFrameDetector::default().flags(video);
    let flags = picture_flags(frames, &frozen);
    let present = present_frames(video);
    let nobody: Vec<bool> =
        (0..frames.len()).map(|i| !present[i] && !flags.covered[i] && !flags.frozen_span[i]).collect();
    let times: Vec<f64> = frames.iter().map(|f| f.time_s).collect();
    let intervals: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let step = median(&intervals).unwrap_or(1.0).max(0.04);
    let last = times[times.len() - 1];
    let end_of_last = if video.duration_s > last { video.duration_s.min(last + step * 2.0) } else { last + step };
    let frame_end = |i: usize| times.get(i + 1).copied().unwrap_or(end_of_last);
    let mut ranges = Vec::new();
    for (flag, marks) in [
        (VideoFlag::Covered, &flags.covered),
        (VideoFlag::Frozen, &flags.frozen_span),
        (VideoFlag::Dark, &flags.dark),
        (VideoFlag::Blurred, &flags.blurry),
        (VideoFlag::Nobody, &nobody),
    ] {
        let mut open: Option<usize> = None;
        for i in 0..=marks.len() {
            match (marks.get(i).copied().unwrap_or(false), open) {
                (true, None) => open = Some(i),
                (false, Some(start)) => {
                    ranges.push(VideoFlagRange {
                        flag,
                        start_s: round_to(times[start], 2),
                        end_s: round_to(frame_end(i - 1), 2),
                    });
                    open = None;
                }
                _ => {}
            }
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{VideoFeatures, frame_stats};

    fn video(frames: Vec<Vec<u8>>) -> VideoFeatures {
        let (w, h) = (64u32, 48u32);
        let frames =
            frames.iter().enumerate().map(|(i, luma)| frame_stats(luma, w, h, w as usize, i as f64 * 2.0)).collect();
        VideoFeatures {
            width: w,
            height: h,
            declared_fps: Some(15.0),
            duration_s: 10.0,
            packets: Vec::new(),
            frames,
            compression: Vec::new(),
        }
    }

    fn textured(seed: u8) -> Vec<u8> {
        (0..64 * 48).map(|i| ((i * 37 + usize::from(seed) * 11) % 251) as u8 / 2 + 60).collect()
    }

    #[test]
    fn a_black_stretch_becomes_one_covered_range_up_to_the_next_frame() {
        let black = vec![0u8; 64 * 48];
        let flags = video_flag_ranges(&video(vec![textured(1), black.clone(), black, textured(2), textured(3)]));
        let covered: Vec<_> = flags.iter().filter(|r| r.flag == VideoFlag::Covered).collect();
        assert_eq!(covered.len(), 1, "{flags:?}");
        assert_eq!((covered[0].start_s, covered[0].end_s), (2.0, 6.0));
    }

    #[test]
    fn no_frames_no_ranges() {
        assert!(video_flag_ranges(&video(Vec::new())).is_empty());
    }
}
