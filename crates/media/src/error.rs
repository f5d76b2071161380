use std::path::{Path, PathBuf};

/// What can go wrong while reading a recording. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error(
        "GStreamer could not start: {0}; install the GStreamer runtime (Debian: libgstreamer1.0-0 gstreamer1.0-plugins-base)"
    )]
    Init(String),
    #[error("recording {} does not exist; check the path", escaped_path(.path))]
    NotFound { path: PathBuf },
    #[error("recording {} is empty (0 bytes); the recorder probably failed before writing anything", escaped_path(.path))]
    Empty { path: PathBuf },
    #[error("could not read {}: {source}", escaped_path(.path))]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{} is not a media file GStreamer recognises ({})", escaped_path(.path), escape_controls(.detail))]
    NotMedia { path: PathBuf, detail: String },
    #[error(
        "{} is truncated or incomplete ({}); an MP4 whose recorder was killed has no index (moov) — re-run the egress or repair the file", escaped_path(.path), escape_controls(.detail)
    )]
    Truncated { path: PathBuf, detail: String },
    #[error("{} needs a GStreamer plugin that is not installed: {missing}; install the Debian package {package}", escaped_path(.path))]
    MissingPlugin { path: PathBuf, missing: String, package: String },
    #[error("{} has no audio stream", escaped_path(.path))]
    NoAudio { path: PathBuf },
    #[error("{} has no video stream", escaped_path(.path))]
    NoVideo { path: PathBuf },
    #[error("{stage} pipeline for {} stalled: no data for {after_s} s (watchdog)", escaped_path(.path))]
    Stalled { path: PathBuf, stage: &'static str, after_s: u64 },
    #[error("{stage} of {} was cancelled", escaped_path(.path))]
    Cancelled { path: PathBuf, stage: &'static str },
    #[error("{stage} pipeline for {} failed: {}", escaped_path(.path), escape_controls(.detail))]
    Pipeline { path: PathBuf, stage: &'static str, detail: String },
    #[error(
        "{} exceeds the {} limit: {}; the file is damaged or hostile, or raise Limits::{} if it is genuine",
        escaped_path(.path), .limit.name(), escape_controls(.detail), .limit.field()
    )]
    LimitExceeded { path: PathBuf, limit: MediaLimit, detail: String },
}

/// Which of the [`crate::Limits`] against hostile media a recording broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaLimit {
    /// More decoded audio than the declared duration plus a margin (a timestamp jump).
    AudioOverrun,
    /// A declared duration longer than the maximum.
    Duration,
    /// A video frame larger than the maximum number of pixels.
    FrameSize,
    /// More streams than the maximum.
    Streams,
}

impl MediaLimit {
    /// Short name used in messages and in [`MediaError::code`] (`limit_<name>`).
    pub fn name(self) -> &'static str {
        match self {
            MediaLimit::AudioOverrun => "audio_overrun",
            MediaLimit::Duration => "duration",
            MediaLimit::FrameSize => "frame_size",
            MediaLimit::Streams => "streams",
        }
    }

    /// The [`crate::Limits`] field that sets this limit.
    pub fn field(self) -> &'static str {
        match self {
            MediaLimit::AudioOverrun => "audio_overrun_margin",
            MediaLimit::Duration => "max_duration",
            MediaLimit::FrameSize => "max_frame_pixels",
            MediaLimit::Streams => "max_streams",
        }
    }
}

impl MediaError {
    /// A stable machine-readable code for bindings and manifests.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::Init(_) => "media_init",
            MediaError::NotFound { .. } => "input_not_found",
            MediaError::Empty { .. } => "input_empty",
            MediaError::Io { .. } => "input_io",
            MediaError::NotMedia { .. } => "input_not_media",
            MediaError::Truncated { .. } => "input_truncated",
            MediaError::MissingPlugin { .. } => "decoder_missing",
            MediaError::NoAudio { .. } => "no_audio",
            MediaError::NoVideo { .. } => "no_video",
            MediaError::Stalled { .. } => "media_stalled",
            MediaError::Cancelled { .. } => "cancelled",
            MediaError::Pipeline { .. } => "media_pipeline",
            MediaError::LimitExceeded { limit, .. } => match limit {
                MediaLimit::AudioOverrun => "limit_audio_overrun",
                MediaLimit::Duration => "limit_duration",
                MediaLimit::FrameSize => "limit_frame_size",
                MediaLimit::Streams => "limit_streams",
            },
        }
    }
}

/// `text` with control characters (newlines, escapes, NUL, …) written as escapes, so that a
/// hostile file name cannot forge lines or terminal sequences in a message or a log.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A path for a message: lossy UTF-8 with control characters escaped.
pub fn escaped_path(path: &Path) -> String {
    escape_controls(&path.display().to_string())
}
