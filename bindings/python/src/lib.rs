//! Python bindings for Session Monitor (`session_processing`): the native module
//! `session_monitor._native`. The bindings only convert types; the Python package in
//! `python/session_monitor/` adds the dataclasses and `process_async`.

mod cancel;
mod errors;
mod livekit;
mod processor;
mod progress;
mod report;
mod safety;
mod settings;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<processor::NativeProcessor>()?;
    m.add_class::<safety::NativeSafetyChecker>()?;
    m.add_class::<cancel::CancelToken>()?;
    m.add_class::<settings::S3Settings>()?;
    m.add_class::<livekit::NativeWebhookReceiver>()?;
    m.add_function(wrap_pyfunction!(livekit::sign_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(report::render_report, m)?)?;
    errors::register(m)?;
    m.add("LIBRARY_VERSION", session_processing::LIBRARY_VERSION)?;
    Ok(())
}
