//! What a recording contains, read by GStreamer's discoverer without decoding it.

use std::path::Path;

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_pbutils::prelude::*;
use gstreamer_pbutils::{Discoverer, DiscovererResult, DiscovererStreamInfo};
use serde::{Deserialize, Serialize};

use crate::plugins::{debian_package_for, missing_decoder};
use crate::runner::classify;
use crate::{Limits, MediaError, check_input, init};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    Audio,
    Video,
    Subtitle,
    Other,
}

/// One elementary stream of a recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StreamInfo {
    pub kind: StreamKind,
    /// Human-readable codec name, e.g. "H.264 (High Profile)".
    pub codec: String,
    /// GStreamer media type, e.g. "video/x-h264".
    pub media_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub frame_rate: Option<f64>,
    pub sample_rate: Option<u32>,
    pub channels: Option<u32>,
    pub bitrate: Option<u32>,
}

/// Container, duration and streams of a recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MediaInfo {
    pub container: Option<String>,
    pub duration_s: Option<f64>,
    pub size_bytes: u64,
    pub streams: Vec<StreamInfo>,
}

impl MediaInfo {
    pub fn audio(&self) -> Option<&StreamInfo> {
        self.streams.iter().find(|s| s.kind == StreamKind::Audio)
    }

    pub fn video(&self) -> Option<&StreamInfo> {
        self.streams.iter().find(|s| s.kind == StreamKind::Video)
    }
}

/// Reads container, duration and streams of `path`.
pub fn probe(path: &Path, limits: &Limits) -> Result<MediaInfo, MediaError> {
    let size_bytes = check_input(path)?;
    init()?;
    // The discoverer decodes a frame of each stream: hostile sizes must be refused before it runs.
    crate::scan::check_limits(path, limits)?;
    let absolute = std::path::absolute(path).map_err(|source| MediaError::Io { path: path.to_path_buf(), source })?;
    let uri = glib::filename_to_uri(&absolute, None)
        .map_err(|e| MediaError::NotMedia { path: path.to_path_buf(), detail: e.to_string() })?;
    let timeout = gst::ClockTime::from_mseconds(limits.probe_timeout.as_millis() as u64);
    let discoverer = Discoverer::new(timeout).map_err(|e| MediaError::Init(e.to_string()))?;
    let info = discoverer.discover_uri(&uri).map_err(|e| match classify(path, "probe", &e, "", None) {
        MediaError::MissingPlugin { .. } => missing_plugin(path, limits),
        other => other,
    })?;
    match info.result() {
        DiscovererResult::Ok => {}
        DiscovererResult::MissingPlugins => return Err(missing_plugin(path, limits)),
        DiscovererResult::Timeout => {
            return Err(MediaError::Stalled {
                path: path.to_path_buf(),
                stage: "probe",
                after_s: limits.probe_timeout.as_secs(),
            });
        }
        other => {
            return Err(MediaError::NotMedia {
                path: path.to_path_buf(),
                detail: format!("discoverer result {other:?}"),
            });
        }
    }
    let streams: Vec<StreamInfo> = info.stream_list().iter().map(stream_info).collect();
    if streams.iter().all(|s| !matches!(s.kind, StreamKind::Audio | StreamKind::Video)) {
        return Err(MediaError::NotMedia { path: path.to_path_buf(), detail: "no audio or video stream".into() });
    }
    let container = info
        .stream_info()
        .filter(|s| s.is::<gstreamer_pbutils::DiscovererContainerInfo>())
        .and_then(|s| s.caps())
        .map(|caps| gstreamer_pbutils::pb_utils_get_codec_description(&caps).to_string());
    Ok(MediaInfo { container, duration_s: info.duration().map(|d| d.nseconds() as f64 / 1e9), size_bytes, streams })
}

/// Names the decoder a recording lacks and the Debian package that provides it.
fn missing_plugin(path: &Path, limits: &Limits) -> MediaError {
    let (missing, media_type) = missing_decoder(path, limits.probe_timeout)
        .unwrap_or_else(|| ("a decoder or demuxer for this recording".into(), String::new()));
    let package = debian_package_for(&format!("{media_type} {missing}")).to_string();
    let missing = if media_type.is_empty() { missing } else { format!("{missing} ({media_type})") };
    MediaError::MissingPlugin { path: path.to_path_buf(), missing, package }
}

fn stream_info(stream: &DiscovererStreamInfo) -> StreamInfo {
    let caps = stream.caps();
    let media_type = caps.as_ref().and_then(|c| c.structure(0).map(|s| s.name().to_string())).unwrap_or_default();
    let codec = caps
        .as_ref()
        .map(|c| gstreamer_pbutils::pb_utils_get_codec_description(c).to_string())
        .unwrap_or_else(|| media_type.clone());
    let mut info = StreamInfo {
        kind: StreamKind::Other,
        codec,
        media_type,
        width: None,
        height: None,
        frame_rate: None,
        sample_rate: None,
        channels: None,
        bitrate: None,
    };
    if let Some(video) = stream.downcast_ref::<gstreamer_pbutils::DiscovererVideoInfo>() {
        let fps = video.framerate();
        info.kind = StreamKind::Video;
        info.width = Some(video.width());
        info.height = Some(video.height());
        info.frame_rate = (fps.numer() > 0 && fps.denom() > 0).then(|| fps.numer() as f64 / fps.denom() as f64);
        info.bitrate = (video.bitrate() > 0).then(|| video.bitrate());
    } else if let Some(audio) = stream.downcast_ref::<gstreamer_pbutils::DiscovererAudioInfo>() {
        info.kind = StreamKind::Audio;
        info.sample_rate = Some(audio.sample_rate());
        info.channels = Some(audio.channels());
        info.bitrate = (audio.bitrate() > 0).then(|| audio.bitrate());
    } else if stream.is::<gstreamer_pbutils::DiscovererSubtitleInfo>() {
        info.kind = StreamKind::Subtitle;
    }
    info
}
