use std::path::PathBuf;

/// Everything that can go wrong while turning speech into text.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// No model was found where we looked.
    #[error("no Whisper model found in {searched}: {hint}")]
    ModelNotFound { searched: String, hint: String },
    /// Hub model `model` is not in the cache and downloads are off (`HF_HUB_OFFLINE=1`,
    /// `--offline`, or a build without the `hub-download` feature).
    #[error(
        "{file} of hub model {model} is not in the Hugging Face cache ({cache}) and downloads are off ({why}): {hint}"
    )]
    HubOffline { model: String, file: String, cache: PathBuf, why: String, hint: String },
    /// The hub refused access (HTTP 401 or 403): a gated, private or unknown repository.
    #[error("the Hugging Face hub refused {file} of {model} (HTTP {status}{code}): {hint}")]
    HubAccessDenied { model: String, file: String, status: u16, code: String, hint: String },
    /// The hub has no such model, revision or file (HTTP 404).
    #[error(
        "the Hugging Face hub has no {what} (HTTP 404{code}): check the model id and revision, or pass a model folder"
    )]
    HubNotFound { model: String, file: String, what: String, code: String },
    /// The hub could not be reached (no network, DNS, refused connection, timeout).
    #[error(
        "cannot reach the Hugging Face hub at {endpoint} for {file} of {model} ({reason}): this machine looks \
         offline. Copy a hub cache that holds the model from a machine with a network (set HF_HUB_CACHE to it), \
         or pass a model folder (--model FOLDER, e.g. the one scripts/prepare-whisper-tiny prints)"
    )]
    HubUnreachable { model: String, file: String, endpoint: String, reason: String },
    /// A download started but failed (a server error, a cut connection, a size or checksum
    /// mismatch, a cache that cannot be written). Nothing partial is left looking complete.
    #[error("downloading {file} of hub model {model} failed: {reason}")]
    HubDownload { model: String, file: String, reason: String },
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
