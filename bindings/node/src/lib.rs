//! Node.js bindings for Session Monitor (`session_processing`), built with napi-rs.
//!
//! The native layer only converts types: `NativeProcessor` wraps the core's `SessionProcessor`
//! and resolves with the `SessionResult` as JSON text; `index.js` adds the public
//! `SessionProcessor` class (`AbortSignal` → `CancelToken`, `JSON.parse`), and
//! `NativeSafetyChecker` the realtime `SafetyChecker`, `NativeWebhookReceiver` and `signWebhook`
//! LiveKit's webhooks (`WebhookReceiver`). Errors become JS `Error`s with `code`, `kind` and, for
//! webhooks, `httpStatus` (`errors.rs`).

mod cancel;
mod errors;
mod processor;
mod report;
mod safety;
mod webhook;

pub use cancel::CancelToken;
pub use processor::{LoadProcessor, NativeProcessor, ParticipantRecording, ProcessorOptions, S3Options};
pub use report::render_report;
pub use safety::{CheckFrame, LoadSafetyChecker, NativeSafetyChecker, SafetyCheckerOptions};
pub use webhook::{NativeWebhookReceiver, WebhookReceiverOptions, sign_webhook};

/// The version of `session_processing` inside this addon.
#[napi_derive::napi]
pub const LIBRARY_VERSION: &str = session_processing::LIBRARY_VERSION;
