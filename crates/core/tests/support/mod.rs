//! Test harness shared by the core's integration tests: real media fixtures and a real
//! S3-compatible server (moto) on loopback.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use session_processing::{OutputLocation, RecordingInput, SessionProcessor, SessionProcessorBuilder};

use session_testkit::S3Server;
pub use session_testkit::fixture;

/// S3 settings that reach `server`.
pub fn s3_settings(server: &S3Server) -> session_processing::S3Settings {
    session_processing::S3Settings {
        region: Some(S3Server::REGION.into()),
        endpoint: Some(server.endpoint.clone()),
        access_key_id: Some(S3Server::ACCESS_KEY_ID.into()),
        secret_access_key: Some(S3Server::SECRET_ACCESS_KEY.into()),
        session_token: None,
        force_path_style: true,
        timeout_s: None,
    }
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

/// A typed report (or the whole result) as JSON, to read by path.
pub fn json(report: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(report).expect("a report serialises")
}

/// Asserts that `report` serialises to exactly the bytes of the artifact `file` (as the sink
/// writes it: pretty, with a final newline).
pub fn assert_stored_as(report: &impl serde::Serialize, file: &Path) {
    let mut expected = serde_json::to_vec_pretty(report).expect("a report serialises");
    expected.push(b'\n');
    let stored = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(
        stored == expected,
        "{} differs from the result's report:\n{}",
        file.display(),
        String::from_utf8_lossy(&expected)
    );
}

/// `value[path…]` as f64, or `None`.
pub fn number(value: &serde_json::Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(value, |v, key| v.get(key)).and_then(serde_json::Value::as_f64)
}

/// A folder `scripts/<script>` prepares: `$<env>` when set, else what the script prints last.
fn prepared_folder(env: &str, script: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os(env) {
        return PathBuf::from(dir);
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts").join(script);
    let output =
        std::process::Command::new(&script).output().unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    assert!(output.status.success(), "{} failed: {}", script.display(), String::from_utf8_lossy(&output.stderr));
    PathBuf::from(String::from_utf8_lossy(&output.stdout).lines().last().expect("a folder").trim())
}

/// The converted Whisper tiny.en folder: `WHISPER_MODEL_DIR`, or what the prepare script prints.
pub fn model_dir() -> PathBuf {
    prepared_folder("WHISPER_MODEL_DIR", "prepare-whisper-tiny")
}

/// The converted nsfwjs model folder: `NSFW_MODEL_DIR`, or what `scripts/prepare-nsfw-model` prints.
pub fn nsfw_model_dir() -> PathBuf {
    prepared_folder("NSFW_MODEL_DIR", "prepare-nsfw-model")
}

/// The converted Silero VAD folder: `SILERO_VAD_DIR`, or what `scripts/prepare-silero-vad` prints.
pub fn silero_vad_dir() -> PathBuf {
    prepared_folder("SILERO_VAD_DIR", "prepare-silero-vad")
}

/// The converted Whisper base folder: `WHISPER_BASE_MODEL_DIR`, or what the prepare script prints.
pub fn base_model_dir() -> PathBuf {
    prepared_folder("WHISPER_BASE_MODEL_DIR", "prepare-whisper-base")
}

/// Runs ffmpeg (quiet, overwriting) and returns what it wrote to stdout; a failure fails the test
/// with ffmpeg's message.
pub fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let output = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg (Debian: apt-get install ffmpeg) is part of the test setup");
    assert!(output.status.success(), "ffmpeg {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// The validation corpus (real recordings inside registry packages, with their references):
/// `VALIDATION_CORPUS_DIR`, or what `scripts/prepare-validation-corpus` prints.
pub fn validation_corpus_dir() -> PathBuf {
    prepared_folder("VALIDATION_CORPUS_DIR", "prepare-validation-corpus")
}

/// `start_s end_s …` per line of a fixture's `.txt`: the true speech spans.
pub fn fixture_spans(name: &str) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    text.lines()
        .map(|line| {
            let mut fields = line.split_whitespace().map(|f| f.parse::<f64>().expect("a time"));
            (fields.next().expect("start"), fields.next().expect("end"))
        })
        .collect()
}

/// A processor whose run stops in its first progress event until the test sends on the returned
/// sender; the receiver says it got there (lease held, manifest `running`).
pub fn hold_first_stage(
    builder: SessionProcessorBuilder,
) -> (SessionProcessorBuilder, mpsc::Receiver<()>, mpsc::Sender<()>) {
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let (entered_tx, release_rx) = (Mutex::new(entered_tx), Mutex::new(release_rx));
    let held = AtomicBool::new(false);
    let builder = builder.on_progress(move |_| {
        if !held.swap(true, Ordering::SeqCst) {
            let _ = entered_tx.lock().unwrap().send(());
            let _ = release_rx.lock().unwrap().recv_timeout(Duration::from_secs(120));
        }
    });
    (builder, entered, release)
}
