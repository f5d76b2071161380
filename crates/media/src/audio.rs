//! 16 kHz mono `f32` audio, decoded from any stream GStreamer can parse; optionally, from the
//! same decode, the audio's original channels at their original rate (for a loudness meter).

use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app::AppSink;
use serde::{Deserialize, Serialize};

use crate::channels::{ChannelLayout, OriginalChunk, tap_original};
use crate::cut_files::cut_short;
use crate::damage::{CutEnd, DamageReport, note_missing_end, watch_missing};
use crate::runner::{PipelineRun, StreamLinks, filesrc, link, link_decoded, route_pads, seconds, sink_pad};
use crate::{AUDIO_SAMPLE_RATE, CancelFlag, Limits, MediaError, MediaLimit, check_input, init};

/// What the audio decode produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AudioSummary {
    pub sample_rate: u32,
    pub samples: u64,
    pub duration_s: f64,
    /// Timestamp of the first decoded sample (0 unless the stream starts late and is not padded).
    pub first_sample_s: f64,
    /// Missing stretches (filled with silence) and decoding errors: signs of a damaged file.
    pub damage: DamageReport,
}

/// Decodes the first audio stream of `path` to 16 kHz mono `f32` and hands it to `on_chunk` piece
/// by piece; memory stays bounded whatever the recording's length. Gaps in the stream are filled
/// with silence so that sample positions stay aligned with media time.
pub fn decode_audio(
    path: &Path,
    limits: &Limits,
    cancel: &CancelFlag,
    on_chunk: &mut dyn FnMut(&[f32]),
) -> Result<AudioSummary, MediaError> {
    decode(path, limits, cancel, on_chunk, None)
}

/// Receives the original audio: interleaved `f32` frames in a [`ChannelLayout`].
type OnOriginal<'a> = &'a mut dyn FnMut(&ChannelLayout, &[f32]);

/// [`decode_audio`], and from the same decode the audio as the file carries it — every channel,
/// at the stream's own rate, interleaved `f32`, gaps filled with silence as for the mono feed —
/// handed to `on_original` with its [`ChannelLayout`] (which a stream may change midway). This is
/// what a loudness meter needs: ITU-R BS.1770 weighs and sums the channels, which a mono mix
/// cannot give back. Memory stays bounded: both feeds advance together.
pub fn decode_audio_with_original(
    path: &Path,
    limits: &Limits,
    cancel: &CancelFlag,
    on_chunk: &mut dyn FnMut(&[f32]),
    on_original: &mut dyn FnMut(&ChannelLayout, &[f32]),
) -> Result<AudioSummary, MediaError> {
    decode(path, limits, cancel, on_chunk, Some(on_original))
}

