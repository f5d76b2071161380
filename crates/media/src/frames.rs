//! Small grey frames for image statistics. Key frames only by default: a key-unit trick-mode seek
//! makes the decoder skip every predicted frame, a small fraction of a full decode's cost. The grey
//! format also hands over each frame as decoded (I420 at its coded size), where the codec's block
//! grid is still intact and an image model sees the whole picture.

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

/// Fewest frames a clip is judged from, where [`FrameSampling::for_clip`] can reach them.
pub const MIN_SAMPLED_FRAMES: usize = 10;
/// Longest clip that [`FrameSampling::for_clip`] decodes whole to reach [`MIN_SAMPLED_FRAMES`],
/// seconds: beyond it the key frames decide, so a long clip costs no more than before.
pub const FULL_DECODE_MAX_S: f64 = 30.0;
/// Most frames per second [`FrameSampling::for_clip`] keeps from a very short clip.
pub const SHORT_CLIP_MAX_FPS: f64 = 10.0;

impl FrameSampling {
    /// The sampling for a clip of `duration_s` seconds holding `key_frames` key frames.
    /// Key-frame sampling that would give fewer than [`MIN_SAMPLED_FRAMES`] frames (a short clip,
    /// or key frames far apart) becomes a full decode of a clip up to [`FULL_DECODE_MAX_S`] long
    /// that keeps [`MIN_SAMPLED_FRAMES`] frames evenly spread (one every 0.5 s of a 5 s clip), at
    /// most [`SHORT_CLIP_MAX_FPS`] a second: the decode is bounded by the clip, the analysis by
    /// the frame count. Every other case, [`FrameSampling::Rate`] included, is kept as it is.
    pub fn for_clip(self, duration_s: f64, key_frames: usize) -> FrameSampling {
        let FrameSampling::KeyFrames { max_fps } = self else {
            return self;
        };
        let short = (f64::MIN_POSITIVE..=FULL_DECODE_MAX_S).contains(&duration_s);
        if !short || max_fps.is_nan() || max_fps <= 0.0 {
            return self;
        }
        let slots = (duration_s * max_fps).ceil() as usize;
        if key_frames.min(slots) >= MIN_SAMPLED_FRAMES {
            return self;
        }
        let fps = (MIN_SAMPLED_FRAMES as f64 / duration_s).min(SHORT_CLIP_MAX_FPS);
        FrameSampling::Rate { fps }
    }
}

/// Pixel layout of sampled frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameFormat {
    /// One byte of luma per pixel (image statistics).
    #[default]
    Gray8,
    /// Three bytes per pixel, R G B.
    Rgb8,
}

impl FrameFormat {
    fn caps_name(self) -> &'static str {
        match self {
            FrameFormat::Gray8 => "GRAY8",
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
    /// The same frame at its decoded size, before any scaling, for [`FrameFormat::Gray8`]:
    /// compression measures need the codec's block grid, and an image model sees the picture as
    /// a browser hands it the video (nsfwjs squashes the whole frame itself). `None` for
    /// [`FrameFormat::Rgb8`], or when that branch lost the frame.
    pub coded: Option<CodedFrame<'a>>,
}

/// A frame as decoded, not scaled, in planar YUV 4:2:0 (I420): the luma plane, then the two
/// chroma planes at half width and height (rounded up).
#[derive(Clone, Copy, Debug)]
pub struct CodedFrame<'a> {
    pub y: Rows<'a>,
    pub u: Rows<'a>,
    pub v: Rows<'a>,
}

impl<'a> CodedFrame<'a> {
    /// The luma plane.
    pub fn luma(&self) -> Rows<'a> {
        self.y
    }

    /// The planes tightly packed (no row padding), Y then U then V: what
    /// `session_safety::PixelFormat::I420` reads.
    pub fn to_i420(&self) -> Vec<u8> {
        let mut packed = Vec::with_capacity(
            self.y.width as usize * self.y.height as usize + 2 * self.u.width as usize * self.u.height as usize,
        );
        for plane in [self.y, self.u, self.v] {
            for row in 0..plane.height as usize {
                packed.extend_from_slice(&plane.pixels[row * plane.stride..][..plane.width as usize]);
            }
        }
        packed
    }
}

