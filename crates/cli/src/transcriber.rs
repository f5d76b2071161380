//! Chooses the transcriber from the command line: a Whisper model folder, or the default one.

use std::path::PathBuf;
use std::sync::Arc;

use session_processing::{CandleWhisper, DecodingOptions, SessionProcessorBuilder};

use crate::Transcription;

/// Where the default Whisper model is looked for, in order.
fn default_model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(models) = std::env::var_os("SESSION_MONITOR_MODELS") {
        dirs.push(PathBuf::from(models).join("whisper-tiny"));
    }
    dirs.push(PathBuf::from(".models/whisper-tiny"));
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cache/session-monitor/models/whisper-tiny"));
    }
    dirs
}

/// Adds local Whisper to `builder`. An explicit `--model` that cannot be loaded is an error; when
/// no default model exists, transcription is skipped and the run says where it looked.
pub fn configure(
    builder: SessionProcessorBuilder,
    transcription: &Transcription,
) -> Result<SessionProcessorBuilder, String> {
    let options = DecodingOptions { language: transcription.language.clone(), ..DecodingOptions::default() };
    let builder = builder.decoding_options(options);
    let folder = match &transcription.model {
        Some(folder) => folder.clone(),
        None => match default_model_dirs().into_iter().find(|d| d.join("model.safetensors").is_file()) {
            Some(folder) => folder,
            None => {
                let searched: Vec<String> = default_model_dirs().iter().map(|d| d.display().to_string()).collect();
                eprintln!(
                    "warning: no Whisper model found (looked in {}); transcription is skipped. Run scripts/prepare-whisper-tiny or pass --model FOLDER",
                    searched.join(", ")
                );
                return Ok(builder);
            }
        },
    };
    let whisper = CandleWhisper::load(&folder).map_err(|e| e.to_string())?;
    Ok(builder.transcriber(Arc::new(whisper)))
}
