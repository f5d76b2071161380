//! Drives one GStreamer pipeline to the end: pulls samples, watches the bus, stops on cancel or stall.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app::AppSink;

use crate::guard::Tripwire;
use crate::plugins::debian_package_for;
use crate::{CancelFlag, MediaError};

/// Limits that keep a broken, damaged or hostile file or plugin from hanging the caller, filling
/// its disk or exhausting its memory. Each broken limit is a [`MediaError::LimitExceeded`] that
/// names it ([`crate::MediaLimit`]); a caller sets a field to widen or narrow one.
#[derive(Clone, Debug)]
pub struct Limits {
    /// A pipeline that delivers nothing for this long is stopped with [`MediaError::Stalled`].
    pub stall_timeout: Duration,
    /// Longest time [`crate::probe`] may take.
    pub probe_timeout: Duration,
    /// Longest declared duration accepted (default 6 hours); also bounds the decoded audio of a
    /// file that declares no duration.
    pub max_duration: Duration,
    /// Decoded audio may run this far past the declared duration (default 60 s); a timestamp jump
    /// that would be filled with hours of silence stops here.
    pub audio_overrun_margin: Duration,
    /// Largest video frame, in pixels, read from the caps and frame headers before any decoder
    /// allocates (default 4096 × 2304, a little over 4K UHD).
    pub max_frame_pixels: u64,
    /// Most streams a recording may have (default 16).
    pub max_streams: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            stall_timeout: Duration::from_secs(30),
            probe_timeout: Duration::from_secs(20),
            max_duration: Duration::from_secs(6 * 3600),
            audio_overrun_margin: Duration::from_secs(60),
            max_frame_pixels: 4096 * 2304,
            max_streams: 16,
        }
    }
}

const PULL_INTERVAL_MS: u64 = 100;

fn pull_interval() -> gst::ClockTime {
    gst::ClockTime::from_mseconds(PULL_INTERVAL_MS)
}

/// Flags shared with pad-added callbacks: whether the wanted stream was linked, and whether the
/// demuxer has announced all of its streams.
#[derive(Clone)]
pub(crate) struct StreamLinks {
    /// Media type prefix of the wanted stream: "audio/" or "video/".
    pub wanted: &'static str,
    pub linked: Arc<AtomicBool>,
    pub all_pads_known: Arc<AtomicBool>,
}

impl StreamLinks {
    pub fn new(wanted: &'static str) -> Self {
        Self { wanted, linked: Arc::default(), all_pads_known: Arc::default() }
    }

    /// Whether a stream of `media_type` is the wanted one; a video stream of still images
    /// (MJPEG: "image/jpeg") counts as video.
    fn wants(&self, media_type: &str) -> bool {
        media_type.starts_with(self.wanted) || (self.wanted == "video/" && media_type.starts_with("image/"))
    }

    fn stream_absent(&self) -> bool {
        self.all_pads_known.load(Ordering::SeqCst) && !self.linked.load(Ordering::SeqCst)
    }

    /// A generic flow error while the wanted stream was never linked means the stream is absent
    /// (the demuxer stops with "not linked" when its only stream has nowhere to go).
    fn explain(&self, error: MediaError, absent: &impl Fn(PathBuf) -> MediaError) -> MediaError {
        match error {
            MediaError::Pipeline { path, .. } if !self.linked.load(Ordering::SeqCst) => absent(path),
            other => other,
        }
    }

    /// Learns from the parser's stream collection whether the wanted stream exists at all.
    fn note_collection(&self, msg: &gst::Message) {
        let gst::MessageView::StreamCollection(collection) = msg.view() else {
            return;
        };
        let wanted_type =
            if self.wanted.starts_with("audio") { gst::StreamType::AUDIO } else { gst::StreamType::VIDEO };
        let present = collection.stream_collection().iter().any(|stream| stream.stream_type().contains(wanted_type));
        if !present {
            self.all_pads_known.store(true, Ordering::SeqCst);
        }
    }
}

