//! [`GeminiConfig`]: settings of the Gemini client, from code or from the environment.

use std::fmt;
use std::time::Duration;

use crate::ReasoningError;

/// Model used when none is configured.
pub const DEFAULT_GEMINI_MODEL: &str = "gemini-2.5-flash";
/// The public Gemini API.
pub const DEFAULT_GEMINI_BASE_URL: &str = "https://generativelanguage.googleapis.com";

/// Settings of [`crate::Gemini`]. `Debug` never prints the API key.
#[derive(Clone)]
pub struct GeminiConfig {
    /// A Gemini API key (sent as the `x-goog-api-key` header, never in the URL).
    pub api_key: String,
    /// Model name, e.g. `gemini-2.5-flash`; requests go to `{base_url}/v1beta/models/{model}:generateContent`.
    pub model: String,
    /// Scheme and host of the API; overridable for tests and proxies.
    pub base_url: String,
    /// Limit for one request, connection to last byte.
    pub timeout: Duration,
    /// Retries after HTTP 429/500/502/503/504 or a transport failure (0: one attempt only).
    pub max_retries: u32,
    /// First wait between attempts; doubles with each retry.
    pub backoff: Duration,
    /// Longest wait between two attempts, whatever `Retry-After` or the backoff says.
    pub max_backoff: Duration,
    /// Gemini 2.5 thinking budget in tokens (`generationConfig.thinkingConfig.thinkingBudget`):
    /// `None` leaves the model's default, `Some(0)` turns thinking off where the model allows it.
    /// Thinking tokens are billed as output and count against the output cap.
    pub thinking_budget: Option<u32>,
}

impl GeminiConfig {
    /// Defaults with the given key.
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            model: DEFAULT_GEMINI_MODEL.into(),
            base_url: DEFAULT_GEMINI_BASE_URL.into(),
            timeout: Duration::from_secs(120),
            max_retries: 3,
            backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            thinking_budget: None,
        }
    }

    /// Settings from `GEMINI_API_KEY` (required), `GEMINI_MODEL` and `GEMINI_BASE_URL` (optional);
    /// `None` when no key is set, so the caller can skip the stage with that reason.
    pub fn from_env() -> Option<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Settings with an explicit key (`None`: from the environment, as [`Self::from_env`]; an
    /// empty key: no LLM), `GEMINI_MODEL` and `GEMINI_BASE_URL` still read from the environment.
    pub fn from_key_or_env(api_key: Option<&str>) -> Option<Self> {
        match api_key {
            None => Self::from_env(),
            Some(key) if key.trim().is_empty() => None,
            Some(key) => Self::from_vars(|name| match name {
                "GEMINI_API_KEY" => Some(key.to_owned()),
                _ => std::env::var(name).ok(),
            }),
        }
    }

    /// [`Self::from_env`] over any variable lookup (tests avoid mutating the process environment).
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let set = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut config = Self::new(set("GEMINI_API_KEY")?);
        if let Some(model) = set("GEMINI_MODEL") {
            config.model = model;
        }
        if let Some(base_url) = set("GEMINI_BASE_URL") {
            config.base_url = base_url;
        }
        Some(config)
    }

    /// Checks every field; the message names the field and the value (never the key's value).
    pub(crate) fn validate(&self) -> Result<(), ReasoningError> {
        let invalid = |m: String| Err(ReasoningError::InvalidConfig(m));
        if self.api_key.trim().is_empty() {
            return invalid("api_key is empty: set GEMINI_API_KEY or GeminiConfig::api_key".into());
        }
        if self.api_key.chars().any(|c| c.is_control() || c == ' ') {
            return invalid("api_key contains spaces or control characters: check GEMINI_API_KEY".into());
        }
        let model_ok = !self.model.is_empty()
            && self.model.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !model_ok {
            return invalid(format!(
                "model {:?} is not a Gemini model name (letters, digits, '-', '.', '_'), e.g. {DEFAULT_GEMINI_MODEL}",
                self.model
            ));
        }
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            return invalid(format!("base_url {:?} must start with https:// or http://", self.base_url));
        }
        if self.timeout.is_zero() {
            return invalid("timeout must be > 0".into());
        }
        Ok(())
    }
}

impl fmt::Debug for GeminiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeminiConfig")
            .field("api_key", &"<redacted>")
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff", &self.backoff)
            .field("max_backoff", &self.max_backoff)
            .field("thinking_budget", &self.thinking_budget)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let config = GeminiConfig::new("AIza-secret-key");
        let debug = format!("{config:?}");
        assert!(!debug.contains("AIza-secret-key"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn no_key_in_the_environment_means_no_config() {
        assert!(GeminiConfig::from_vars(|_| None).is_none());
        assert!(GeminiConfig::from_vars(|name| (name == "GEMINI_API_KEY").then(|| "  ".to_owned())).is_none());
    }

    #[test]
    fn model_and_base_url_come_from_the_environment_when_set() {
        let config = GeminiConfig::from_vars(|name| match name {
            "GEMINI_API_KEY" => Some("k".into()),
            "GEMINI_MODEL" => Some("gemini-2.5-pro".into()),
            "GEMINI_BASE_URL" => Some("http://127.0.0.1:9".into()),
            _ => None,
        })
        .expect("key set");
        assert_eq!((config.model.as_str(), config.base_url.as_str()), ("gemini-2.5-pro", "http://127.0.0.1:9"));
        let defaults = GeminiConfig::from_vars(|name| (name == "GEMINI_API_KEY").then(|| "k".to_owned())).unwrap();
        assert_eq!(
            (defaults.model.as_str(), defaults.base_url.as_str()),
            (DEFAULT_GEMINI_MODEL, DEFAULT_GEMINI_BASE_URL)
        );
    }

    #[test]
    fn validation_names_the_bad_field() {
        let bad_model = GeminiConfig { model: "../etc".into(), ..GeminiConfig::new("k") };
        assert!(matches!(bad_model.validate(), Err(ReasoningError::InvalidConfig(m)) if m.contains("model")));
        let zero_timeout = GeminiConfig { timeout: Duration::ZERO, ..GeminiConfig::new("k") };
        assert!(matches!(zero_timeout.validate(), Err(ReasoningError::InvalidConfig(m)) if m.contains("timeout")));
        let bad_url = GeminiConfig { base_url: "ftp://x".into(), ..GeminiConfig::new("k") };
        assert!(matches!(bad_url.validate(), Err(ReasoningError::InvalidConfig(m)) if m.contains("base_url")));
        assert!(GeminiConfig::new("k").validate().is_ok());
    }
}
