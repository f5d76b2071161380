//! Realtime safety on a server: frames from any source (a LiveKit subscriber, a browser upload)
//! scored as they arrive, events returned at once.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use session_scoring::{FrameStats, FrozenFrameDetector, frame_stats, luma_from_rgb};

use crate::nudity::{DEFAULT_NUDITY_THRESHOLD, NudityDetector, NudityScores, PixelFormat};
use crate::{
    DetectorInfo, Evidence, SafetyCategory, SafetyDecision, SafetyError, SafetyEvent, SafetySource, SignalThresholds,
    signal_detector, stretch_score,
};

/// What a [`SafetyChecker`] looks for.
#[derive(Clone, Debug)]
pub struct SafetyCheckerSettings {
    /// The participant (LiveKit identity) the frames come from, written into events.
    pub participant: Option<String>,
    /// Folder of the converted nsfwjs model (`scripts/prepare-nsfw-model`); `None` turns nudity off
    /// (unless a detector is given with [`SafetyChecker::with_nudity_detector`]).
    pub nudity_model: Option<PathBuf>,
    /// Nudity flag threshold on [`NudityScores::nudity_score`].
    pub nudity_threshold: f64,
    /// Suspicious-behaviour threshold and shortest stretch.
    pub signals: SignalThresholds,
    /// Nudity is not reported again within this many seconds of media time.
    pub repeat_after_s: f64,
}

impl Default for SafetyCheckerSettings {
    fn default() -> Self {
        SafetyCheckerSettings {
            participant: None,
            nudity_model: None,
            nudity_threshold: DEFAULT_NUDITY_THRESHOLD,
            signals: SignalThresholds::default(),
            repeat_after_s: 10.0,
        }
    }
}

/// What one frame showed.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct FrameCheck {
    /// The frame's time on its track, seconds.
    pub time_s: f64,
    /// The model's class probabilities; null when no nudity model is loaded.
    pub nudity: Option<NudityScores>,
    /// 0..1 nudity score (`porn + hentai + 0.5 × sexy`); null without a model.
    pub nudity_score: Option<f64>,
    /// The picture is black or covered.
    pub covered: bool,
    /// The picture is identical to the previous frame.
    pub frozen: bool,
    /// Events flagged by this frame (nudity at most once per `repeat_after_s`, a covered or frozen
    /// stretch once).
    pub events: Vec<SafetyEvent>,
}

/// A stretch of covered or frozen frames.
#[derive(Clone, Copy, Debug)]
struct HiddenStretch {
    since_s: f64,
    reported: bool,
}

/// Scores a stream of frames from one participant. Keep one checker per video track: it
/// remembers how long the picture has been covered or frozen.
pub struct SafetyChecker {
    settings: SafetyCheckerSettings,
    nudity: Option<Arc<dyn NudityDetector>>,
    previous: Option<FrameStats>,
    /// The covered/frozen stretch the track is in: when it began, and whether it was reported.
    hidden: Option<HiddenStretch>,
    /// Media time of the last nudity event.
    last_nudity_s: Option<f64>,
}

impl SafetyChecker {
    /// Loads the nudity model when one is configured; a missing or broken model folder is a
    /// [`SafetyError::Model`] that names it (`session_processing` reports it as a `config` error),
    /// and so is a folder given to a build without the `nudity-model` feature.
    pub fn new(settings: SafetyCheckerSettings) -> Result<Self, SafetyError> {
        let nudity = match &settings.nudity_model {
            Some(folder) => Some(load_nsfwjs(folder)?),
            None => None,
        };
        Ok(SafetyChecker { settings, nudity, previous: None, hidden: None, last_nudity_s: None })
    }

    /// A checker that scores nudity with your own detector (`settings.nudity_model` is not read).
    pub fn with_nudity_detector(settings: SafetyCheckerSettings, detector: Arc<dyn NudityDetector>) -> Self {
        SafetyChecker { settings, nudity: Some(detector), previous: None, hidden: None, last_nudity_s: None }
    }

    /// Whether nudity is judged (a model is loaded).
    pub fn has_nudity_model(&self) -> bool {
        self.nudity.is_some()
    }

