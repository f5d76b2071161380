//! Shared by the nudity tests: the model folder (from `NSFW_MODEL_DIR`, required), one
//! loaded classifier, video frames decoded with ffmpeg, and generated scenes.
#![allow(dead_code)]

pub mod scenes;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use session_safety::NudityClassifier;

/// The converted model folder. Fails (does not skip) when it is not configured.
pub fn model_dir() -> PathBuf {
    let Some(dir) = std::env::var_os("NSFW_MODEL_DIR") else {
        panic!(
            "NSFW_MODEL_DIR is not set: run `scripts/prepare-nsfw-model` and set NSFW_MODEL_DIR to the folder it \
             prints, e.g. NSFW_MODEL_DIR=$(scripts/prepare-nsfw-model | tail -n 1) cargo test -p session_safety"
        )
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("model.safetensors").is_file(),
        "{} has no model.safetensors: run scripts/prepare-nsfw-model",
        dir.display()
    );
    dir
}

/// The npm folder holding nsfwjs and @tensorflow/tfjs (`NSFWJS_NPM_DIR`, else next to the model).
pub fn npm_dir() -> PathBuf {
    let dir = std::env::var_os("NSFWJS_NPM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| model_dir().join("../npm/nsfwjs-4.4.0"));
    assert!(dir.join("node_modules/nsfwjs").is_dir(), "{} lacks nsfwjs: run scripts/prepare-nsfw-model", dir.display());
    dir
}

/// One classifier for all tests in a binary.
pub fn classifier() -> &'static NudityClassifier {
    static CLASSIFIER: OnceLock<NudityClassifier> = OnceLock::new();
    CLASSIFIER.get_or_init(|| NudityClassifier::load(model_dir()).expect("the prepared model loads"))
}

/// A media file made by `scripts/make-fixtures` (`$FIXTURES_DIR`, else `<repo>/.fixtures`).
pub fn fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.fixtures"));
    let path = dir.join(name);
    assert!(
        path.exists(),
        "fixture {} is missing: run scripts/make-fixtures first (or set FIXTURES_DIR)",
        path.display()
    );
    path
}

/// One frame of a video at `seconds`, as raw bytes in ffmpeg's `pix_fmt` (`rgb24`, `rgba`, `yuv420p`).
pub fn video_frame(video: &str, seconds: f64, pix_fmt: &str) -> Vec<u8> {
    let path = fixture(video);
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-ss", &seconds.to_string(), "-i"])
        .arg(&path)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"])
        .output()
        .expect("ffmpeg runs (install it: apt-get install ffmpeg)");
    assert!(
        output.status.success(),
        "ffmpeg failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