/// Rows of pixels `stride` bytes apart.
#[derive(Clone, Copy, Debug)]
pub struct Rows<'a> {
    pub width: u32,
    pub height: u32,
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
    let (sink, coded_sink) = if format == FrameFormat::Rgb8 {
        let (first, sink) = scaled_branch(&run, format.caps_name(), (out_w, out_h), false)?;
        link(&run, &[&rate, &first])?;
        (sink, None)
    } else {
        // Each branch takes the same decoded frame in its own thread: one scaled to grey for the
        // image statistics, one as decoded (I420, no conversion for most decoders).
        let tee = run.element("tee")?;
        let (gray_in, gray) = scaled_branch(&run, "GRAY8", (out_w, out_h), true)?;
        let (coded_in, coded) = coded_branch(&run)?;
        link(&run, &[&rate, &tee])?;
        link(&run, &[&tee, &gray_in])?;
        link(&run, &[&tee, &coded_in])?;
        (gray, Some(coded))
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
            // The coded branch carries the same frames in the same order: one for each grey one.
            let coded_sample = match &coded_sink {
                Some(coded_sink) => pull_paired(coded_sink, path, stage, cancel, stall)?,
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
            let same_frame = |other: &&gst::Sample| other.buffer().and_then(|b| b.pts()) == buffer.pts();
            let coded_map = coded_sample.as_ref().filter(same_frame).and_then(mapped_planes);
            last_slot = Some(slot);
            frames += 1;
            let pixels = &map[offset..needed];
            let coded = coded_map.as_ref().map(coded_frame_of);
            let (width, height) = (info.width(), info.height());
            on_frame(Frame { time_s, width, height, stride, format, pixels, coded });
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

/// `queue → videoconvert → caps (I420, any size) → appsink`: the frame as decoded, not scaled
/// (the converter passes I420 through untouched); returns the branch's first element and its sink.
fn coded_branch(run: &PipelineRun<'_>) -> Result<(gst::Element, AppSink), MediaError> {
    let queue = run.element("queue")?;
    let convert = run.element("videoconvert")?;
    let filter = run.element("capsfilter")?;
    filter.set_property("caps", gst::Caps::builder("video/x-raw").field("format", "I420").build());
    let sink = AppSink::builder().sync(false).max_buffers(4).build();
    run.pipeline.add(&sink).map_err(|e| run.failure(e.to_string()))?;
    link(run, &[&queue, &convert, &filter, sink.upcast_ref()])?;
    Ok((queue, sink))
}

/// A mapped I420 sample and each plane's offset, stride and size.
type MappedPlanes = (gst::MappedBuffer<gst::buffer::Readable>, [(usize, usize, (u32, u32)); 3]);

fn mapped_planes(sample: &gst::Sample) -> Option<MappedPlanes> {
    let info = gstreamer_video::VideoInfo::from_caps(sample.caps()?).ok()?;
    if info.format() != gstreamer_video::VideoFormat::I420 || info.n_planes() != 3 {
        return None;
    }
    let map = sample.buffer_owned()?.into_mapped_buffer_readable().ok()?;
    let (w, h) = (info.width(), info.height());
    let sizes = [(w, h), (w.div_ceil(2), h.div_ceil(2)), (w.div_ceil(2), h.div_ceil(2))];
    let planes: [(usize, usize, (u32, u32)); 3] =
        std::array::from_fn(|i| (info.offset()[i], info.stride()[i].max(0) as usize, sizes[i]));
    let fits = planes.iter().all(|&(offset, stride, (width, height))| {
        stride >= width as usize && map.len() >= offset + stride * height as usize
    });
    fits.then_some((map, planes))
}

fn coded_frame_of((map, planes): &MappedPlanes) -> CodedFrame<'_> {
    let plane = |i: usize| {
        let (offset, stride, (width, height)) = planes[i];
        Rows { width, height, stride, pixels: &map[offset..offset + stride * height as usize] }
    };
    CodedFrame { y: plane(0), u: plane(1), v: plane(2) }
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
    use super::*;

    #[test]
    fn scales_down_keeping_aspect_and_never_up() {
        assert_eq!(analysis_size(1280, 720), (320, 180));
        assert_eq!(analysis_size(640, 480), (320, 240));
        assert_eq!(analysis_size(160, 120), (160, 120));
        assert_eq!(analysis_size(321, 241), (320, 240));
    }

    #[test]
    fn a_short_clip_is_decoded_whole_for_enough_frames() {
        let key = FrameSampling::default();
        // 5 s with one key frame: every frame decoded, one kept each 0.5 s.
        assert_eq!(key.for_clip(5.0, 1), FrameSampling::Rate { fps: 2.0 });
        // 2 s: five a second, for ten frames.
        assert_eq!(key.for_clip(2.0, 2), FrameSampling::Rate { fps: 5.0 });
        // Half a second: at most ten a second.
        assert_eq!(key.for_clip(0.5, 1), FrameSampling::Rate { fps: SHORT_CLIP_MAX_FPS });
        // 25 s of 10 s key-frame intervals: three key frames are too few; ten frames, 2.5 s apart.
        assert_eq!(key.for_clip(25.0, 3), FrameSampling::Rate { fps: 0.4 });
    }

    #[test]
    fn enough_key_frames_a_long_clip_or_a_chosen_rate_are_kept() {
        let key = FrameSampling::default();
        assert_eq!(key.for_clip(15.0, 15), key);
        assert_eq!(key.for_clip(600.0, 60), key, "a long clip's cost does not grow");
        assert_eq!(key.for_clip(31.0, 3), key);
        assert_eq!(key.for_clip(0.0, 0), key, "an unknown duration keeps the key frames");
        assert_eq!(key.for_clip(f64::NAN, 0), key);
        let rate = FrameSampling::Rate { fps: 1.0 };
        assert_eq!(rate.for_clip(5.0, 1), rate);
        let zero = FrameSampling::KeyFrames { max_fps: 0.0 };
        assert_eq!(zero.for_clip(5.0, 1), zero);
    }
}
