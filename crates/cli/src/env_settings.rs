//! S3 settings from the environment: the CLI is one of the few places that reads it.

use session_processing::S3Settings;

/// The usual `AWS_*` variables plus `S3_ENDPOINT`, `S3_FORCE_PATH_STYLE` and `S3_TIMEOUT_S`
/// ([`S3Settings::from_variables`]).
pub fn s3_settings() -> Result<S3Settings, String> {
    S3Settings::from_variables(|name| std::env::var(name).ok()).map_err(|e| e.to_string())
}
