//! The crate's one error type.

/// A session id, recording input or bucket name that cannot be used. The message names the value
/// (escaped, cut to 40 characters for ids) and says what is allowed; `session_processing`
/// carries it as `ProcessingError::Input` with the same text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The value is not valid input: the message says which value and why.
    #[error("invalid input: {0}")]
    Input(String),
}
