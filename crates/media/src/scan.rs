//! A look at a recording's parsed streams before anything decodes it: how many streams, the frame
//! size each video stream declares (caps and first frame header) and the declared duration, held
//! against [`Limits`]. Nothing is decoded and every buffer is dropped as soon as it was looked at.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::guard::{Tripwire, check_caps, frame_header_verdict};
use crate::runner::GiveUpWatch;
use crate::{Limits, MediaError, MediaLimit};

/// What the parser showed of one stream.
#[derive(Default)]
struct StreamSeen {
    media_type: String,
    /// A buffer or the end of the stream has passed: its frame header was checked.
    settled: bool,
}

#[derive(Default)]
struct ScanState {
    pads: Vec<gst::Pad>,
    streams: Vec<StreamSeen>,
    no_more_pads: bool,
    /// Longest duration the streams declared when their first buffer passed, before the demuxer
    /// read further (some demuxers lengthen their duration to the latest timestamp they saw).
    declared: Option<gst::ClockTime>,
    /// Number of streams in the parser's stream collection, once posted.
    announced: Option<usize>,
}

impl ScanState {
    /// Every stream is known and every video stream's first frame was checked.
    fn complete(&self) -> bool {
        let all_known = self.no_more_pads || self.announced.is_some_and(|n| n > 0 && self.streams.len() >= n);
        all_known && self.streams.iter().all(|s| s.settled || s.media_type.starts_with("audio/"))
    }
}

/// Checks `path`'s streams against `limits` without decoding. A file the parser cannot read is
/// let through: the probe that follows names what is wrong with it.
pub(crate) fn check_limits(path: &Path, limits: &Limits) -> Result<(), MediaError> {
    let pipeline = gst::Pipeline::new();
    let result = run_scan(&pipeline, path, limits);
    let _ = pipeline.set_state(gst::State::Null);
    result
}

fn run_scan(pipeline: &gst::Pipeline, path: &Path, limits: &Limits) -> Result<(), MediaError> {
    let make = |factory: &str| gst::ElementFactory::make(factory).build().map_err(|e| MediaError::Init(e.to_string()));
    let (src, parse) = (make("filesrc")?, make("parsebin")?);
    src.set_property("location", path.to_string_lossy().as_ref());
    pipeline.add_many([&src, &parse]).map_err(|e| MediaError::Init(e.to_string()))?;
    src.link(&parse).map_err(|e| MediaError::Init(e.to_string()))?;
    let state: Arc<Mutex<ScanState>> = Arc::default();
    let tripwire = Tripwire::default();
    watch_streams(&parse, &state, &tripwire, limits);
    let _ = pipeline.set_state(gst::State::Playing);
    let bus = pipeline.bus().expect("a pipeline always has a bus");
    let deadline = Instant::now() + limits.probe_timeout;
    let mut settled_since = None;
    let mut gave_up = GiveUpWatch::default();
    loop {
        if let Some(error) = tripwire.error(path) {
            return Err(error);
        }
        let (complete, all_settled) = {
            let state = state.lock().unwrap_or_else(|e| e.into_inner());
            (state.complete(), !state.streams.is_empty() && state.streams.iter().all(|s| s.settled))
        };
        // A parser that announces neither its streams nor their end gets a moment for late pads.
        let quiet_since = if all_settled { *settled_since.get_or_insert_with(Instant::now) } else { Instant::now() };
        if complete || quiet_since.elapsed() > Duration::from_secs(1) {
            break;
        }
        if no_stream_yet(&state)
            && let Some(detail) = gave_up.check(pipeline.upcast_ref())
        {
            return Err(MediaError::NotMedia { path: path.to_path_buf(), detail });
        }
        if Instant::now() > deadline {
            return Err(MediaError::Stalled {
                path: path.to_path_buf(),
                stage: "probe",
                after_s: limits.probe_timeout.as_secs(),
            });
        }
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(20)) else {
            continue;
        };
        match msg.view() {
            gst::MessageView::StreamCollection(collection) => {
                let streams = collection.stream_collection().len();
                state.lock().unwrap_or_else(|e| e.into_inner()).announced = Some(streams);
                if streams > limits.max_streams {
                    tripwire.trip(MediaLimit::Streams, too_many_streams(streams, limits));
                }
            }
            gst::MessageView::Error(error) => {
                if let Some(error) = tripwire.error(path) {
                    return Err(error);
                }
                // A demuxer that failed before any stream: the discoverer would meet the same
                // failure and, when its decodebin drops the error, wait for its timeout.
                if let Some(detail) = demuxer_failed(error, &state) {
                    return Err(MediaError::NotMedia { path: path.to_path_buf(), detail });
                }
                // The probe that follows explains any other unreadable file.
                return Ok(());
            }
            _ => {}
        }
    }
    // The last stream may have settled and tripped a limit in the same moment.
    if let Some(error) = tripwire.error(path) {
        return Err(error);
    }
    let state = state.lock().unwrap_or_else(|e| e.into_inner());
    let declared =
        state.declared.or_else(|| state.pads.iter().filter_map(|p| p.query_duration::<gst::ClockTime>()).max());
    check_duration(path, declared, limits.max_duration)
}

