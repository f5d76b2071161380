//! Chooses the models from the command line: a folder given, or the default one that the prepare
//! scripts make (Whisper for transcription, nsfwjs for nudity, Silero for voice activity).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use session_processing::{
    CandleWhisper, CandleWhisperSettings, DecodingOptions, NudityClassifier, SafetySettings, SessionProcessorBuilder,
    SileroVad,
};

use crate::Transcription;

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

/// The folder given, else the first default folder holding `marker`; `None` (with a warning that
/// says where it looked and what to run) when there is none.
fn model_folder(given: Option<&Path>, name: &str, marker: &str, what: &str, prepare: &str) -> Option<PathBuf> {
    if let Some(folder) = given {
        return Some(folder.to_path_buf());
    }
    let dirs = default_model_dirs(name);
    let found = dirs.iter().find(|d| d.join(marker).is_file()).cloned();
    if found.is_none() {
        let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        eprintln!(
            "warning: no {what} model found (looked in {}); {what} is skipped. Run {prepare}",
            searched.join(", ")
        );
    }
    found
}

/// Adds local Whisper to `builder`. An explicit `--model` that cannot be loaded is an error; when
/// no default model exists, transcription is skipped and the run says where it looked.
pub fn configure_transcriber(
    builder: SessionProcessorBuilder,
    transcription: &Transcription,
) -> Result<SessionProcessorBuilder, String> {
    let options = DecodingOptions { language: transcription.language.clone(), ..DecodingOptions::default() };
    let builder = builder.decoding_options(options);
    let prepare = "scripts/prepare-whisper-tiny or pass --model FOLDER";
    let Some(folder) =
        model_folder(transcription.model.as_deref(), "whisper-tiny", "model.safetensors", "transcription", prepare)
    else {
        return Ok(builder);
    };
    let mut settings = CandleWhisperSettings::default();
    settings.hub.offline |= transcription.offline;
    let whisper = CandleWhisper::load_with(&folder, settings).map_err(|e| e.to_string())?;
    Ok(builder.transcriber(Arc::new(whisper)))
}

/// Adds the nsfwjs nudity model to `builder`'s safety scan, the same way.
pub fn configure_nudity(
    builder: SessionProcessorBuilder,
    given: Option<&Path>,
) -> Result<SessionProcessorBuilder, String> {
    let prepare = "scripts/prepare-nsfw-model or pass --nudity-model FOLDER";
    let Some(folder) = model_folder(given, "nsfwjs-mobilenet-v2", "model.safetensors", "nudity detection", prepare)
    else {
        return Ok(builder);
    };
    let model = NudityClassifier::load(&folder).map_err(|e| e.to_string())?;
    Ok(builder.safety(SafetySettings { nudity_model: Some(Arc::new(model)), ..SafetySettings::default() }))
}

/// Adds Silero VAD (speech for transcription and engagement), the same way; without one the
/// energy VAD is used.
pub fn configure_voice_activity(
    builder: SessionProcessorBuilder,
    given: Option<&Path>,
) -> Result<SessionProcessorBuilder, String> {
    let prepare = "scripts/prepare-silero-vad or pass --vad-model FOLDER (the energy VAD is used instead)";
    let Some(folder) = model_folder(given, "silero-vad", "model.safetensors", "voice activity", prepare) else {
        return Ok(builder);
    };
    let vad = SileroVad::load(&folder).map_err(|e| e.to_string())?;
    Ok(builder.voice_activity(Arc::new(vad)))
}
