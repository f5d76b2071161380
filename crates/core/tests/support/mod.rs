//! Test harness shared by the core's integration tests: real media fixtures and a real
//! S3-compatible server (moto) on loopback.
#![allow(dead_code)]

pub mod s3_server;

use std::path::{Path, PathBuf};

use session_processing::{OutputLocation, RecordingInput, SessionProcessor, SessionProcessorBuilder};

/// A media file made by `scripts/make-fixtures`; panics (fails the test) when it is missing.
pub fn fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.fixtures"));
    let path = dir.join(name);
    assert!(path.exists(), "fixture {} is missing: run scripts/make-fixtures first", path.display());
    path
}

pub fn local(path: &Path) -> RecordingInput {
    RecordingInput::Local { path: path.to_path_buf() }
}

/// A processor writing into `dir`.
pub fn builder_for(dir: &Path) -> SessionProcessorBuilder {
    SessionProcessor::builder().output(OutputLocation::Local { dir: dir.to_path_buf() })
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `value[path…]` as f64, or `None`.
pub fn number(value: &serde_json::Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(value, |v, key| v.get(key)).and_then(serde_json::Value::as_f64)
}
