use session_layout::LayoutError;
use session_media::MediaError;
use session_reasoning::ReasoningError;
use session_safety::SafetyError;
use session_transcribe::TranscribeError;

/// Everything that can stop a session from being processed. Each variant is something a caller
/// can act on; [`ProcessingError::code`] gives the stable code the bindings carry.
#[derive(Debug, thiserror::Error)]
pub enum ProcessingError {
    /// The request itself is invalid: a session id, an input URI, a bucket name.
    #[error("invalid input: {0}")]
    Input(String),
    /// The input lies in the session folder this run replaces, under a name the run would remove
    /// (`audio.wav`, another participant's recording): refused before anything is removed.
    #[error(
        "the input {input} is {name} in the folder of session {session_id}, which this run replaces; copy it out of the session folder first, or give the stored recording ({expected})"
    )]
    InputInSessionFolder { input: String, name: String, session_id: String, expected: String },
    /// A number given to the pipeline is out of its range (a participant's offset, …).
    #[error("invalid {field}: {value} is not {expected}")]
    OutOfRange { field: String, value: String, expected: String },
    /// Another run holds the session's lease (decision 014): nothing was written.
    #[error(
        "session {session_id} is being processed by another run ({holder}); wait for that run to finish, or retry after its lease expires"
    )]
    SessionBusy { session_id: String, holder: String },
    /// This run's lease on the session was taken over (it could not renew it in time).
    #[error(
        "the lease on session {session_id} was lost (another run may have taken it over); this run stopped before writing its results"
    )]
    LeaseLost { session_id: String },
    /// The pipeline was configured inconsistently.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The recording could not be read or decoded. (A cancelled decoder is [`Self::Cancelled`].)
    #[error(transparent)]
    Media(MediaError),
    /// Reading from or writing to storage failed.
    #[error("storage error at {location}: {source}")]
    Storage {
        location: String,
        #[source]
        source: object_store::Error,
    },
    /// A local file (temporary copy, audio) could not be written or read.
    #[error("file error at {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The transcriber failed. (A cancelled transcriber is [`Self::Cancelled`].)
    #[error(transparent)]
    Transcription(TranscribeError),
    /// A safety event was invalid, or a safety detector could not be loaded.
    #[error(transparent)]
    Safety(#[from] SafetyError),
    /// The LLM provider failed or answered something unusable (only ever a stage's failure).
    #[error("reasoning: {0}")]
    Reasoning(#[from] ReasoningError),
    /// A LiveKit webhook failed verification or could not be read (kind `webhook`, with the
    /// HTTP status to answer in [`ProcessingError::http_status`]), or a LiveKit setting is bad.
    #[cfg(feature = "livekit")]
    #[error(transparent)]
    LiveKit(#[from] crate::livekit::LiveKitError),
    /// The run was cancelled (its [`session_media::CancelFlag`] was raised: by the caller, or by
    /// SIGINT/SIGTERM in the CLI), wherever it was: the only way a cancellation is reported, so
    /// [`ProcessingError::is_cancelled`] is the whole check.
    #[error("{}", match session_id {
        Some(id) => format!("processing of session {id} was cancelled"),
        None => "processing was cancelled".to_string(),
    })]
    Cancelled { session_id: Option<String> },
    /// A worker thread died (a bug): reported, never propagated as a panic.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<MediaError> for ProcessingError {
    fn from(error: MediaError) -> Self {
        match error {
            MediaError::Cancelled { .. } => ProcessingError::Cancelled { session_id: None },
            error => ProcessingError::Media(error),
        }
    }
}

impl From<TranscribeError> for ProcessingError {
    fn from(error: TranscribeError) -> Self {
        match error {
            TranscribeError::Cancelled => ProcessingError::Cancelled { session_id: None },
            error => ProcessingError::Transcription(error),
        }
    }
}

