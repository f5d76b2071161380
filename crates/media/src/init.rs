use std::sync::OnceLock;

use crate::MediaError;

static INIT: OnceLock<Result<(), String>> = OnceLock::new();

/// Initialises GStreamer once per process; later calls return the first outcome.
pub fn init() -> Result<(), MediaError> {
    INIT.get_or_init(|| gstreamer::init().map_err(|e| e.to_string())).clone().map_err(MediaError::Init)
}

/// The GStreamer runtime version, e.g. "GStreamer 1.22.0", or "unavailable".
pub fn gstreamer_version() -> String {
    match init() {
        Ok(()) => gstreamer::version_string().to_string(),
        Err(_) => "unavailable".into(),
    }
}