    /// Scores one frame (`pixels` tightly packed in `format`) shown at `time_s` seconds of the
    /// track, and returns what it showed plus any events it flagged.
    pub fn check_frame(
        &mut self,
        pixels: &[u8],
        width: u32,
        height: u32,
        format: PixelFormat,
        time_s: f64,
    ) -> Result<FrameCheck, SafetyError> {
        if !time_s.is_finite() || time_s < 0.0 {
            return Err(SafetyError::InvalidFrame(format!("time {time_s} s: give seconds from the track's start")));
        }
        let expected = format.frame_len(width, height);
        if width == 0 || height == 0 || pixels.len() != expected {
            return Err(SafetyError::InvalidFrame(format!(
                "{width}x{height} {format:?} needs {expected} bytes, got {}",
                pixels.len()
            )));
        }
        if self.previous.as_ref().is_some_and(|p| time_s < p.time_s) {
            // The track restarted: start the stretches over.
            self.previous = None;
            self.hidden = None;
            self.last_nudity_s = None;
        }
        let luma = luma_plane(pixels, width, height, format);
        let stats = frame_stats(&luma, width, height, width as usize, time_s);
        let covered = stats.is_covered();
        let frozen = self.previous.as_ref().is_some_and(|p| FrozenFrameDetector::default().looks_identical(p, &stats));
        let mut events = Vec::new();
        let nudity = match &self.nudity {
            Some(model) => Some(model.score_frame(pixels, width, height, format)?),
            None => None,
        };
        let nudity_score = nudity.as_ref().map(NudityScores::nudity_score);
        if let (Some(score), Some(detector), Some(scores)) =
            (nudity_score, self.nudity.as_ref().map(|model| model.detector_info()), &nudity)
        {
            let threshold = self.settings.nudity_threshold;
            let due = self.last_nudity_s.is_none_or(|last| time_s - last >= self.settings.repeat_after_s);
            if SafetyDecision::from_score(score, threshold) == SafetyDecision::Flagged && due {
                self.last_nudity_s = Some(time_s);
                let details = serde_json::to_value(scores).ok();
                events.push(self.event(SafetyCategory::Nudity, score, threshold, detector, time_s, details));
            }
        }
        self.track_hidden(covered, frozen, time_s, &mut events);
        self.previous = Some(stats);
        Ok(FrameCheck { time_s, nudity, nudity_score, covered, frozen, events })
    }

    /// A covered or frozen picture that lasts long enough to flag is reported once per stretch.
    fn track_hidden(&mut self, covered: bool, frozen: bool, time_s: f64, events: &mut Vec<SafetyEvent>) {
        let signal = match (covered, frozen) {
            (true, _) => "video_covered",
            (false, true) => "video_frozen",
            (false, false) => {
                self.hidden = None;
                return;
            }
        };
        let stretch = self.hidden.get_or_insert(HiddenStretch { since_s: time_s, reported: false });
        let (since, length) = (stretch.since_s, time_s - stretch.since_s);
        let threshold = self.settings.signals.suspicious_behavior;
        let score = stretch_score(length, 0.0);
        if stretch.reported
            || length < self.settings.signals.min_stretch_s
            || SafetyDecision::from_score(score, threshold) == SafetyDecision::Clear
        {
            return;
        }
        stretch.reported = true;
        let details = serde_json::json!({"signal": signal, "start_s": since, "duration_s": length});
        let detector = signal_detector("hidden-video");
        events.push(self.event(SafetyCategory::SuspiciousBehavior, score, threshold, detector, since, Some(details)));
    }

    fn event(
        &self,
        category: SafetyCategory,
        score: f64,
        threshold: f64,
        detector: DetectorInfo,
        time_s: f64,
        details: Option<serde_json::Value>,
    ) -> SafetyEvent {
        let mut event = SafetyEvent::new(category, score, threshold, SafetySource::RealtimeServer, detector);
        event.participant = self.settings.participant.clone();
        event.media_time_s = Some(time_s);
        event.evidence = Evidence { frame_time_s: Some(time_s), quote: None, details };
        event
    }
}

#[cfg(feature = "nudity-model")]
fn load_nsfwjs(folder: &std::path::Path) -> Result<Arc<dyn NudityDetector>, SafetyError> {
    Ok(Arc::new(crate::NudityClassifier::load(folder)?))
}

#[cfg(not(feature = "nudity-model"))]
fn load_nsfwjs(folder: &std::path::Path) -> Result<Arc<dyn NudityDetector>, SafetyError> {
    Err(SafetyError::Model {
        folder: folder.display().to_string(),
        reason: "this build has no nsfwjs model (feature `nudity-model`): enable it, or give a detector with \
                 SafetyChecker::with_nudity_detector"
            .into(),
    })
}

/// The frame's luma: BT.601 from RGB(A), the Y plane of I420.
fn luma_plane(pixels: &[u8], width: u32, height: u32, format: PixelFormat) -> Cow<'_, [u8]> {
    match format {
        PixelFormat::Rgb8 => Cow::Owned(luma_from_rgb(pixels, width, height, width as usize * 3, 3)),
        PixelFormat::Rgba8 => Cow::Owned(luma_from_rgb(pixels, width, height, width as usize * 4, 4)),
        PixelFormat::I420 => Cow::Borrowed(&pixels[..width as usize * height as usize]),
    }
}
