//! Chooses the models from the command line: a folder given, or the default one that the prepare
//! scripts make (Whisper for transcription, nsfwjs for nudity, Silero for voice activity).

use std::path::{Path, PathBuf};

use session_processing::ProcessorConfig;

/// Where a default model folder called `name` is looked for, in order.
fn default_model_dirs(name: &str) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(models) = std::env::var_os("SESSION_MONITOR_MODELS") {
        dirs.push(PathBuf::from(models).join(name));
    }
    dirs.push(Path::new(".models").join(name));
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cache/session-monitor/models").join(name));
    }
    dirs
}

/// The first default folder called `name` holding a model; `None` (with a warning that says where
/// it looked and what to run) when there is none.
fn default_folder(name: &str, what: &str, prepare: &str) -> Option<PathBuf> {
    let dirs = default_model_dirs(name);
    let found = dirs.iter().find(|d| d.join("model.safetensors").is_file()).cloned();
    if found.is_none() {
        let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        eprintln!(
            "warning: no {what} model found (looked in {}); {what} is skipped. Run {prepare}",
            searched.join(", ")
        );
    }
    found
}

/// Fills the model folders the command line left out with the default ones the prepare scripts
/// make; a model with no default folder is left out, with a warning that says where it looked.
/// Loading happens later, in [`ProcessorConfig::builder`]: a folder that fails to load is an error.
pub fn fill_default_folders(config: &mut ProcessorConfig) {
    if config.transcribe && config.whisper_model.is_none() {
        let prepare = "scripts/prepare-whisper-tiny or pass --model FOLDER";
        config.whisper_model = default_folder("whisper-tiny", "transcription", prepare);
    }
    if config.nudity_model.is_none() {
        let prepare = "scripts/prepare-nsfw-model or pass --nudity-model FOLDER";
        config.nudity_model = default_folder("nsfwjs-mobilenet-v2", "nudity detection", prepare);
    }
    if config.vad_model.is_none() {
        let prepare = "scripts/prepare-silero-vad or pass --vad-model FOLDER (the energy VAD is used instead)";
        config.vad_model = default_folder("silero-vad", "voice activity", prepare);
    }
}
