//! The crate's one error type.

/// What can go wrong with safety events and detectors.
#[derive(Debug, thiserror::Error)]
pub enum SafetyError {
    /// An event failed validation: names the field, the value and what is allowed.
    #[error("invalid safety event: field `{field}` = {value}: {expected}")]
    InvalidEvent { field: &'static str, value: String, expected: String },
    /// An event is not valid JSON or lacks a field.
    #[error("invalid safety event JSON: {0}")]
    InvalidJson(String),
    /// A frame's pixel buffer does not match its declared size.
    #[error("invalid frame: {0}")]
    InvalidFrame(String),
    /// A frame's buffer length does not match its format and size.
    #[error(
        "invalid frame: {format} {width}x{height} needs {expected} bytes, got {actual}: \
         pass tightly packed pixels (no row padding) in the declared format"
    )]
    FrameSize { format: &'static str, width: u32, height: u32, expected: usize, actual: usize },
    /// A detector's model folder is missing a file or holds something unexpected.
    #[error("safety model in {folder}: {reason}")]
    Model { folder: String, reason: String },
    /// A loaded model failed while running (a shape its layers cannot take).
    #[error("safety model {model}: inference failed: {reason}")]
    Inference { model: String, reason: String },
}
