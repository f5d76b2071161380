//! `CancelToken`: a Python handle on the core's `CancelFlag`.

use pyo3::prelude::*;
use session_processing::CancelFlag;

/// Stops a run: pass it to `process` / `process_async` and call `cancel()` from any thread
/// (or from the progress callback). The run then raises `CancelledError` and its manifest says
/// `failed` with code `cancelled`. A token stays cancelled; use a new one per run.
#[pyclass(module = "session_monitor", frozen)]
#[derive(Clone, Default)]
pub struct CancelToken {
    pub(crate) flag: CancelFlag,
}

#[pymethods]
impl CancelToken {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Asks every run holding this token to stop at its next buffer or stage.
    fn cancel(&self) {
        self.flag.cancel();
    }

    /// Whether `cancel()` has been called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.flag.is_cancelled()
    }

    fn __repr__(&self) -> String {
        format!("CancelToken(cancelled={})", self.flag.is_cancelled())
    }
}
