//! `NativeProcessor`: the core's `SessionProcessor`, with results handed over as JSON text.
//!
//! The Python package wraps it (`session_monitor.SessionProcessor`) and turns the JSON into
//! dataclasses; the JSON is exactly what `serde_json` makes of `SessionResult`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use session_processing::{
    ParticipantInput, ProcessingError, ProcessorConfig, RecordingInput, SessionProcessor, SessionResult,
    StoredSafetyEvent, host, runtime,
};

use crate::cancel::CancelToken;
use crate::errors::to_py_err;
use crate::progress::progress_fn;
use crate::settings::S3Settings;

type Outcome = Result<SessionResult, ProcessingError>;

/// Processes recorded sessions into `sessions/<id>/...`; use `session_monitor.SessionProcessor`.
#[pyclass(module = "session_monitor._native", frozen)]
pub struct NativeProcessor {
    inner: SessionProcessor,
}

#[pymethods]
impl NativeProcessor {
    #[new]
    #[pyo3(signature = (
        output, *, s3=None, transcribe=true, model=None, language=None, on_progress=None,
        nudity_model=None, gemini_api_key=None, session_context=None, vad_model=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        output: &str,
        s3: Option<S3Settings>,
        transcribe: bool,
        model: Option<std::path::PathBuf>,
        language: Option<String>,
        on_progress: Option<Py<PyAny>>,
        nudity_model: Option<std::path::PathBuf>,
        gemini_api_key: Option<String>,
        session_context: Option<String>,
        vad_model: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        let config = ProcessorConfig {
            s3: s3.map(|s3| s3.inner),
            transcribe,
            whisper_model: model,
            language,
            vad_model,
            nudity_model,
            gemini_api_key,
            session_context,
            ..ProcessorConfig::new(output)
        };
        let mut builder = py.detach(|| config.builder()).map_err(|e| to_py_err(py, &e))?;
        if let Some(callback) = on_progress {
            if !callback.bind(py).is_callable() {
                return Err(PyTypeError::new_err("on_progress must be callable"));
            }
            builder = builder.on_progress(progress_fn(callback));
        }
        Ok(Self { inner: builder.build() })
    }

    /// Runs one session with the GIL released; returns the `SessionResult` as JSON text.
    #[pyo3(signature = (session_id, input, cancel=None))]
    fn process(
        &self,
        py: Python<'_>,
        session_id: String,
        input: &str,
        cancel: Option<CancelToken>,
    ) -> PyResult<String> {
        let input = RecordingInput::parse(input).map_err(|e| to_py_err(py, &e.into()))?;
        let flag = cancel.unwrap_or_default().flag;
        let processor = self.inner.clone();
        let outcome =
            py.detach(move || host::block_on(async move { processor.process(&session_id, input, &flag).await }));
        to_json(outcome).map_err(|e| to_py_err(py, &e))
    }

    /// Runs a session recorded one file per participant (the 1:1 flow) with the GIL released:
    /// `participants` is a list of `(participant, input, offset_s)`. Returns the `SessionResult`
    /// as JSON text.
    #[pyo3(signature = (session_id, participants, cancel=None))]
    fn process_participants(
        &self,
        py: Python<'_>,
        session_id: String,
        participants: Vec<(String, String, f64)>,
        cancel: Option<CancelToken>,
    ) -> PyResult<String> {
        let mut inputs = Vec::with_capacity(participants.len());
        for (participant, input, offset_s) in participants {
            let input = RecordingInput::parse(&input).map_err(|e| to_py_err(py, &e.into()))?;
            inputs.push(ParticipantInput { participant, input, offset_s });
        }
        let flag = cancel.unwrap_or_default().flag;
        let processor = self.inner.clone();
        let outcome = py.detach(move || {
            host::block_on(async move { processor.process_participants(&session_id, inputs, &flag).await })
        });
        to_json(outcome).map_err(|e| to_py_err(py, &e))
    }

    /// Starts one session on the library's runtime and returns at once. When it ends,
    /// `on_done(json, None)` or `on_done(None, exception)` is called from a runtime thread.
    #[pyo3(signature = (session_id, input, cancel, on_done))]
    fn submit(
        &self,
        py: Python<'_>,
        session_id: String,
        input: &str,
        cancel: CancelToken,
        on_done: Py<PyAny>,
    ) -> PyResult<()> {
        let input = RecordingInput::parse(input).map_err(|e| to_py_err(py, &e.into()))?;
        let runtime = runtime().map_err(|e| to_py_err(py, &e))?;
        let processor = self.inner.clone();
        let run = host::spawn(async move { processor.process(&session_id, input, &cancel.flag).await });
        runtime.spawn(async move {
            let json = to_json(run.await);
            Python::attach(|py| deliver(py, &on_done, json));
        });
        Ok(())
    }

    /// Validates a realtime safety event (JSON text) and stores it under
    /// `sessions/<id>/safety/`, with the GIL released; returns the `StoredSafetyEvent` as JSON.
    fn record_safety_event(&self, py: Python<'_>, session_id: String, event: String) -> PyResult<String> {
        let processor = self.inner.clone();
        let outcome = py.detach(move || {
            host::block_on(async move { processor.record_safety_event_json(&session_id, &event).await })
        });
        stored_json(outcome).map_err(|e| to_py_err(py, &e))
    }

    /// `record_safety_event` on the library's runtime, returning at once; `on_done(json, None)`
    /// or `on_done(None, exception)` is called from a runtime thread when it ends.
    fn submit_safety_event(
        &self,
        py: Python<'_>,
        session_id: String,
        event: String,
        on_done: Py<PyAny>,
    ) -> PyResult<()> {
        let runtime = runtime().map_err(|e| to_py_err(py, &e))?;
        let processor = self.inner.clone();
        let run = host::spawn(async move { processor.record_safety_event_json(&session_id, &event).await });
        runtime.spawn(async move {
            let json = stored_json(run.await);
            Python::attach(|py| deliver(py, &on_done, json));
        });
        Ok(())
    }
}

fn stored_json(outcome: Result<StoredSafetyEvent, ProcessingError>) -> Result<String, ProcessingError> {
    serde_json::to_string(&outcome?).map_err(|e| ProcessingError::Internal(format!("cannot serialise the event: {e}")))
}

fn to_json(outcome: Outcome) -> Result<String, ProcessingError> {
    serde_json::to_string(&outcome?).map_err(|e| ProcessingError::Internal(format!("cannot serialise the result: {e}")))
}

/// Calls `on_done`; an exception it raises goes to `sys.unraisablehook`.
fn deliver(py: Python<'_>, on_done: &Py<PyAny>, json: Result<String, ProcessingError>) {
    let called = match json {
        Ok(json) => on_done.call1(py, (json, py.None())),
        Err(error) => on_done.call1(py, (py.None(), to_py_err(py, &error).into_value(py))),
    };
    if let Err(err) = called {
        err.write_unraisable(py, Some(on_done.bind(py)));
    }
}
