//! The one place where `ProcessingError` becomes a Python exception.
//!
//! `SessionProcessingError` carries `.code` (`ProcessingError::code`, e.g. `media.input_truncated`),
//! `.kind` and `.http_status` (`ProcessingError::http_status`: set for LiveKit webhook errors,
//! else `None`), and one subclass per kind. A panic never crosses into Python: it becomes a
//! `SessionProcessingError` with code `internal`.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use session_processing::ProcessingError;

pyo3::create_exception!(
    session_monitor,
    SessionProcessingError,
    PyException,
    "A session could not be processed. `.code` is the stable machine-readable code \
     (`input`, `media.input_truncated`, `storage`, ...), `.kind` the broad kind."
);
pyo3::create_exception!(
    session_monitor,
    InputError,
    SessionProcessingError,
    "The request or the recording is unusable: a bad session id or URI, a missing, empty, \
     truncated or non-media file."
);
pyo3::create_exception!(
    session_monitor,
    MediaError,
    SessionProcessingError,
    "The recording could not be decoded (a missing decoder, a stalled pipeline, ...)."
);
pyo3::create_exception!(
    session_monitor,
    StorageError,
    SessionProcessingError,
    "Reading from or writing to storage (S3 or a local folder) failed."
);
pyo3::create_exception!(session_monitor, TranscriptionError, SessionProcessingError, "The transcriber failed.");
pyo3::create_exception!(
    session_monitor,
    ConfigError,
    SessionProcessingError,
    "The processor was configured inconsistently (e.g. unusable S3 settings, a missing or broken \
     model folder, an unusable Gemini key)."
);
pyo3::create_exception!(
    session_monitor,
    ReasoningError,
    SessionProcessingError,
    "The LLM provider failed or answered something unusable."
);
pyo3::create_exception!(
    session_monitor,
    WebhookError,
    SessionProcessingError,
    "A LiveKit webhook failed verification or could not be read. `.http_status` is what the \
     endpoint should answer (401 not from our LiveKit, 400 malformed, 413 too large, 415 wrong \
     content type)."
);
pyo3::create_exception!(
    session_monitor,
    CancelledError,
    SessionProcessingError,
    "The run was cancelled through its CancelToken."
);

/// The Python exception for `error`, with `.code` and `.kind` set and Rust's message.
pub(crate) fn to_py_err(py: Python<'_>, error: &ProcessingError) -> PyErr {
    let message = error.to_string();
    let err = match error.kind() {
        "input" => InputError::new_err(message),
        "media" => MediaError::new_err(message),
        "storage" => StorageError::new_err(message),
        "transcription" => TranscriptionError::new_err(message),
        "config" => ConfigError::new_err(message),
        "reasoning" => ReasoningError::new_err(message),
        "webhook" => WebhookError::new_err(message),
        "cancelled" => CancelledError::new_err(message),
        _ => SessionProcessingError::new_err(message),
    };
    let value = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail in practice; if it did, the
    // class-level defaults (see `register`) still answer.
    let _ = value.setattr("code", error.code());
    let _ = value.setattr("kind", error.kind());
    let _ = value.setattr("http_status", error.http_status());
    err
}

/// Adds the exception classes to the module, with class-level `code` / `kind` / `http_status`
/// defaults so that an exception raised from Python code also answers them (`http_status` is
/// `None` except for `WebhookError`, where it defaults to 400).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let classes = [
        ("SessionProcessingError", py.get_type::<SessionProcessingError>(), "internal"),
        ("InputError", py.get_type::<InputError>(), "input"),
        ("MediaError", py.get_type::<MediaError>(), "media"),
        ("StorageError", py.get_type::<StorageError>(), "storage"),
        ("TranscriptionError", py.get_type::<TranscriptionError>(), "transcription"),
        ("ConfigError", py.get_type::<ConfigError>(), "config"),
        ("ReasoningError", py.get_type::<ReasoningError>(), "reasoning"),
        ("WebhookError", py.get_type::<WebhookError>(), "webhook"),
        ("CancelledError", py.get_type::<CancelledError>(), "cancelled"),
    ];
    for (name, class, kind) in classes {
        class.setattr("code", kind)?;
        class.setattr("kind", kind)?;
        class.setattr("http_status", if kind == "webhook" { Some(400) } else { None })?;
        m.add(name, class)?;
    }
    Ok(())
}
