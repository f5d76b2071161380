use std::path::PathBuf;

/// Everything that can go wrong while turning speech into text.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// No model was found where we looked.
    #[error("no Whisper model found in {searched}: {hint}")]
    ModelNotFound { searched: String, hint: String },
    /// The Silero VAD folder lacks a file.
    #[error("no Silero VAD model file at {path}: {hint}")]
    VadModelNotFound { path: PathBuf, hint: String },
    /// A model file exists but cannot be read or parsed.
    #[error("model file {path} is invalid: {reason}")]
    InvalidModel { path: PathBuf, reason: String },
    /// The audio handed in cannot be transcribed (empty, wrong rate, …).
    #[error("invalid audio for transcription: {0}")]
    InvalidAudio(String),
    /// A transcriber's settings cannot work (a non-positive chunk length, …).
    #[error("invalid transcriber configuration: {0}")]
    InvalidConfig(String),
    /// The remote service refused the credentials.
    #[error("transcription service rejected the access token (HTTP 401): check HUGGINGFACE_ACCESS_TOKEN")]
    Unauthorized,
    /// The remote service is rate limiting us.
    #[error("transcription service is rate limiting (HTTP 429); retry after {retry_after_s:?} s")]
    RateLimited { retry_after_s: Option<u64> },
    /// The remote model is still loading.
    #[error("transcription model is loading (HTTP 503); estimated {estimated_s:?} s")]
    ModelLoading { estimated_s: Option<f64> },
    /// Any other failure inside the model or the service.
    #[error("transcription failed: {0}")]
    Failed(String),
    /// The caller cancelled the run.
    #[error("transcription cancelled")]
    Cancelled,
}
