//! The one place where `ProcessingError` becomes a JavaScript `Error`.
//!
//! The error carries Rust's message, `code` (`ProcessingError::code`: `input`,
//! `media.input_truncated`, `storage`, `cancelled`, …) and `kind` (`ProcessingError::kind`:
//! `input`, `media`, `storage`, `transcription`, `config`, `webhook`, `cancelled`, `internal`), and
//! `httpStatus` where `ProcessingError::http_status` gives one (a LiveKit webhook's 401, 413, …).
//! A panic never crosses into JavaScript: it becomes an error with code `internal`.

use napi::bindgen_prelude::JsObjectValue;
use napi::{Env, JsValue, Status};
use session_processing::ProcessingError;

/// A thrown or rejected JS `Error` for `error`, with `code`, `kind` and (when the error has one)
/// `httpStatus` set. Call on the JS thread.
pub(crate) fn to_js_error(env: &Env, error: &ProcessingError) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut object = env.create_error(napi::Error::new(Status::GenericFailure, error.to_string()))?;
        object.set_named_property("code", error.code())?;
        object.set_named_property("kind", error.kind())?;
        if let Some(status) = error.http_status() {
            object.set_named_property("httpStatus", u32::from(status))?;
        }
        Ok(napi::Error::from(object.to_unknown()))
    };
    // Should the object not be made, the message still arrives (with napi's own code).
    build().unwrap_or_else(|_| napi::Error::new(Status::GenericFailure, error.to_string()))
}
