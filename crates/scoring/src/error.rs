//! The crate's one error type.

/// What can go wrong while scoring. Most of the crate cannot fail: missing
/// inputs are reported as `null` plus a reason inside the reports instead.
#[derive(Debug, thiserror::Error)]
pub enum ScoringError {
    /// The audio sample rate is outside what the analyzer supports
    /// (8 000 – 384 000 Hz).
    #[error("unsupported audio sample rate {0} Hz (supported: 8000 to 384000 Hz)")]
    InvalidSampleRate(u32),
    /// The EBU R128 loudness meter refused its configuration.
    #[error("loudness meter: {0}")]
    Loudness(String),
}
