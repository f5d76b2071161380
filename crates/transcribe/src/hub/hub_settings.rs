//! [`HubSettings`]: where hub models are cached, where they are downloaded from, with which
//! token, and whether downloading is allowed at all.

use std::path::PathBuf;

/// The public hub.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// How hub ids (`openai/whisper-tiny.en`) are resolved. Downloads happen only when `offline` is
/// false and the model is not already complete in `cache_dir`.
#[derive(Clone)]
pub struct HubSettings {
    /// The hub cache (`models--org--name/{blobs,snapshots,refs}`); `None` when none can be found.
    pub cache_dir: Option<PathBuf>,
    /// Base URL files are resolved against: `{endpoint}/{repo}/resolve/{revision}/{file}`.
    pub endpoint: String,
    /// Sent as `Authorization: Bearer …` to the endpoint (gated and private models). Never
    /// logged, never in an error message.
    pub token: Option<String>,
    /// Never touch the network: the cache or a typed error.
    pub offline: bool,
    /// Branch, tag or 40-hex commit.
    pub revision: String,
}

impl HubSettings {
    /// The settings every Hugging Face client reads: `HF_HUB_CACHE` (else `HF_HOME/hub`, else
    /// `~/.cache/huggingface/hub`), `HF_ENDPOINT`, `HF_TOKEN`, and `HF_HUB_OFFLINE` (`1`, `true`,
    /// `yes` or `on` turn downloads off).
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Self {
            cache_dir: crate::hub::hub_cache::hub_cache_dir(),
            endpoint: var("HF_ENDPOINT").unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned()),
            token: var("HF_TOKEN"),
            offline: var("HF_HUB_OFFLINE").is_some_and(|v| is_true(&v)),
            revision: "main".to_owned(),
        }
    }

    /// These settings with downloads turned off.
    pub fn offline(self) -> Self {
        Self { offline: true, ..self }
    }
}

/// huggingface_hub's reading of boolean variables.
fn is_true(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

impl std::fmt::Debug for HubSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSettings")
            .field("cache_dir", &self.cache_dir)
            .field("endpoint", &self.endpoint)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("offline", &self.offline)
            .field("revision", &self.revision)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_token() {
        let settings = HubSettings {
            cache_dir: None,
            endpoint: DEFAULT_ENDPOINT.into(),
            token: Some("hf_secret_value".into()),
            offline: false,
            revision: "main".into(),
        };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hf_secret_value"), "{debug}");
        assert!(debug.contains("<set>"), "{debug}");
        assert!(settings.offline().offline);
    }

    #[test]
    fn offline_values_read_like_huggingface_hub() {
        for yes in ["1", "true", "TRUE", "yes", "On"] {
            assert!(is_true(yes), "{yes}");
        }
        for no in ["0", "false", "no", "off", ""] {
            assert!(!is_true(no), "{no}");
        }
    }
}
