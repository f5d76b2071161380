//! `CandleWhisper::load` names what is missing or wrong.
#![cfg(feature = "candle")]

mod support;

use session_transcribe::{CandleWhisper, TranscribeError};

#[test]
fn missing_folder_is_model_not_found() {
    let err = CandleWhisper::load(std::path::Path::new("/nonexistent/whisper")).err().expect("must fail");
    assert!(matches!(err, TranscribeError::ModelNotFound { .. }), "{err}");
    assert!(err.to_string().contains("prepare-whisper-tiny"), "{err}");
}

#[test]
fn folder_without_config_names_the_file() {
    let dir = support::tempfile_dir();
    let err = CandleWhisper::load(&dir).err().expect("must fail");
    assert!(matches!(err, TranscribeError::ModelNotFound { .. }), "{err}");
    assert!(err.to_string().contains("config.json"), "{err}");
}

#[test]
fn ctranslate2_folder_is_refused_with_a_hint() {
    let dir = support::tempfile_dir();
    std::fs::write(dir.join("model.bin"), b"not really").unwrap();
    let err = CandleWhisper::load(&dir).err().expect("must fail");
    assert!(matches!(err, TranscribeError::InvalidModel { .. }), "{err}");
    assert!(err.to_string().contains("CTranslate2"), "{err}");
}

#[test]
fn broken_config_is_invalid_model_naming_the_file() {
    let dir = support::tempfile_dir();
    for name in ["config.json", "tokenizer.json", "model.safetensors"] {
        std::fs::write(dir.join(name), b"{ not json").unwrap();
    }
    let err = CandleWhisper::load(&dir).err().expect("must fail");
    match &err {
        TranscribeError::InvalidModel { path, .. } => {
            assert!(path.ends_with("config.json"), "{err}")
        }
        other => panic!("expected InvalidModel, got {other}"),
    }
}
