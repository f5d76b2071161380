//! Small grey frames for image statistics. Key frames only by default: a key-unit trick-mode seek
//! makes the decoder skip every predicted frame, a small fraction of a full decode's cost. An image
//! model gets RGB rows of the same decoded frames beside the same luma plane.

use std::path::Path;
use std::time::Instant;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app::AppSink;
use serde::{Deserialize, Serialize};

use crate::damage::count_key_frames;
use crate::guard::guard_video_pad;
use crate::runner::{PipelineRun, StreamLinks, filesrc, link, link_decoded, route_pads, sink_pad};
use crate::{CancelFlag, Limits, MAX_FRAME_WIDTH, MediaError, check_input, init};

/// How frames are chosen for analysis.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum FrameSampling {
    /// Decode key frames only (cheap), keeping at most `max_fps` of them per second.
    KeyFrames { max_fps: f64 },
    /// Decode every frame and keep `fps` of them per second (costs a full decode).
    Rate { fps: f64 },
}

impl Default for FrameSampling {
    fn default() -> Self {
        FrameSampling::KeyFrames { max_fps: 2.0 }
    }
}

/// Pixel layout of sampled frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameFormat {
    /// One byte of luma per pixel (image statistics).
    #[default]
    Gray8,
    /// Three bytes per pixel, R G B (image models).
    Rgb8,
    /// The luma plane of [`FrameFormat::Gray8`] in `pixels`, and the RGB rows of
    /// [`FrameFormat::Rgb8`] of the same decoded frame in [`Frame::rgb`]: image statistics and an
    /// image model from one decode, with the luma exactly as without the model.
    Gray8WithRgb8,
}

impl FrameFormat {
    fn caps_name(self) -> &'static str {
        match self {
            FrameFormat::Gray8 | FrameFormat::Gray8WithRgb8 => "GRAY8",
            FrameFormat::Rgb8 => "RGB",
        }
    }
}

/// One decoded frame: rows of `stride` bytes in `format` (an 8-bit luma plane by default).
#[derive(Debug)]
pub struct Frame<'a> {
    pub time_s: f64,
    pub width: u32,
    pub height: u32,
    pub stride: usize,
    pub format: FrameFormat,
    pub pixels: &'a [u8],
    /// The same frame's RGB rows, for [`FrameFormat::Gray8WithRgb8`]; `None` otherwise.
    pub rgb: Option<Rows<'a>>,
}

/// Rows of pixels `stride` bytes apart.
#[derive(Clone, Copy, Debug)]
pub struct Rows<'a> {
    pub stride: usize,
    pub pixels: &'a [u8],
}

/// What frame sampling produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FrameSummary {
    pub frames: u64,
    pub width: u32,
    pub height: u32,
    pub sampling: FrameSampling,
    /// Damaged pieces the video decoder skipped: key frames it never delivered, and warnings on
    /// the bus. A sign of damage.
    pub decoder_errors: u32,
}

/// Size frames are scaled to: at most [`MAX_FRAME_WIDTH`] wide, aspect kept, even dimensions.
pub fn analysis_size(width: u32, height: u32) -> (u32, u32) {
    let w = width.clamp(2, MAX_FRAME_WIDTH);
    let h = ((height as f64 * w as f64 / width.max(1) as f64).round() as u32).max(2);
    (w & !1, h & !1)
}

