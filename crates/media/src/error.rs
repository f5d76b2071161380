use std::path::PathBuf;

/// What can go wrong while reading a recording. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error(
        "GStreamer could not start: {0}; install the GStreamer runtime (Debian: libgstreamer1.0-0 gstreamer1.0-plugins-base)"
    )]
    Init(String),
    #[error("recording {path} does not exist; check the path")]
    NotFound { path: PathBuf },
    #[error("recording {path} is empty (0 bytes); the recorder probably failed before writing anything")]
    Empty { path: PathBuf },
    #[error("could not read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a media file GStreamer recognises ({detail})")]
    NotMedia { path: PathBuf, detail: String },
    #[error(
        "{path} is truncated or incomplete ({detail}); an MP4 whose recorder was killed has no index (moov) — re-run the egress or repair the file"
    )]
    Truncated { path: PathBuf, detail: String },
    #[error("{path} needs a GStreamer plugin that is not installed: {missing}; install the Debian package {package}")]
    MissingPlugin { path: PathBuf, missing: String, package: String },
    #[error("{path} has no audio stream")]
    NoAudio { path: PathBuf },
    #[error("{path} has no video stream")]
    NoVideo { path: PathBuf },
    #[error("{stage} pipeline for {path} stalled: no data for {after_s} s (watchdog)")]
    Stalled { path: PathBuf, stage: &'static str, after_s: u64 },
    #[error("{stage} of {path} was cancelled")]
    Cancelled { path: PathBuf, stage: &'static str },
    #[error("{stage} pipeline for {path} failed: {detail}")]
    Pipeline { path: PathBuf, stage: &'static str, detail: String },
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
        }
    }
}
