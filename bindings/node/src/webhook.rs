//! `NativeWebhookReceiver` and `signWebhook`: the core's LiveKit `WebhookVerifier` and
//! `sign_webhook`, for a web handler.
//!
//! Verification takes microseconds, so `receive` runs on the calling thread and returns the
//! core's `WebhookDelivery` as JSON text (`index.js` parses it). A failed delivery throws an
//! `Error` with `code` (`livekit.bad_signature`, …), `kind` (`webhook`) and `httpStatus`
//! (`errors.rs`). A panic becomes an `internal` error, never a JavaScript crash.

use std::time::Duration;

use napi::Env;
use napi::bindgen_prelude::{Either, Uint8Array};
use napi_derive::napi;
use session_processing::ProcessingError;
use session_processing::host::guarded;
use session_processing::livekit::{LiveKitError, RecordingStore, WebhookVerifier, sign_webhook as sign};

use crate::errors::to_js_error;

/// A raw request body: bytes (`Buffer`, `Uint8Array`) or text, read as UTF-8. Spelled out in the
/// signatures, so that the generated `binding.d.ts` says `Uint8Array | string`.
type Body = Either<Uint8Array, String>;

#[napi(object, object_to_js = false)]
pub struct WebhookReceiverOptions {
    /// The API key livekit-server signs webhooks with (its `webhook.api_key`).
    pub api_key: String,
    /// That key's secret. Never appears in error messages.
    pub api_secret: String,
    /// Where egress writes recordings: `s3://bucket`, a bucket ARN, or a local folder.
    pub recordings: String,
    /// Clock skew tolerated on the token's `exp` and `nbf`, in seconds (default 60).
    pub leeway_s: Option<f64>,
    /// Largest body accepted, in bytes (default 1 MiB); a larger one throws with `httpStatus` 413.
    pub max_body_bytes: Option<i64>,
}

/// The native webhook receiver; use `WebhookReceiver` from the package instead.
#[napi]
pub struct NativeWebhookReceiver {
    verifier: WebhookVerifier,
    store: RecordingStore,
}

#[napi]
impl NativeWebhookReceiver {
    /// Throws an `Error` with `kind` `config` for an empty key or secret, an unusable
    /// `recordings` location, or a negative `leewayS` / `maxBodyBytes`.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: WebhookReceiverOptions) -> napi::Result<Self> {
        guarded(|| receiver(options)).map_err(|e| to_js_error(&env, &e))
    }

    /// Verifies one delivery (`authorization` and `contentType` as the request's headers, `null`
    /// when absent) and returns the `WebhookDelivery` as JSON text; throws an `Error` with `code`,
    /// `kind` `webhook` and `httpStatus` when the delivery is not genuine.
    #[napi(catch_unwind)]
    pub fn receive(
        &self,
        env: Env,
        body: Either<Uint8Array, String>,
        authorization: Option<String>,
        content_type: Option<String>,
    ) -> napi::Result<String> {
        guarded(|| {
            let delivery =
                self.verifier.receive(&self.store, bytes(&body), authorization.as_deref(), content_type.as_deref())?;
            serde_json::to_string(&delivery)
                .map_err(|e| ProcessingError::Internal(format!("cannot serialise the webhook delivery: {e}")))
        })
        .map_err(|e| to_js_error(&env, &e))
    }
}

/// The `Authorization` value livekit-server would send with `body` (an HS256 token valid for
/// 5 minutes, whose `sha256` claim hashes the body), to test a webhook endpoint. Throws an
/// `Error` with `kind` `config` for an empty key or secret.
#[napi(catch_unwind)]
pub fn sign_webhook(
    env: Env,
    api_key: String,
    api_secret: String,
    body: Either<Uint8Array, String>,
) -> napi::Result<String> {
    guarded(|| Ok(sign(&api_key, &api_secret, bytes(&body), time::OffsetDateTime::now_utc())?))
        .map_err(|e| to_js_error(&env, &e))
}

fn receiver(options: WebhookReceiverOptions) -> Result<NativeWebhookReceiver, ProcessingError> {
    let mut verifier = WebhookVerifier::new(options.api_key, options.api_secret)?;
    if let Some(leeway_s) = options.leeway_s {
        let leeway = Duration::try_from_secs_f64(leeway_s)
            .map_err(|_| config(format!("leewayS must be a number of seconds ≥ 0, not {leeway_s}")))?;
        verifier = verifier.with_leeway(leeway);
    }
    if let Some(limit) = options.max_body_bytes {
        let limit = usize::try_from(limit)
            .map_err(|_| config(format!("maxBodyBytes must be a number of bytes ≥ 0, not {limit}")))?;
        verifier = verifier.with_max_body_bytes(limit);
    }
    let store = RecordingStore::parse(&options.recordings)?;
    Ok(NativeWebhookReceiver { verifier, store })
}

fn config(why: String) -> ProcessingError {
    ProcessingError::LiveKit(LiveKitError::Config(why))
}

fn bytes(body: &Body) -> &[u8] {
    match body {
        Either::A(bytes) => bytes,
        Either::B(text) => text.as_bytes(),
    }
}
