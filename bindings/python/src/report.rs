//! `render_report`: report.html rendered again from a stored session's JSON.

use std::path::PathBuf;

use pyo3::prelude::*;
use session_processing::{StoredSession, host, write_report};

use crate::errors::to_py_err;
use crate::settings::S3Settings;

/// Renders `report.html` again from the session folder's stored JSON, with the GIL released,
/// and writes it to `out` (a local file) or, without one, into the session folder. Returns
/// where it was written.
#[pyfunction]
#[pyo3(signature = (session, *, out=None, s3=None))]
pub fn render_report(
    py: Python<'_>,
    session: PathBuf,
    out: Option<PathBuf>,
    s3: Option<S3Settings>,
) -> PyResult<String> {
    // A folder or an `s3://` URI, given as text or as a path.
    let session = StoredSession::parse(&session.to_string_lossy()).map_err(|e| to_py_err(py, &e))?;
    let s3 = s3.map(|s| s.inner).unwrap_or_default();
    let outcome = py.detach(move || host::block_on(async move { write_report(&session, &s3, out.as_deref()).await }));
    outcome.map_err(|e| to_py_err(py, &e))
}