/// Decodes frames of the first video stream of `path`, scaled for analysis from the stream's
/// `width` × `height`, and hands each kept frame to `on_frame` as a luma plane.
pub fn sample_frames(
    path: &Path,
    size: (u32, u32),
    sampling: FrameSampling,
    limits: &Limits,
    cancel: &CancelFlag,
    on_frame: &mut dyn FnMut(Frame<'_>),
) -> Result<FrameSummary, MediaError> {
    sample_frames_as(path, size, sampling, FrameFormat::Gray8, limits, cancel, on_frame)
}

/// [`sample_frames`] in a chosen pixel format.
pub fn sample_frames_as(
    path: &Path,
    (width, height): (u32, u32),
    sampling: FrameSampling,
    format: FrameFormat,
    limits: &Limits,
    cancel: &CancelFlag,
    on_frame: &mut dyn FnMut(Frame<'_>),
) -> Result<FrameSummary, MediaError> {
    check_input(path)?;
    init()?;
    let mut run = PipelineRun::new(path, "frame sampling", limits, cancel);
    let src = filesrc(&run)?;
    let parse = run.element("parsebin")?;
    let queue = run.element("queue")?;
    let decode = run.element("decodebin")?;
    let rate = run.element("videorate")?;
    let (out_w, out_h) = analysis_size(width, height);
    let (keep_per_s, max_rate) = match sampling {
        FrameSampling::KeyFrames { max_fps } => (max_fps.max(1e-3), None),
        FrameSampling::Rate { fps } => (fps.max(1e-3), Some(fps.ceil().max(1.0) as i32)),
    };
    rate.set_property("drop-only", true);
    if let Some(max_rate) = max_rate {
        rate.set_property("max-rate", max_rate);
    }
    link(&run, &[&src, &parse])?;
    let (sink, rgb_sink) = if format == FrameFormat::Gray8WithRgb8 {
        // Both branches convert and scale the same decoded frame, each in its own thread.
        let tee = run.element("tee")?;
        let (gray_in, gray) = scaled_branch(&run, "GRAY8", (out_w, out_h), true)?;
        let (rgb_in, rgb) = scaled_branch(&run, "RGB", (out_w, out_h), true)?;
        link(&run, &[&rate, &tee])?;
        link(&run, &[&tee, &gray_in])?;
        link(&run, &[&tee, &rgb_in])?;
        (gray, Some(rgb))
    } else {
        let (first, sink) = scaled_branch(&run, format.caps_name(), (out_w, out_h), false)?;
        link(&run, &[&rate, &first])?;
        (sink, None)
    };
    let links = StreamLinks::new("video/");
    link(&run, &[&queue, &decode])?;
    let queue_sink = sink_pad(&run, &queue)?;
    guard_video_pad(&queue_sink, limits, &run.tripwire);
    route_pads(&parse, queue_sink, &links);
    let decoded = sink_pad(&run, &rate)?;
    let key_frames = count_key_frames(&sink_pad(&run, &decode)?, &decoded);
    link_decoded(&decode, decoded);

    if matches!(sampling, FrameSampling::KeyFrames { .. }) {
        run.set_state(gst::State::Paused)?;
        run.wait_preroll(&links, |path| MediaError::NoVideo { path })?;
        let flags = gst::SeekFlags::FLUSH
            | gst::SeekFlags::KEY_UNIT
            | gst::SeekFlags::TRICKMODE
            | gst::SeekFlags::TRICKMODE_KEY_UNITS
            | gst::SeekFlags::TRICKMODE_NO_AUDIO;
        run.pipeline
            .seek(1.0, flags, gst::SeekType::Set, gst::ClockTime::ZERO, gst::SeekType::None, gst::ClockTime::NONE)
            .map_err(|_| run.failure("the key-frame seek was refused"))?;
    }
    run.set_state(gst::State::Playing)?;

    let mut frames = 0u64;
    // One frame per slot of 1 / keep_per_s seconds: robust to timestamp jitter.
    let mut last_slot: Option<i64> = None;
    let (path, stage, cancel) = (run.path, run.stage, run.cancel);
    let stall = limits.stall_timeout;
    run.drain(
        &sink,
        &links,
        |path| MediaError::NoVideo { path },
        |sample| {
            // The RGB branch carries the same frames in the same order: one for each grey one.
            let rgb_sample = match &rgb_sink {
                Some(rgb_sink) => pull_paired(rgb_sink, path, stage, cancel, stall)?,
                None => None,
            };
            let Some(time_s) = stream_time_s(sample) else {
                return Ok(());
            };
            let slot = (time_s * keep_per_s).floor() as i64;
            if last_slot.is_some_and(|last| slot <= last) {
                return Ok(());
            }
            let (Some(buffer), Some(caps)) = (sample.buffer(), sample.caps()) else {
                return Ok(());
            };
            let Ok(info) = gstreamer_video::VideoInfo::from_caps(caps) else {
                return Ok(());
            };
            let Ok(map) = buffer.map_readable() else {
                return Ok(());
            };
            let stride = info.stride()[0].max(0) as usize;
            let offset = info.offset()[0];
            let needed = offset + stride * info.height() as usize;
            if map.len() < needed {
                return Ok(());
            }
            let rgb_map = rgb_sample.as_ref().filter(|rgb| rgb.buffer().and_then(|b| b.pts()) == buffer.pts());
            let rgb_map = match rgb_map.map(mapped_rows) {
                Some(None) => return Ok(()),
                Some(Some(rows)) => Some(rows),
                None if rgb_sink.is_some() => return Ok(()),
                None => None,
            };
            last_slot = Some(slot);
            frames += 1;
            let pixels = &map[offset..needed];
            let rgb = rgb_map.as_ref().map(|(map, offset, stride)| Rows {
                stride: *stride,
                pixels: &map[*offset..*offset + *stride * info.height() as usize],
            });
            on_frame(Frame { time_s, width: info.width(), height: info.height(), stride, format, pixels, rgb });
            Ok(())
        },
    )?;
    let decoder_errors = run.warnings.saturating_add(key_frames.lost());
    Ok(FrameSummary { frames, width: out_w, height: out_h, sampling, decoder_errors })
}

/// `videoconvert → videoscale → caps (format, size) → appsink`, behind a `queue` when `queued`;
/// returns the branch's first element and its sink.
fn scaled_branch(
    run: &PipelineRun<'_>,
    format: &str,
    (width, height): (u32, u32),
    queued: bool,
) -> Result<(gst::Element, AppSink), MediaError> {
    let convert = run.element("videoconvert")?;
    let scale = run.element("videoscale")?;
    let filter = run.element("capsfilter")?;
    let caps = gst::Caps::builder("video/x-raw")
        .field("format", format)
        .field("width", width as i32)
        .field("height", height as i32)
        .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
        .build();
    filter.set_property("caps", &caps);
    let sink = AppSink::builder().sync(false).max_buffers(4).build();
    run.pipeline.add(&sink).map_err(|e| run.failure(e.to_string()))?;
    link(run, &[&convert, &scale, &filter, sink.upcast_ref()])?;
    if !queued {
        return Ok((convert, sink));
    }
    let queue = run.element("queue")?;
    link(run, &[&queue, &convert])?;
    Ok((queue, sink))
}

/// The next sample of the second appsink of a pair, waiting for it as long as the pipeline may
/// stall; `None` at its end of stream.
fn pull_paired(
    sink: &AppSink,
    path: &Path,
    stage: &'static str,
    cancel: &CancelFlag,
    stall: std::time::Duration,
) -> Result<Option<gst::Sample>, MediaError> {
    let started = Instant::now();
    loop {
        if cancel.is_cancelled() {
            return Err(MediaError::Cancelled { path: path.to_path_buf(), stage });
        }
        if let Some(sample) = sink.try_pull_sample(gst::ClockTime::from_mseconds(100)) {
            return Ok(Some(sample));
        }
        if sink.is_eos() {
            return Ok(None);
        }
        if started.elapsed() > stall {
            return Err(MediaError::Stalled { path: path.to_path_buf(), stage, after_s: stall.as_secs() });
        }
    }
}

/// A sample's first plane: the mapped buffer, the plane's offset and its stride.
fn mapped_rows(sample: &gst::Sample) -> Option<(gst::MappedBuffer<gst::buffer::Readable>, usize, usize)> {
    let info = gstreamer_video::VideoInfo::from_caps(sample.caps()?).ok()?;
    let map = sample.buffer_owned()?.into_mapped_buffer_readable().ok()?;
    let (stride, offset) = (info.stride()[0].max(0) as usize, info.offset()[0]);
    (map.len() >= offset + stride * info.height() as usize).then_some((map, offset, stride))
}

fn stream_time_s(sample: &gst::Sample) -> Option<f64> {
    let pts = sample.buffer()?.pts()?;
    let stream_time = sample
        .segment()
        .and_then(|segment| segment.downcast_ref::<gst::ClockTime>().and_then(|s| s.to_stream_time(pts)))
        .unwrap_or(pts);
    Some(stream_time.nseconds() as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::analysis_size;

    #[test]
    fn scales_down_keeping_aspect_and_never_up() {
        assert_eq!(analysis_size(1280, 720), (320, 180));
        assert_eq!(analysis_size(640, 480), (320, 240));
        assert_eq!(analysis_size(160, 120), (160, 120));
        assert_eq!(analysis_size(321, 241), (320, 240));
    }
}