/// A pipeline being run for one stage on one file; set to `Null` when dropped.
pub(crate) struct PipelineRun<'a> {
    pub pipeline: gst::Pipeline,
    pub path: &'a Path,
    pub stage: &'static str,
    pub limits: &'a Limits,
    pub cancel: &'a CancelFlag,
    /// Set by pad probes when the data breaks one of the [`Limits`].
    pub tripwire: Tripwire,
    /// Warnings posted on the bus: decoders report the corrupt data they skip this way.
    pub warnings: u32,
    missing_plugin: Option<String>,
    gave_up: GiveUpWatch,
}

impl<'a> PipelineRun<'a> {
    pub fn new(path: &'a Path, stage: &'static str, limits: &'a Limits, cancel: &'a CancelFlag) -> Self {
        Self {
            pipeline: gst::Pipeline::new(),
            path,
            stage,
            limits,
            cancel,
            tripwire: Tripwire::default(),
            warnings: 0,
            missing_plugin: None,
            gave_up: GiveUpWatch::default(),
        }
    }

    pub fn element(&self, factory: &str) -> Result<gst::Element, MediaError> {
        let element = gst::ElementFactory::make(factory).build().map_err(|_| MediaError::MissingPlugin {
            path: self.path.to_path_buf(),
            missing: format!("element {factory}"),
            package: debian_package_for(factory).to_string(),
        })?;
        self.pipeline.add(&element).map_err(|e| self.failure(e.to_string()))?;
        Ok(element)
    }

    pub fn failure(&self, detail: impl Into<String>) -> MediaError {
        MediaError::Pipeline { path: self.path.to_path_buf(), stage: self.stage, detail: detail.into() }
    }

    pub fn set_state(&mut self, state: gst::State) -> Result<(), MediaError> {
        if self.pipeline.set_state(state).is_err() {
            // The reason is on the bus.
            return Err(self
                .next_error(Duration::from_secs(2))
                .unwrap_or_else(|| self.failure(format!("could not change state to {state:?}"))));
        }
        Ok(())
    }

    /// Stops with a typed error when a demuxer gave up before it exposed any stream
    /// ([`demuxer_gave_up`]) while the wanted stream was never linked.
    fn check_demuxer(&mut self, links: &StreamLinks) -> Result<(), MediaError> {
        if links.linked.load(Ordering::SeqCst) {
            return Ok(());
        }
        match self.gave_up.check(self.pipeline.upcast_ref()) {
            Some(detail) => Err(MediaError::NotMedia { path: self.path.to_path_buf(), detail }),
            None => Ok(()),
        }
    }

    /// Waits until the pipeline has prerolled in `Paused` (or failed).
    pub fn wait_preroll(
        &mut self,
        links: &StreamLinks,
        absent: impl Fn(PathBuf) -> MediaError,
    ) -> Result<(), MediaError> {
        let started = Instant::now();
        let bus = self.pipeline.bus().expect("a pipeline always has a bus");
        loop {
            self.check_cancel()?;
            if links.stream_absent() {
                return Err(absent(self.path.to_path_buf()));
            }
            self.check_demuxer(links)?;
            if let Some(msg) = bus.timed_pop(pull_interval()) {
                links.note_collection(&msg);
                if let gst::MessageView::AsyncDone(_) = msg.view() {
                    return Ok(());
                }
                self.inspect(&msg).map_err(|e| links.explain(e, &absent))?;
            }
            if started.elapsed() > self.limits.stall_timeout {
                return Err(self.stalled());
            }
        }
    }