fn decode(
    path: &Path,
    limits: &Limits,
    cancel: &CancelFlag,
    on_chunk: &mut dyn FnMut(&[f32]),
    mut on_original: Option<OnOriginal<'_>>,
) -> Result<AudioSummary, MediaError> {
    check_input(path)?;
    init()?;
    let mut run = PipelineRun::new(path, "audio decode", limits, cancel);
    let src = filesrc(&run)?;
    let parse = run.element("parsebin")?;
    let queue = run.element("queue")?;
    let decode = run.element("decodebin")?;
    // The decoded audio as f32, every channel at its own rate, continuous (gaps filled): the
    // original feed is tapped here, then it is mixed to mono and resampled for analysis.
    let to_float = run.element("audioconvert")?;
    let float_filter = run.element("capsfilter")?;
    let fill = run.element("audiorate")?;
    float_filter.set_property(
        "caps",
        gst::Caps::builder("audio/x-raw").field("format", "F32LE").field("layout", "interleaved").build(),
    );
    let convert = run.element("audioconvert")?;
    let resample = run.element("audioresample")?;
    let filter = run.element("capsfilter")?;
    let rate = run.element("audiorate")?;
    let caps = gst::Caps::builder("audio/x-raw")
        .field("format", "F32LE")
        .field("layout", "interleaved")
        .field("rate", AUDIO_SAMPLE_RATE as i32)
        .field("channels", 1i32)
        .build();
    filter.set_property("caps", &caps);
    let sink = AppSink::builder().sync(false).max_buffers(16).build();
    run.pipeline.add(&sink).map_err(|e| run.failure(e.to_string()))?;
    link(&run, &[&src, &parse])?;
    link(&run, &[&to_float, &float_filter, &fill, &convert, &resample, &filter, &rate, sink.upcast_ref()])?;

    let links = StreamLinks::new("audio/");
    link(&run, &[&queue, &decode])?;
    let queue_sink = sink_pad(&run, &queue)?;
    let declared = declared_duration_at_first_buffer(&queue_sink);
    route_pads(&parse, queue_sink, &links);
    link_decoded(&decode, sink_pad(&run, &to_float)?);
    let missing = watch_missing(&sink_pad(&run, &fill)?);
    let (original_tx, original_rx) = mpsc::channel::<OriginalChunk>();
    if on_original.is_some() {
        // Every buffer the probe sends is on its way to the appsink, which holds at most
        // `max_buffers`: the channel never holds more than that much audio.
        tap_original(&sink_pad(&run, &convert)?, original_tx);
    }

    run.set_state(gst::State::Playing)?;
    let mut samples = 0u64;
    let mut first_sample_s = None;
    let mut chunk = Vec::new();
    let mut budget: Option<AudioBudget> = None;
    run.drain(
        &sink,
        &links,
        |path| MediaError::NoAudio { path },
        |sample| {
            let Some(buffer) = sample.buffer() else {
                return Ok(());
            };
            let budget = match &budget {
                Some(budget) => budget,
                None => {
                    budget.insert(AudioBudget::new(*declared.lock().unwrap_or_else(|e| e.into_inner()), path, limits)?)
                }
            };
            if first_sample_s.is_none() {
                first_sample_s = seconds(buffer.pts());
            }
            let Ok(map) = buffer.map_readable() else {
                return Ok(());
            };
            chunk.clear();
            chunk.extend(map.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
            samples += chunk.len() as u64;
            budget.check(samples, path)?;
            forward_original(&original_rx, &mut on_original);
            on_chunk(&chunk);
            Ok(())
        },
    )?;
    forward_original(&original_rx, &mut on_original);
    let declared_duration_s = seconds(*declared.lock().unwrap_or_else(|e| e.into_inner()));
    let mut missing = missing.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let first_sample_s = first_sample_s.unwrap_or(0.0);
    let decoded_end_s = first_sample_s + samples as f64 / AUDIO_SAMPLE_RATE as f64;
    note_missing_end(&mut missing, declared_duration_s, decoded_end_s);
    let cut = cut_short(path).map(|detail| CutEnd { after_s: decoded_end_s, detail });
    let damage = DamageReport { declared_duration_s, missing, decoder_errors: run.warnings, cut };
    Ok(AudioSummary {
        sample_rate: AUDIO_SAMPLE_RATE,
        samples,
        duration_s: samples as f64 / AUDIO_SAMPLE_RATE as f64,
        first_sample_s,
        damage,
    })
}

/// Hands the original audio the tap has sent so far to `on_original`.
fn forward_original(rx: &mpsc::Receiver<OriginalChunk>, on_original: &mut Option<OnOriginal<'_>>) {
    if let Some(on_original) = on_original.as_mut() {
        for chunk in rx.try_iter() {
            on_original(&chunk.layout, &chunk.samples);
        }
    }
}

/// The duration the demuxer declares when its first buffer passes `pad`: later, some demuxers
/// (Matroska) lengthen it to the latest timestamp they read, jumps included.
fn declared_duration_at_first_buffer(pad: &gst::Pad) -> Arc<Mutex<Option<gst::ClockTime>>> {
    let declared: Arc<Mutex<Option<gst::ClockTime>>> = Arc::default();
    let slot = declared.clone();
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, _| {
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = pad.peer_query_duration::<gst::ClockTime>();
        gst::PadProbeReturn::Remove
    });
    declared
}

/// How many samples the decoder may deliver: the declared duration plus
/// [`Limits::audio_overrun_margin`], or [`Limits::max_duration`] when nothing is declared.
struct AudioBudget {
    declared_s: Option<f64>,
    margin_s: f64,
    max_samples: u64,
}

impl AudioBudget {
    fn new(declared: Option<gst::ClockTime>, path: &Path, limits: &Limits) -> Result<Self, MediaError> {
        let declared_s = seconds(declared);
        let max_s = limits.max_duration.as_secs_f64();
        if let Some(declared_s) = declared_s.filter(|d| *d > max_s) {
            return Err(MediaError::LimitExceeded {
                path: path.to_path_buf(),
                limit: MediaLimit::Duration,
                detail: format!("it declares {declared_s:.0} s, at most {max_s:.0} s allowed"),
            });
        }
        let margin_s = limits.audio_overrun_margin.as_secs_f64();
        let bound_s = declared_s.map_or(max_s, |d| d + margin_s);
        Ok(Self { declared_s, margin_s, max_samples: (bound_s * AUDIO_SAMPLE_RATE as f64).ceil() as u64 })
    }

    fn check(&self, samples: u64, path: &Path) -> Result<(), MediaError> {
        if samples <= self.max_samples {
            return Ok(());
        }
        let decoded_s = samples as f64 / AUDIO_SAMPLE_RATE as f64;
        let detail = match self.declared_s {
            Some(declared_s) => format!(
                "the decoder delivered {decoded_s:.0} s of audio but the file declares {declared_s:.1} s \
                 (margin {:.0} s): its timestamps jump",
                self.margin_s
            ),
            None => format!("the decoder delivered {decoded_s:.0} s of audio and the file declares no duration"),
        };
        let limit = if self.declared_s.is_some() { MediaLimit::AudioOverrun } else { MediaLimit::Duration };
        Err(MediaError::LimitExceeded { path: path.to_path_buf(), limit, detail })
    }
}