/// Counts the parser's streams and looks at each one's caps and first buffer.
fn watch_streams(parse: &gst::Element, state: &Arc<Mutex<ScanState>>, tripwire: &Tripwire, limits: &Limits) {
    let (seen, trip, limits) = (state.clone(), tripwire.clone(), limits.clone());
    parse.connect_pad_added(move |_, pad| {
        let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
        if let Some(detail) = check_caps(&caps, &limits) {
            trip.trip(MediaLimit::FrameSize, detail);
        }
        let media_type = caps.structure(0).map(|s| s.name().to_string()).unwrap_or_default();
        let index = {
            let mut state = seen.lock().unwrap_or_else(|e| e.into_inner());
            state.pads.push(pad.clone());
            state.streams.push(StreamSeen { media_type, settled: false });
            state.streams.len() - 1
        };
        if index + 1 > limits.max_streams {
            trip.trip(MediaLimit::Streams, too_many_streams(index + 1, &limits));
        }
        let (seen, trip, limits) = (seen.clone(), trip.clone(), limits.clone());
        // The pad stays unlinked and its data is dropped here: nothing downstream allocates.
        pad.add_probe(gst::PadProbeType::DATA_DOWNSTREAM, move |pad, info| {
            let mut state = seen.lock().unwrap_or_else(|e| e.into_inner());
            let stream = &mut state.streams[index];
            let verdict = match &info.data {
                Some(gst::PadProbeData::Event(event)) => match event.view() {
                    gst::EventView::Caps(caps) => {
                        stream.media_type = caps.caps().structure(0).map(|s| s.name().to_string()).unwrap_or_default();
                        check_caps(caps.caps(), &limits)
                    }
                    gst::EventView::Eos(_) => {
                        stream.settled = true;
                        None
                    }
                    _ => None,
                },
                Some(gst::PadProbeData::Buffer(buffer)) if !stream.settled => {
                    stream.settled = true;
                    let declared = pad.query_duration::<gst::ClockTime>();
                    state.declared = state.declared.max(declared);
                    let stream = &mut state.streams[index];
                    // Caps sent before this probe was added are only on the pad.
                    let caps = pad.current_caps();
                    if let Some(s) = caps.as_ref().and_then(|c| c.structure(0)).filter(|_| stream.media_type.is_empty())
                    {
                        stream.media_type = s.name().to_string();
                    }
                    caps.and_then(|c| check_caps(&c, &limits))
                        .or_else(|| frame_header_verdict(&stream.media_type, buffer, &limits))
                }
                _ => None,
            };
            if let Some(detail) = verdict {
                trip.trip(MediaLimit::FrameSize, detail);
            }
            // Events go on to the unlinked pad (nowhere); data is dropped, so that the demuxer
            // does not stop with "not linked".
            match info.data {
                Some(gst::PadProbeData::Event(_)) => gst::PadProbeReturn::Ok,
                _ => gst::PadProbeReturn::Handled,
            }
        });
    });
    let seen = state.clone();
    parse.connect_no_more_pads(move |_| seen.lock().unwrap_or_else(|e| e.into_inner()).no_more_pads = true);
}

/// Why a demuxer failed before it showed any stream, when `error` says so.
fn demuxer_failed(error: &gst::message::Error, state: &Mutex<ScanState>) -> Option<String> {
    let element = error.src()?.downcast_ref::<gst::Element>()?;
    let factory = element.factory().filter(|f| f.klass().contains("Demux"))?;
    no_stream_yet(state).then(|| {
        format!("{} found no stream ({}): the file holds headers only, or is damaged", factory.name(), error.error())
    })
}

fn no_stream_yet(state: &Mutex<ScanState>) -> bool {
    state.lock().unwrap_or_else(|e| e.into_inner()).streams.is_empty()
}

fn too_many_streams(streams: usize, limits: &Limits) -> String {
    format!("it has at least {streams} streams, at most {} allowed", limits.max_streams)
}

/// The declared duration held against `max`.
fn check_duration(path: &Path, declared: Option<gst::ClockTime>, max: Duration) -> Result<(), MediaError> {
    match declared {
        Some(declared) if declared.nseconds() > max.as_nanos() as u64 => Err(MediaError::LimitExceeded {
            path: path.to_path_buf(),
            limit: MediaLimit::Duration,
            detail: format!("it declares {} s, at most {} s allowed", declared.seconds(), max.as_secs()),
        }),
        _ => Ok(()),
    }
}
