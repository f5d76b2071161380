//! Signs that a recording is damaged, gathered while it is decoded: stretches of audio missing
//! from the stream (filled with silence) and decoding errors the decoders reported and skipped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use serde::{Deserialize, Serialize};

/// A stretch of media time with no data in the stream.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MissingStretch {
    pub start_s: f64,
    pub duration_s: f64,
}

/// What a decode saw of damage; all zero and empty for an intact recording.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DamageReport {
    /// Duration the container declared when decoding started, if any.
    pub declared_duration_s: Option<f64>,
    /// Stretches missing from the stream, longer than [`MIN_MISSING_S`], and the missing end
    /// when the decode stopped [`MIN_MISSING_END_S`] or more short of the declared duration.
    pub missing: Vec<MissingStretch>,
    /// Decoding errors the decoders skipped (warnings on the bus).
    pub decoder_errors: u32,
    /// The file ends before its own structure says it should (a recorder killed mid-write, a
    /// copy cut short), known even when the container declares no duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<CutEnd>,
}

/// Where a cut file's decoded media ends, and what in the file shows the cut.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CutEnd {
    /// End of the media decoded before the cut.
    pub after_s: f64,
    /// What is cut, e.g. "the last Ogg page, at byte 8000, needs 4100 bytes but the file ends
    /// after 1200".
    pub detail: String,
}

impl DamageReport {
    pub fn is_damaged(&self) -> bool {
        !self.missing.is_empty() || self.decoder_errors > 0 || self.cut.is_some()
    }
}

/// Shortest hole in the timestamps that counts as missing media.
pub const MIN_MISSING_S: f64 = 0.1;

/// Shortest shortfall of decoded media against the declared duration that counts as a missing
/// end (decoders and containers disagree by a few frames).
pub const MIN_MISSING_END_S: f64 = 0.5;

/// Adds the end of the recording to `missing` when the decode stopped short of the declared
/// duration (a truncated file, or a demuxer that lost its way in corrupt bytes).
pub(crate) fn note_missing_end(missing: &mut Vec<MissingStretch>, declared_s: Option<f64>, decoded_end_s: f64) {
    if let Some(declared_s) = declared_s
        && declared_s - decoded_end_s >= MIN_MISSING_END_S
    {
        missing.push(MissingStretch { start_s: decoded_end_s, duration_s: declared_s - decoded_end_s });
    }
}

/// Key frames that went into a decoder and key frames that came out, counted since the last
/// flush: GStreamer 1.22's decoders conceal or drop a frame they cannot decode and only log it
/// (no bus message), so a key frame that never comes out is how a skipped damaged piece shows.
#[derive(Default)]
pub(crate) struct KeyFrameCount {
    went_in: AtomicU64,
    came_out: AtomicU64,
}

impl KeyFrameCount {
    /// Key frames the decoder did not deliver.
    pub fn lost(&self) -> u32 {
        let lost = self.went_in.load(Ordering::SeqCst).saturating_sub(self.came_out.load(Ordering::SeqCst));
        lost.min(u32::MAX as u64) as u32
    }
}

/// Counts key frames (buffers without the delta-unit flag) passing `input` (compressed, before
/// the decoder) and `output` (decoded); a flush resets the count on its side.
pub(crate) fn count_key_frames(input: &gst::Pad, output: &gst::Pad) -> Arc<KeyFrameCount> {
    let count = Arc::new(KeyFrameCount::default());
    for (pad, counter) in [(input, 0), (output, 1)] {
        let count = count.clone();
        pad.add_probe(gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_FLUSH, move |_, info| {
            let slot = if counter == 0 { &count.went_in } else { &count.came_out };
            match &info.data {
                Some(gst::PadProbeData::Buffer(buffer)) if !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT) => {
                    slot.fetch_add(1, Ordering::SeqCst);
                }
                Some(gst::PadProbeData::Event(event)) if event.type_() == gst::EventType::FlushStop => {
                    slot.store(0, Ordering::SeqCst);
                }
                _ => {}
            }
            gst::PadProbeReturn::Ok
        });
    }
    count
}

/// Most stretches kept; a pathological file cannot grow the report without bound.
const MAX_STRETCHES: usize = 1000;

/// Watches buffer timestamps on `pad` (before gaps are filled) and records every hole.
pub(crate) fn watch_missing(pad: &gst::Pad) -> Arc<Mutex<Vec<MissingStretch>>> {
    let missing: Arc<Mutex<Vec<MissingStretch>>> = Arc::default();
    let found = missing.clone();
    let expected: Mutex<Option<gst::ClockTime>> = Mutex::default();
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        let Some(gst::PadProbeData::Buffer(buffer)) = &info.data else {
            return gst::PadProbeReturn::Ok;
        };
        let Some(pts) = buffer.pts() else {
            return gst::PadProbeReturn::Ok;
        };
        let mut expected = expected.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(expected) = *expected
            && pts > expected
        {
            let duration_s = (pts - expected).nseconds() as f64 / 1e9;
            let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
            if duration_s >= MIN_MISSING_S && found.len() < MAX_STRETCHES {
                found.push(MissingStretch { start_s: expected.nseconds() as f64 / 1e9, duration_s });
            }
        }
        let end = pts + buffer.duration().unwrap_or(gst::ClockTime::ZERO);
        *expected = Some(expected.map_or(end, |e| e.max(end)));
        gst::PadProbeReturn::Ok
    });
    missing
}
