//! `NativeProcessor`: the core's `SessionProcessor`, with results handed over as JSON text.
//!
//! The Python package wraps it (`session_monitor.SessionProcessor`) and turns the JSON into
//! dataclasses; the JSON is exactly what `serde_json` makes of `SessionResult`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use session_processing::{
    CandleWhisper, DecodingOptions, OutputLocation, ProcessingError, RecordingInput, SessionProcessor, SessionResult,
    Stages, runtime,
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
    #[pyo3(signature = (output, *, s3=None, transcribe=true, model=None, language=None, on_progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        output: &str,
        s3: Option<S3Settings>,
        transcribe: bool,
        model: Option<std::path::PathBuf>,
        language: Option<String>,
        on_progress: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let output = OutputLocation::parse(output).map_err(|e| to_py_err(py, &e))?;
        let stages = Stages { transcribe, ..Stages::default() };
        let decoding = DecodingOptions { language, ..DecodingOptions::default() };
        let mut builder = SessionProcessor::builder().output(output).stages(stages).decoding_options(decoding);
        if let Some(model) = model {
            let whisper = py
                .detach(|| CandleWhisper::load(&model))
                .map_err(|e| to_py_err(py, &ProcessingError::from(e)))?;
            builder = builder.transcriber(std::sync::Arc::new(whisper));
        }
        if let Some(s3) = s3 {
            builder = builder.s3(s3.inner);
        }
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
        let input = RecordingInput::parse(input).map_err(|e| to_py_err(py, &e))?;
        let flag = cancel.unwrap_or_default().flag;
        let processor = self.inner.clone();
        let outcome = py.detach(move || {
            catch_unwind(AssertUnwindSafe(|| processor.process_blocking(&session_id, input, &flag)))
                .unwrap_or_else(|panic| Err(ProcessingError::from_panic(panic)))
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
        let input = RecordingInput::parse(input).map_err(|e| to_py_err(py, &e))?;
        let runtime = runtime().map_err(|e| to_py_err(py, &e))?;
        let processor = self.inner.clone();
        let run = runtime.spawn(async move { processor.process(&session_id, input, &cancel.flag).await });
        runtime.spawn(async move {
            let outcome = match run.await {
                Ok(outcome) => outcome,
                Err(join) if join.is_panic() => Err(ProcessingError::from_panic(join.into_panic())),
                Err(join) => Err(ProcessingError::Internal(format!("the run was lost: {join}"))),
            };
            let json = to_json(outcome);
            Python::attach(|py| deliver(py, &on_done, json));
        });
        Ok(())
    }
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
