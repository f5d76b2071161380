//! Progress events to a Python callable.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::prelude::*;
use session_processing::Progress;

/// A progress function that calls `callback(stage, fraction)` with the GIL held. It runs on the
/// pipeline's worker threads; an exception raised by the callback is reported through
/// `sys.unraisablehook` and ignored, so it never stops the run. Nor does a panic (attaching to an
/// interpreter that is shutting down): the event is dropped.
pub(crate) fn progress_fn(callback: Py<PyAny>) -> impl Fn(&Progress) + Send + Sync + 'static {
    move |progress: &Progress| {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            Python::attach(|py| {
                if let Err(err) = callback.call1(py, (progress.stage.as_str(), progress.fraction)) {
                    err.write_unraisable(py, Some(callback.bind(py)));
                }
            })
        }));
    }
}
