//! Video: statistics of sampled decoded frames, compression damage on their
//! luma at coded size, timing of compressed packets, and the detectors that
//! read them.

mod compression;
mod features;
mod frame;
mod frozen;
mod image;
mod packets;

pub use compression::{BLOCK_SIZE, CompressionStats, MAX_MEASURED_FRAMES, compression_stats};
pub use features::{PacketInfo, VideoFeatures};
pub use frame::{FrameStats, frame_stats, luma_from_rgb};
pub use frozen::{FrozenFrameDetector, ThumbnailDifference, thumbnail_difference};
pub use packets::{FrameTiming, Freeze, FreezeDetector, FreezeKind, frame_times_s};
