//! `NativeWebhookReceiver` and `sign_webhook`: the core's LiveKit webhook handling
//! (`WebhookVerifier::receive`, `RecordingStore::parse`, `sign_webhook`), with the delivery
//! handed over as JSON text.
//!
//! The Python package wraps it (`session_monitor.livekit.WebhookReceiver`) and turns the JSON
//! into dataclasses; the JSON is exactly what `serde_json` makes of `WebhookDelivery`.

use std::borrow::Cow;
use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use session_processing::livekit::{LiveKitError, RecordingStore, WebhookDelivery, WebhookVerifier};
use session_processing::{ProcessingError, host};

use crate::errors::to_py_err;

/// Checks LiveKit webhook deliveries; use `session_monitor.livekit.WebhookReceiver`.
#[pyclass(module = "session_monitor._native", frozen)]
pub struct NativeWebhookReceiver {
    verifier: WebhookVerifier,
    store: RecordingStore,
}

#[pymethods]
impl NativeWebhookReceiver {
    #[new]
    #[pyo3(signature = (api_key, api_secret, *, recordings, leeway_s=60.0, max_body_bytes=1_048_576))]
    fn new(
        py: Python<'_>,
        api_key: String,
        api_secret: String,
        recordings: &str,
        leeway_s: f64,
        max_body_bytes: usize,
    ) -> PyResult<Self> {
        let config = |why: String| to_py_err(py, &ProcessingError::from(LiveKitError::Config(why)));
        let leeway = Duration::try_from_secs_f64(leeway_s)
            .map_err(|_| config(format!("leeway_s must be a finite number of seconds >= 0, got {leeway_s}")))?;
        let verifier = WebhookVerifier::new(api_key, api_secret)
            .map_err(|e| to_py_err(py, &e.into()))?
            .with_leeway(leeway)
            .with_max_body_bytes(max_body_bytes);
        let store = RecordingStore::parse(recordings).map_err(|e| to_py_err(py, &e.into()))?;
        Ok(Self { verifier, store })
    }

    /// Verifies one delivery with the GIL released. Returns the `WebhookDelivery` as JSON text
    /// (a recorded outcome carries its `input_uri`).
    #[pyo3(signature = (body, authorization, content_type))]
    fn receive(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        authorization: Option<String>,
        content_type: Option<String>,
    ) -> PyResult<String> {
        let body = body_bytes(body)?;
        let body: &[u8] = &body;
        let (verifier, store) = (&self.verifier, &self.store);
        let outcome = py.detach(|| {
            host::guarded(|| {
                let delivery = verifier.receive(store, body, authorization.as_deref(), content_type.as_deref())?;
                delivery_json(&delivery)
            })
        });
        outcome.map_err(|e| to_py_err(py, &e))
    }
}

/// The `Authorization` value livekit-server would send with `body` (valid 5 minutes from now).
#[pyfunction]
pub(crate) fn sign_webhook(
    py: Python<'_>,
    api_key: &str,
    api_secret: &str,
    body: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let body = body_bytes(body)?;
    let signed = host::guarded(|| {
        session_processing::livekit::sign_webhook(api_key, api_secret, &body, time::OffsetDateTime::now_utc())
            .map_err(ProcessingError::from)
    });
    signed.map_err(|e| to_py_err(py, &e))
}

fn delivery_json(delivery: &WebhookDelivery) -> Result<String, ProcessingError> {
    serde_json::to_string(delivery)
        .map_err(|e| ProcessingError::Internal(format!("cannot serialise the webhook delivery: {e}")))
}

/// The raw body: `bytes` read in place, `bytearray` copied, `str` as UTF-8.
fn body_bytes<'a>(body: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = body.cast::<PyBytes>() {
        Ok(Cow::Borrowed(b.as_bytes()))
    } else if let Ok(b) = body.cast::<PyByteArray>() {
        Ok(Cow::Owned(b.to_vec()))
    } else if let Ok(s) = body.cast::<PyString>() {
        Ok(Cow::Owned(s.to_cow()?.into_owned().into_bytes()))
    } else {
        Err(PyTypeError::new_err("body must be the raw request body as bytes or str"))
    }
}
