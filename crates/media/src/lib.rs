//! GStreamer media stage of Session Monitor.
//!
//! Everything the analysis needs from a recording, at a fraction of a full decode's cost:
//! - [`probe`]: container, duration and every stream, without decoding.
//! - [`decode_audio`]: 16 kHz mono `f32` chunks, streamed with bounded memory ([`WavWriter`] stores them);
//!   [`decode_audio_with_original`] also hands over, from the same decode, the original channels at
//!   their own rate (what a BS.1770 loudness meter needs).
//! - [`read_video_packets`]: compressed video packet timestamps, sizes and key-frame flags, straight
//!   from the demuxer (frame-rate stability, freezes, bitrate).
//! - [`sample_frames`]: small grey frames for image statistics — key frames only by default, through
//!   a key-unit trick-mode seek; the grey format also hands over each frame as decoded
//!   ([`CodedFrame`], I420 at its coded size: compression measures, and an image model that sees
//!   the whole picture), and [`FrameSampling::for_clip`] decodes a short clip whole so that it is
//!   judged from enough frames.
//!
//! Every pipeline runs under a watchdog and honours a [`CancelFlag`]; failures are a typed
//! [`MediaError`] that names the file and what to do. [`Limits`] also bounds what a hostile file can
//! cost: its duration, the audio decoded past its declared duration, its frame size (checked from
//! caps and frame headers before any decoder allocates) and its number of streams — a broken one is
//! [`MediaError::LimitExceeded`] naming the [`MediaLimit`]. [`AudioSummary::damage`] reports
//! missing stretches, skipped decoding errors and a file cut short (a fragmented MP4 cut after
//! whole fragments is read up to the cut).

mod audio;
mod cancel;
mod channels;
mod cut_files;
mod damage;
mod decoder;
mod error;
mod frames;
mod guard;
mod init;
mod input;
mod mp4_boxes;
mod packets;
mod plugins;
mod probe;
mod runner;
mod scan;
mod wav;

pub use audio::{AudioSummary, decode_audio, decode_audio_with_original};
pub use cancel::CancelFlag;
pub use channels::{ChannelLayout, ChannelPosition};
pub use damage::{CutEnd, DamageReport, MIN_MISSING_END_S, MIN_MISSING_S, MissingStretch};
pub use decoder::{GStreamer, MediaDecoder};
pub use error::{MediaError, MediaLimit, escape_controls, escaped_path};
pub use frames::{
    CodedFrame, FULL_DECODE_MAX_S, Frame, FrameFormat, FrameSampling, FrameSummary, MIN_SAMPLED_FRAMES, Rows,
    SHORT_CLIP_MAX_FPS, sample_frames, sample_frames_as,
};
pub use init::{gstreamer_version, init};
pub use input::check_input;
pub use packets::{VideoPacket, read_video_packets};
pub use probe::{MediaInfo, StreamInfo, StreamKind, probe};
pub use runner::Limits;
pub use wav::WavWriter;

/// Sample rate of the decoded audio handed to analysis and transcription.
pub const AUDIO_SAMPLE_RATE: u32 = 16_000;

/// Widest frame handed to image analysis; frames are scaled down to this, never up.
pub const MAX_FRAME_WIDTH: u32 = 320;