impl ProcessingError {
    /// Whether the run was cancelled (rather than failed).
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ProcessingError::Cancelled { .. })
    }

    pub(crate) fn cancelled(session_id: &crate::SessionId) -> Self {
        ProcessingError::Cancelled { session_id: Some(session_id.to_string()) }
    }

    /// This error, naming session `session_id` if it is a cancellation that does not yet.
    pub(crate) fn in_session(self, session_id: &crate::SessionId) -> Self {
        match self {
            ProcessingError::Cancelled { session_id: None } => Self::cancelled(session_id),
            error => error,
        }
    }

    /// A stable, machine-readable code (`input`, `media.input_truncated`, `storage`, …).
    pub fn code(&self) -> String {
        match self {
            ProcessingError::Input(_) => "input".into(),
            ProcessingError::InputInSessionFolder { .. } => "input.in_session_folder".into(),
            ProcessingError::OutOfRange { .. } => "input.out_of_range".into(),
            ProcessingError::SessionBusy { .. } => "session.busy".into(),
            ProcessingError::LeaseLost { .. } => "session.lease_lost".into(),
            ProcessingError::Config(_) => "config".into(),
            ProcessingError::Media(e) => format!("media.{}", e.code()),
            ProcessingError::Storage { .. } => "storage".into(),
            ProcessingError::Io { .. } => "io".into(),
            ProcessingError::Transcription(_) => "transcription".into(),
            ProcessingError::Safety(SafetyError::InvalidEvent { .. } | SafetyError::InvalidJson(_)) => {
                "safety.invalid_event".into()
            }
            ProcessingError::Safety(SafetyError::InvalidFrame(_)) => "safety.invalid_frame".into(),
            ProcessingError::Safety(_) => "safety.model".into(),
            ProcessingError::Reasoning(ReasoningError::Unauthorized { .. }) => "reasoning.unauthorized".into(),
            ProcessingError::Reasoning(ReasoningError::CostCapExceeded { .. }) => "reasoning.cost_cap".into(),
            ProcessingError::Reasoning(ReasoningError::Blocked { .. }) => "reasoning.blocked".into(),
            ProcessingError::Reasoning(_) => "reasoning".into(),
            #[cfg(feature = "livekit")]
            ProcessingError::LiveKit(e) => e.code().into(),
            ProcessingError::Cancelled { .. } => "cancelled".into(),
            ProcessingError::Internal(_) => "internal".into(),
        }
    }

    /// The HTTP status a web handler should answer with: a LiveKit webhook's 400/401/413/415,
    /// `None` for errors that are not about a request.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            #[cfg(feature = "livekit")]
            ProcessingError::LiveKit(e) => Some(e.http_status()),
            _ => None,
        }
    }

    /// The broad kind the bindings map to an exception class: `input`, `media`, `storage`
    /// (including `session.busy`),
    /// `transcription`, `config`, `reasoning`, `webhook`, `cancelled` or `internal`.
    pub fn kind(&self) -> &'static str {
        match self {
            ProcessingError::Input(_)
            | ProcessingError::InputInSessionFolder { .. }
            | ProcessingError::OutOfRange { .. } => "input",
            // Another run writes the session: a conflict in storage, retryable later.
            ProcessingError::SessionBusy { .. } | ProcessingError::LeaseLost { .. } => "storage",
            ProcessingError::Media(
                MediaError::NotFound { .. }
                | MediaError::Empty { .. }
                | MediaError::NotMedia { .. }
                | MediaError::Truncated { .. }
                | MediaError::LimitExceeded { .. },
            ) => "input",
            ProcessingError::Media(_) => "media",
            ProcessingError::Config(_) => "config",
            ProcessingError::Storage { .. } | ProcessingError::Io { .. } => "storage",
            ProcessingError::Transcription(_) => "transcription",
            ProcessingError::Safety(SafetyError::Model { .. }) => "config",
            ProcessingError::Safety(_) => "input",
            ProcessingError::Reasoning(ReasoningError::Unauthorized { .. } | ReasoningError::InvalidConfig(_)) => {
                "config"
            }
            ProcessingError::Reasoning(_) => "reasoning",
            #[cfg(feature = "livekit")]
            ProcessingError::LiveKit(crate::livekit::LiveKitError::Config(_)) => "config",
            #[cfg(feature = "livekit")]
            ProcessingError::LiveKit(_) => "webhook",
            ProcessingError::Cancelled { .. } => "cancelled",
            ProcessingError::Internal(_) => "internal",
        }
    }

    /// A panic caught at a boundary (a binding, a worker), as an `internal` error; no panic may
    /// cross into a host language.
    pub fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Self {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        ProcessingError::Internal(format!("the pipeline panicked: {detail}"))
    }

    pub(crate) fn storage(location: impl Into<String>, source: object_store::Error) -> Self {
        ProcessingError::Storage { location: location.into(), source }
    }

    pub(crate) fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        ProcessingError::Io { path: session_media::escape_controls(&path.to_string()), source }
    }
}

/// A session id, recording input or bucket name refused by `session_layout` is an `input` error
/// with the same message.
impl From<LayoutError> for ProcessingError {
    fn from(error: LayoutError) -> Self {
        match error {
            LayoutError::Input(message) => ProcessingError::Input(message),
        }
    }
}
