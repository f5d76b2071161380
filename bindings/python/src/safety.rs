//! `NativeSafetyChecker`: the core's realtime `SafetyChecker`, with results handed over as JSON.
//!
//! The Python package wraps it (`session_monitor.SafetyChecker`) and parses the JSON, which is
//! exactly what `serde_json` makes of `FrameCheck`.

use std::path::PathBuf;
use std::sync::Mutex;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};
use session_processing::{PixelFormat, ProcessingError, SafetyChecker, SafetyCheckerSettings, host};

use crate::errors::to_py_err;

/// Scores frames of one video track as they arrive; use `session_monitor.SafetyChecker`.
#[pyclass(module = "session_monitor._native", frozen)]
pub struct NativeSafetyChecker {
    /// The checker remembers how long the picture has been covered or frozen: one frame at a time.
    inner: Mutex<SafetyChecker>,
    has_nudity_model: bool,
}

#[pymethods]
impl NativeSafetyChecker {
    #[new]
    #[pyo3(signature = (*, participant=None, nudity_model=None, nudity_threshold=None))]
    fn new(
        py: Python<'_>,
        participant: Option<String>,
        nudity_model: Option<PathBuf>,
        nudity_threshold: Option<f64>,
    ) -> PyResult<Self> {
        let mut settings = SafetyCheckerSettings { participant, nudity_model, ..SafetyCheckerSettings::default() };
        if let Some(threshold) = nudity_threshold {
            settings.nudity_threshold = threshold;
        }
        let checker = py.detach(move || host::guarded(|| Ok(SafetyChecker::new(settings)?)));
        let checker = checker.map_err(|e| to_py_err(py, &e))?;
        let has_nudity_model = checker.has_nudity_model();
        Ok(Self { inner: Mutex::new(checker), has_nudity_model })
    }

    /// Whether a nudity model is loaded.
    #[getter]
    fn has_nudity_model(&self) -> bool {
        self.has_nudity_model
    }

    /// Scores one frame with the GIL released; returns the `FrameCheck` as JSON text.
    ///
    /// `pixels` is `bytes` (read in place) or any other object with the buffer protocol
    /// (`bytearray`, `memoryview`, a `numpy.uint8` array), copied once while the GIL is held so
    /// that no other thread can change it during inference.
    #[pyo3(signature = (pixels, width, height, time_s, format="rgba"))]
    fn check_frame(
        &self,
        py: Python<'_>,
        pixels: &Bound<'_, PyAny>,
        width: u32,
        height: u32,
        time_s: f64,
        format: &str,
    ) -> PyResult<String> {
        let format = PixelFormat::parse(format).map_err(|e| to_py_err(py, &ProcessingError::from(e)))?;
        let copied: Vec<u8>;
        let bytes: Bound<'_, PyBytes>;
        let data: &[u8] = if let Ok(b) = pixels.cast::<PyBytes>() {
            b.as_bytes()
        } else if let Ok(b) = pixels.cast::<PyByteArray>() {
            copied = b.to_vec();
            &copied
        } else {
            bytes = contiguous_bytes(py, pixels)?;
            bytes.as_bytes()
        };
        let checker = &self.inner;
        let outcome = py.detach(|| {
            host::guarded(|| {
                let mut checker = checker.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let check = checker.check_frame(data, width, height, format, time_s)?;
                serde_json::to_string(&check)
                    .map_err(|e| ProcessingError::Internal(format!("cannot serialise the frame check: {e}")))
            })
        });
        outcome.map_err(|e| to_py_err(py, &e))
    }
}

/// The bytes of a buffer-protocol object of single bytes, in C order: `memoryview(obj).tobytes()`.
/// (The stable ABI of Python 3.9, which this module targets, has no direct buffer access.)
fn contiguous_bytes<'py>(py: Python<'py>, pixels: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let view = py.import("builtins")?.getattr("memoryview")?.call1((pixels,)).map_err(|_| {
        PyTypeError::new_err("pixels must be bytes-like (bytes, bytearray, memoryview, a numpy uint8 array)")
    })?;
    let itemsize: usize = view.getattr("itemsize")?.extract()?;
    if itemsize != 1 {
        return Err(PyTypeError::new_err(format!(
            "pixels must hold single bytes (uint8), got items of {itemsize} bytes"
        )));
    }
    Ok(view.call_method0("tobytes")?.cast_into::<PyBytes>()?)
}
