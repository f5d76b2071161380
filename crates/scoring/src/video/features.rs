//! The video inputs: per-packet facts from the demuxer, per-frame
//! statistics from sampled decoded frames, and their compression measures.

use serde::{Deserialize, Serialize};

use super::compression::CompressionStats;
use super::frame::FrameStats;

/// One compressed video packet as the demuxer saw it (no decoding).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PacketInfo {
    /// Presentation time, seconds.
    pub pts_s: Option<f64>,
    /// Decoding time, seconds.
    pub dts_s: Option<f64>,
    /// Duration, seconds.
    pub duration_s: Option<f64>,
    /// Compressed size, bytes.
    pub size_bytes: u32,
    /// Whether the packet is a key frame.
    pub keyframe: bool,
}

/// Everything the scorers need to know about one video stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VideoFeatures {
    /// Coded width, pixels.
    pub width: u32,
    /// Coded height, pixels.
    pub height: u32,
    /// Frame rate declared by the container, frames per second.
    pub declared_fps: Option<f64>,
    /// Stream duration, seconds.
    pub duration_s: f64,
    /// Every packet of the stream, in demuxing order.
    pub packets: Vec<PacketInfo>,
    /// Sampled decoded frames, in time order.
    pub frames: Vec<FrameStats>,
    /// Compression measures of the sampled frames' luma at its coded size, in time order; empty
    /// when the decoder gave no luma at that size.
    #[serde(default)]
    pub compression: Vec<CompressionStats>,
}
