//! The model folder `CandleWhisper` loads: which files must be there, how their errors are
//! reported, and what is read from the JSON files besides candle's `Config`.

use std::path::{Path, PathBuf};

use candle_transformers::models::whisper::Config;

use crate::TranscribeError;
use crate::whisper::logit_filters::LogitFilters;
use crate::whisper::tokens::SpecialTokens;

pub const PREPARE_HINT: &str = "run scripts/prepare-whisper-tiny (it prints the folder), or convert a \
CTranslate2 folder with tools/ct2_to_safetensors.py";

/// The files of a model folder, checked to exist.
pub struct ModelFiles {
    pub config: PathBuf,
    pub tokenizer: PathBuf,
    pub weights: PathBuf,
    pub generation_config: Option<PathBuf>,
}

impl ModelFiles {
    pub fn find(folder: &Path) -> Result<Self, TranscribeError> {
        let not_found = |what: String| TranscribeError::ModelNotFound { searched: what, hint: PREPARE_HINT.to_owned() };
        if !folder.is_dir() {
            return Err(not_found(format!("{} (not a folder)", folder.display())));
        }
        if folder.join("model.bin").is_file() && !folder.join("model.safetensors").is_file() {
            return Err(TranscribeError::InvalidModel {
                path: folder.join("model.bin"),
                reason: format!("this is a CTranslate2 folder, not a Hugging Face one: {PREPARE_HINT}"),
            });
        }
        let required = |name: &str| {
            let path = folder.join(name);
            if path.is_file() { Ok(path) } else { Err(not_found(format!("{} (missing {name})", folder.display()))) }
        };
        let generation_config = Some(folder.join("generation_config.json")).filter(|p| p.is_file());
        Ok(Self {
            config: required("config.json")?,
            tokenizer: required("tokenizer.json")?,
            weights: required("model.safetensors")?,
            generation_config,
        })
    }
}

pub fn read_json(path: &Path) -> Result<serde_json::Value, TranscribeError> {
    let text = std::fs::read_to_string(path).map_err(|e| invalid(path, e))?;
    serde_json::from_str(&text).map_err(|e| invalid(path, e))
}

pub fn invalid(path: &Path, reason: impl std::fmt::Display) -> TranscribeError {
    TranscribeError::InvalidModel { path: path.to_owned(), reason: reason.to_string() }
}

/// The suppression lists from `generation_config.json`, else `config.json`, else Whisper's
/// begin-suppress default (" " and eot).
pub fn logit_filters(
    config: &serde_json::Value,
    generation: Option<&serde_json::Value>,
    tokens: SpecialTokens,
) -> LogitFilters {
    let list = |key: &str| -> Option<Vec<u32>> {
        let from = |v: &serde_json::Value| serde_json::from_value::<Vec<u32>>(v.get(key)?.clone()).ok();
        generation.and_then(from).or_else(|| from(config))
    };
    LogitFilters {
        suppress_tokens: list("suppress_tokens").unwrap_or_default(),
        begin_suppress_tokens: list("begin_suppress_tokens").unwrap_or_else(|| vec![220, tokens.eot]),
        max_initial_timestamp_index: 50,
        tokens,
    }
}

/// "whisper-tiny.en (safetensors f16 from <folder>)".
pub fn model_id(config: &Config, config_json: &serde_json::Value, folder: &Path) -> String {
    let size = match (config.d_model, config.num_mel_bins) {
        (384, _) => "tiny",
        (512, _) => "base",
        (768, _) => "small",
        (1024, _) => "medium",
        (1280, 128) => "large-v3",
        (1280, _) => "large",
        _ => "custom",
    };
    let english = if config.vocab_size < crate::whisper::tokens::MULTILINGUAL_VOCAB_SIZE { ".en" } else { "" };
    let dtype = match config_json.get("torch_dtype").and_then(|v| v.as_str()) {
        Some("float16") => "f16",
        Some("float32") => "f32",
        Some("bfloat16") => "bf16",
        _ => "unknown type",
    };
    format!("whisper-{size}{english} (safetensors {dtype} from {})", folder.display())
}