    /// Pulls every sample from `sink` until end of stream, calling `on_sample` for each; an error
    /// from `on_sample` stops the pipeline.
    pub fn drain(
        &mut self,
        sink: &AppSink,
        links: &StreamLinks,
        absent: impl Fn(PathBuf) -> MediaError,
        mut on_sample: impl FnMut(&gst::Sample) -> Result<(), MediaError>,
    ) -> Result<(), MediaError> {
        let bus = self.pipeline.bus().expect("a pipeline always has a bus");
        let mut last_progress = Instant::now();
        loop {
            self.check_cancel()?;
            while let Some(msg) = bus.pop() {
                links.note_collection(&msg);
                self.inspect(&msg).map_err(|e| links.explain(e, &absent))?;
            }
            if let Some(sample) = sink.try_pull_sample(pull_interval()) {
                on_sample(&sample)?;
                last_progress = Instant::now();
                continue;
            }
            if sink.is_eos() {
                return Ok(());
            }
            if links.stream_absent() {
                return Err(absent(self.path.to_path_buf()));
            }
            self.check_demuxer(links)?;
            if last_progress.elapsed() > self.limits.stall_timeout {
                return Err(self.stalled());
            }
        }
    }

    /// Stops on cancel, or when a pad probe found a broken limit.
    fn check_cancel(&self) -> Result<(), MediaError> {
        if self.cancel.is_cancelled() {
            return Err(MediaError::Cancelled { path: self.path.to_path_buf(), stage: self.stage });
        }
        match self.tripwire.error(self.path) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn stalled(&self) -> MediaError {
        MediaError::Stalled {
            path: self.path.to_path_buf(),
            stage: self.stage,
            after_s: self.limits.stall_timeout.as_secs(),
        }
    }

    /// Remembers missing-plugin notices and turns an error message into a typed error.
    fn inspect(&mut self, msg: &gst::Message) -> Result<(), MediaError> {
        match msg.view() {
            gst::MessageView::Element(_) => {
                if let Ok(missing) = gstreamer_pbutils::MissingPluginMessage::parse(msg) {
                    self.missing_plugin = Some(missing.description().to_string());
                }
                Ok(())
            }
            gst::MessageView::Warning(_) => {
                self.warnings = self.warnings.saturating_add(1);
                Ok(())
            }
            gst::MessageView::Error(err) => {
                // Data dropped for a broken limit can make an element fail: the limit is the cause.
                if let Some(error) = self.tripwire.error(self.path) {
                    return Err(error);
                }
                let debug = err.debug().map(|d| d.to_string()).unwrap_or_default();
                Err(classify(self.path, self.stage, &err.error(), &debug, self.missing_plugin.clone()))
            }
            _ => Ok(()),
        }
    }

    fn next_error(&mut self, timeout: Duration) -> Option<MediaError> {
        let bus = self.pipeline.bus()?;
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let msg = bus.timed_pop(pull_interval())?;
            if let Err(e) = self.inspect(&msg) {
                return Some(e);
            }
        }
        None
    }
}

impl Drop for PipelineRun<'_> {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Why a demuxer inside `bin` stopped streaming before it exposed any stream, or `None`. Its
/// streaming task is paused and it has no source pad: it found nothing to play (a file of
/// headers only, or damaged ones). GStreamer 1.22's `parsebin` and `decodebin` drop the error a
/// demuxer posts while they are still starting it, so neither an error nor the end of the stream
/// ever comes; without this the pipeline waits for the watchdog.
fn demuxer_gave_up(bin: &gst::Bin) -> Option<String> {
    let stopped = bin.iterate_recurse().into_iter().flatten().find(|element| {
        let demuxer = element.factory().is_some_and(|f| f.klass().contains("Demux"));
        demuxer
            && element.src_pads().is_empty()
            && element.sink_pads().iter().any(|pad| pad.task_state() == gst::TaskState::Paused)
    })?;
    let name = stopped.factory().map_or_else(|| "the demuxer".to_string(), |f| f.name().to_string());
    Some(format!("{name} stopped before it found any stream: the file holds headers only, or is damaged"))
}

/// How long a demuxer must stay stopped with no stream before it counts as given up: demuxers
/// also pause their task for a moment around their own seeks (oggdemux, matroskademux).
const GAVE_UP_AFTER: Duration = Duration::from_secs(1);

