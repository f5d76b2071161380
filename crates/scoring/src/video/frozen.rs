//! Content-based frozen-frame detection: a sampled frame whose thumbnail is
//! nearly identical to the previous one repeats it. Composite recordings,
//! re-encoded at a constant rate, show a freeze this way rather than as a
//! gap in timestamps. Where packets are known, the non-key packets between
//! the two frames must also be tiny (the encoder coded "nothing changed"),
//! which keeps a still but live camera, whose sensor noise costs bits, from
//! being called frozen.

use super::features::VideoFeatures;
use super::frame::FrameStats;
use crate::stats::median;

/// Difference between two thumbnails, luma levels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThumbnailDifference {
    /// Mean absolute difference.
    pub mean_abs: f64,
    /// Largest absolute difference.
    pub max_abs: u8,
}

/// Difference between the thumbnails of two frames; `None` when their sizes differ.
pub fn thumbnail_difference(a: &FrameStats, b: &FrameStats) -> Option<ThumbnailDifference> {
    if a.thumbnail.len() != b.thumbnail.len() || a.thumbnail.is_empty() {
        return None;
    }
    let mut sum = 0u64;
    let mut max_abs = 0u8;
    for (&x, &y) in a.thumbnail.iter().zip(&b.thumbnail) {
        let d = x.abs_diff(y);
        sum += u64::from(d);
        max_abs = max_abs.max(d);
    }
    Some(ThumbnailDifference { mean_abs: sum as f64 / a.thumbnail.len() as f64, max_abs })
}

/// Finds sampled frames that repeat their predecessor.
#[derive(Clone, Debug, PartialEq)]
pub struct FrozenFrameDetector {
    /// Thumbnails at most this different on average are identical, luma levels.
    pub max_mean_abs_diff: f64,
    /// …and no cell may differ by more than this, luma levels.
    pub max_cell_diff: u8,
    /// A non-key packet is tiny at or below `max(tiny_packet_min_bytes, width × height × tiny_packet_bytes_per_pixel)`.
    pub tiny_packet_min_bytes: u32,
    /// See `tiny_packet_min_bytes`.
    pub tiny_packet_bytes_per_pixel: f64,
}

impl Default for FrozenFrameDetector {
    fn default() -> Self {
        Self {
            max_mean_abs_diff: 0.5,
            max_cell_diff: 3,
            tiny_packet_min_bytes: 200,
            tiny_packet_bytes_per_pixel: 1.0 / 2000.0,
        }
    }
}

impl FrozenFrameDetector {
    /// One flag per sampled frame: `true` when it repeats the previous one
    /// (the first frame is never frozen).
    pub fn flags(&self, video: &VideoFeatures) -> Vec<bool> {
        let tiny_bytes = self.tiny_packet_bytes(video);
        let mut flags = vec![false; video.frames.len()];
        for (i, pair) in video.frames.windows(2).enumerate() {
            flags[i + 1] = self.looks_identical(&pair[0], &pair[1])
                && packets_between_are_tiny(video, pair[0].time_s, pair[1].time_s, tiny_bytes);
        }
        flags
    }

    /// Whether two frames' thumbnails are the same picture (no packet check).
    pub fn looks_identical(&self, a: &FrameStats, b: &FrameStats) -> bool {
        thumbnail_difference(a, b)
            .is_some_and(|d| d.mean_abs <= self.max_mean_abs_diff && d.max_abs <= self.max_cell_diff)
    }

    fn tiny_packet_bytes(&self, video: &VideoFeatures) -> f64 {
        let pixels = f64::from(video.width) * f64::from(video.height);
        (pixels * self.tiny_packet_bytes_per_pixel).max(f64::from(self.tiny_packet_min_bytes))
    }
}

/// True when the median size of the non-key packets with a time in
/// `(from_s, to_s]` is at most `tiny_bytes`, or when there are none to judge by.
fn packets_between_are_tiny(video: &VideoFeatures, from_s: f64, to_s: f64, tiny_bytes: f64) -> bool {
    let sizes: Vec<f64> = video
        .packets
        .iter()
        .filter(|p| !p.keyframe)
        .filter(|p| p.pts_s.or(p.dts_s).is_some_and(|t| t > from_s && t <= to_s))
        .map(|p| f64::from(p.size_bytes))
        .collect();
    median(&sizes).is_none_or(|m| m <= tiny_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::features::PacketInfo;

    fn frame(time_s: f64, value: u8) -> FrameStats {
        crate::frame_stats(&[value; 64 * 36], 64, 36, 64, time_s)
    }

    fn packets(from_s: f64, to_s: f64, size_bytes: u32) -> Vec<PacketInfo> {
        let n = ((to_s - from_s) * 30.0).round() as usize;
        (0..n)
            .map(|i| PacketInfo {
                pts_s: Some(from_s + i as f64 / 30.0),
                dts_s: None,
                duration_s: None,
                size_bytes,
                keyframe: i == 0,
            })
            .collect()
    }

    #[test]
    fn repeated_frames_with_tiny_packets_are_frozen() {
        let mut video = VideoFeatures {
            width: 1280,
            height: 720,
            frames: (0..4).map(|i| frame(f64::from(i), 100)).collect(),
            packets: packets(0.0, 4.0, 60),
            ..VideoFeatures::default()
        };
        assert_eq!(FrozenFrameDetector::default().flags(&video), vec![false, true, true, true]);

        // Same pictures, but the encoder spent bits: a live, still camera.
        video.packets = packets(0.0, 4.0, 8000);
        assert_eq!(FrozenFrameDetector::default().flags(&video), vec![false; 4]);

        // Without packets, the pictures decide.
        video.packets.clear();
        assert_eq!(FrozenFrameDetector::default().flags(&video), vec![false, true, true, true]);
    }

    #[test]
    fn changing_frames_are_not_frozen() {
        let video = VideoFeatures {
            frames: (0..4).map(|i| frame(f64::from(i), 50 + 20 * i as u8)).collect(),
            ..VideoFeatures::default()
        };
        assert_eq!(FrozenFrameDetector::default().flags(&video), vec![false; 4]);
        let d = thumbnail_difference(&video.frames[0], &video.frames[1]).unwrap();
        assert_eq!(d.max_abs, 20);
        assert!((d.mean_abs - 20.0).abs() < 1e-9);
    }
}
