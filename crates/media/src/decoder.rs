//! The decoding stage's boundary: everything the pipeline reads from a recording, as one trait,
//! so a caller can decode with something other than GStreamer. [`GStreamer`] is the built-in
//! implementation (the free functions of this crate).

use std::fmt::Debug;
use std::path::Path;

use crate::{
    AudioSummary, CancelFlag, ChannelLayout, Frame, FrameFormat, FrameSampling, FrameSummary, Limits, MediaError,
    MediaInfo, VideoPacket,
};

/// What the pipeline reads from a recording: its streams, its audio (as 16 kHz mono `f32`, and
/// as the file carries it for the loudness meter), its video packets' timing and sampled frames.
/// Each call must honour `limits` and `cancel` and return a typed [`MediaError`] for bad input,
/// never panic.
pub trait MediaDecoder: Debug + Send + Sync {
    /// Names the decoder in logs and errors (`gstreamer`).
    fn name(&self) -> &str;

    /// The container, duration and streams.
    fn probe(&self, path: &Path, limits: &Limits) -> Result<MediaInfo, MediaError>;

    /// The first audio stream as 16 kHz mono chunks to `on_chunk`, and the same audio in its own
    /// channels and rate to `on_original` ([`crate::decode_audio_with_original`]).
    fn decode_audio(
        &self,
        path: &Path,
        limits: &Limits,
        cancel: &CancelFlag,
        on_chunk: &mut dyn FnMut(&[f32]),
        on_original: &mut dyn FnMut(&ChannelLayout, &[f32]),
    ) -> Result<AudioSummary, MediaError>;

    /// The timing and size of the first video stream's packets.
    fn read_video_packets(
        &self,
        path: &Path,
        limits: &Limits,
        cancel: &CancelFlag,
    ) -> Result<Vec<VideoPacket>, MediaError>;

    /// Sampled frames of the first video stream, scaled for analysis from `size`
    /// ([`crate::sample_frames_as`]).
    #[allow(clippy::too_many_arguments)]
    fn sample_frames(
        &self,
        path: &Path,
        size: (u32, u32),
        sampling: FrameSampling,
        format: FrameFormat,
        limits: &Limits,
        cancel: &CancelFlag,
        on_frame: &mut dyn FnMut(Frame<'_>),
    ) -> Result<FrameSummary, MediaError>;
}

/// Decoding with GStreamer 1.22 (Debian's plugins): the built-in [`MediaDecoder`].
#[derive(Clone, Copy, Debug, Default)]
pub struct GStreamer;

impl MediaDecoder for GStreamer {
    fn name(&self) -> &str {
        "gstreamer"
    }

    fn probe(&self, path: &Path, limits: &Limits) -> Result<MediaInfo, MediaError> {
        crate::probe(path, limits)
    }

    fn decode_audio(
        &self,
        path: &Path,
        limits: &Limits,
        cancel: &CancelFlag,
        on_chunk: &mut dyn FnMut(&[f32]),
        on_original: &mut dyn FnMut(&ChannelLayout, &[f32]),
    ) -> Result<AudioSummary, MediaError> {
        crate::decode_audio_with_original(path, limits, cancel, on_chunk, on_original)
    }

    fn read_video_packets(
        &self,
        path: &Path,
        limits: &Limits,
        cancel: &CancelFlag,
    ) -> Result<Vec<VideoPacket>, MediaError> {
        crate::read_video_packets(path, limits, cancel)
    }

    fn sample_frames(
        &self,
        path: &Path,
        size: (u32, u32),
        sampling: FrameSampling,
        format: FrameFormat,
        limits: &Limits,
        cancel: &CancelFlag,
        on_frame: &mut dyn FnMut(Frame<'_>),
    ) -> Result<FrameSummary, MediaError> {
        crate::sample_frames_as(path, size, sampling, format, limits, cancel, on_frame)
    }
}