/// Watches a pipeline for a demuxer that gave up ([`demuxer_gave_up`] for [`GAVE_UP_AFTER`]).
#[derive(Default)]
pub(crate) struct GiveUpWatch {
    since: Option<Instant>,
}

impl GiveUpWatch {
    /// Why a demuxer of `bin` gave up, once it has been stopped with no stream long enough.
    pub fn check(&mut self, bin: &gst::Bin) -> Option<String> {
        let Some(detail) = demuxer_gave_up(bin) else {
            self.since = None;
            return None;
        };
        (self.since.get_or_insert_with(Instant::now).elapsed() >= GAVE_UP_AFTER).then_some(detail)
    }
}

/// Turns a GStreamer error into the typed error a caller can act on.
pub(crate) fn classify(
    path: &Path,
    stage: &'static str,
    error: &gstreamer::glib::Error,
    debug: &str,
    missing_plugin: Option<String>,
) -> MediaError {
    let path = path.to_path_buf();
    let text = format!("{} {}", error.message(), debug).to_ascii_lowercase();
    if missing_plugin.is_some()
        || error.matches(gst::CoreError::MissingPlugin)
        || error.matches(gst::StreamError::CodecNotFound)
    {
        let missing = missing_plugin.unwrap_or_else(|| error.message().to_string());
        let package = debian_package_for(&format!("{missing} {debug}")).to_string();
        return MediaError::MissingPlugin { path, missing, package };
    }
    if error.matches(gst::StreamError::TypeNotFound) || error.matches(gst::StreamError::WrongType) {
        return MediaError::NotMedia { path, detail: error.message().to_string() };
    }
    if ["moov", "incomplete", "truncated", "atom", "premature end"].iter().any(|needle| text.contains(needle)) {
        return MediaError::Truncated { path, detail: error.message().to_string() };
    }
    MediaError::Pipeline { path, stage, detail: error.message().to_string() }
}

/// Connects a parser's dynamic pads: the first pad whose caps start with `links.wanted` goes to
/// `target`. Other streams stay unlinked: demuxers carry on while any stream is linked, whereas a
/// fakesink would block the demuxer's thread while the pipeline prerolls in `Paused`.
pub(crate) fn route_pads(source: &gst::Element, target: gst::Pad, links: &StreamLinks) {
    let wanted = links.clone();
    let linked = links.linked.clone();
    source.connect_pad_added(move |_, pad| {
        let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
        let is_wanted = caps.structure(0).is_some_and(|s| wanted.wants(s.name()));
        if is_wanted && !linked.load(Ordering::SeqCst) && pad.link(&target).is_ok() {
            linked.store(true, Ordering::SeqCst);
        }
    });
    let all_pads_known = links.all_pads_known.clone();
    source.connect_no_more_pads(move |_| all_pads_known.store(true, Ordering::SeqCst));
}

/// Links a decoder's dynamic source pad to `target` when it appears.
pub(crate) fn link_decoded(decoder: &gst::Element, target: gst::Pad) {
    decoder.connect_pad_added(move |_, pad| {
        if !target.is_linked() {
            let _ = pad.link(&target);
        }
    });
}

pub(crate) fn filesrc(run: &PipelineRun<'_>) -> Result<gst::Element, MediaError> {
    let src = run.element("filesrc")?;
    src.set_property("location", run.path.to_string_lossy().as_ref());
    Ok(src)
}

pub(crate) fn link(run: &PipelineRun<'_>, elements: &[&gst::Element]) -> Result<(), MediaError> {
    gst::Element::link_many(elements.iter().copied()).map_err(|e| run.failure(e.to_string()))
}

pub(crate) fn sink_pad(run: &PipelineRun<'_>, element: &gst::Element) -> Result<gst::Pad, MediaError> {
    element.static_pad("sink").ok_or_else(|| run.failure("element has no sink pad"))
}

pub(crate) fn seconds(t: Option<gst::ClockTime>) -> Option<f64> {
    t.map(|t| t.nseconds() as f64 / 1e9)
}
