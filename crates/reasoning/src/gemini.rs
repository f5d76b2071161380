//! [`Gemini`]: an [`Llm`] backed by Google's Gemini API (`generateContent`, JSON mode).
//!
//! Blocking (ureq + rustls); the pipeline calls it from a worker thread. HTTP 429, 500, 502,
//! 503, 504 and transport failures are retried with exponential backoff, honouring
//! `Retry-After` and the error body's `RetryInfo.retryDelay`, each wait capped at
//! `max_backoff`. A timeout is not retried (the call may already be billed). The key travels in
//! the `x-goog-api-key` header only, and is scrubbed from anything the server echoes back.

use std::time::Duration;

use crate::gemini_wire::{parse_answer, parse_error, request_body};
use crate::{GeminiConfig, Llm, LlmRequest, LlmResponse, ReasoningError};

/// A Gemini client. `Debug` shows the settings without the key.
#[derive(Debug)]
pub struct Gemini {
    config: GeminiConfig,
    agent: ureq::Agent,
}

/// What one attempt came back with, before deciding whether to retry.
enum Attempt {
    Done(LlmResponse),
    Retry { wait: Option<Duration>, error: ReasoningError },
    Fatal(ReasoningError),
}

impl Gemini {
    /// Checks the settings and prepares the HTTP client; nothing is sent yet.
    pub fn new(config: GeminiConfig) -> Result<Self, ReasoningError> {
        config.validate()?;
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Self { config, agent })
    }

    /// A client from `GEMINI_API_KEY` (plus optional `GEMINI_MODEL`, `GEMINI_BASE_URL`):
    /// `Ok(None)` when no key is set, so the stage can be skipped with that reason.
    pub fn from_env() -> Result<Option<Self>, ReasoningError> {
        GeminiConfig::from_env().map(Self::new).transpose()
    }

    /// A client with an explicit key, or from the environment when `api_key` is `None`;
    /// `Ok(None)` for an empty key (the caller turned the LLM off) or when no key is set.
    pub fn from_key_or_env(api_key: Option<&str>) -> Result<Option<Self>, ReasoningError> {
        GeminiConfig::from_key_or_env(api_key).map(Self::new).transpose()
    }

    /// The settings in use.
    pub fn config(&self) -> &GeminiConfig {
        &self.config
    }

    fn url(&self) -> String {
        format!("{}/v1beta/models/{}:generateContent", self.config.base_url.trim_end_matches('/'), self.config.model)
    }

    fn post(&self, body: &str, max_output_tokens: u32) -> Attempt {
        let url = self.url();
        let sent = self
            .agent
            .post(&url)
            .header("x-goog-api-key", &self.config.api_key)
            .header("Content-Type", "application/json")
            .send(body);
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return self.transport_failure(&url, e),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0);
        let body = match response.body_mut().read_to_string() {
            Ok(body) => body,
            Err(e) => return self.transport_failure(&url, e),
        };
        if status == 200 {
            return match parse_answer(&body, &self.config.model, max_output_tokens) {
                Ok(answer) => Attempt::Done(answer),
                Err(error) => Attempt::Fatal(error),
            };
        }
        let answer = parse_error(&body);
        let message = self.redact(answer.message);
        let wait = retry_after.or(answer.retry_delay_s).map(Duration::from_secs_f64);
        match status {
            401 | 403 => Attempt::Fatal(ReasoningError::Unauthorized { status }),
            400 if answer.invalid_key => Attempt::Fatal(ReasoningError::Unauthorized { status }),
            429 => Attempt::Retry {
                wait,
                error: ReasoningError::RateLimited { attempts: 0, retry_after_s: wait.map(|w| w.as_secs_f64()) },
            },
            500 | 502 | 503 | 504 => {
                Attempt::Retry { wait, error: ReasoningError::ServerError { status, attempts: 0, message } }
            }
            _ => Attempt::Fatal(ReasoningError::RequestRejected { status, message }),
        }
    }

    /// Timeouts are final; connection and I/O failures are retried.
    fn transport_failure(&self, url: &str, error: ureq::Error) -> Attempt {
        let timed_out = match &error {
            ureq::Error::Timeout(_) => true,
            ureq::Error::Io(io) => matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock),
            _ => false,
        };
        if timed_out {
            return Attempt::Fatal(ReasoningError::Timeout { timeout_s: self.config.timeout.as_secs_f64() });
        }
        let retryable = matches!(error, ureq::Error::Io(_) | ureq::Error::ConnectionFailed | ureq::Error::HostNotFound);
        let error = ReasoningError::Transport { attempts: 0, message: self.redact(format!("{url}: {error}")) };
        if retryable { Attempt::Retry { wait: None, error } } else { Attempt::Fatal(error) }
    }

    /// `text` with the key replaced, whatever a server or library echoed.
    fn redact(&self, text: String) -> String {
        let key = self.config.api_key.trim();
        if key.is_empty() { text } else { text.replace(key, "<redacted>") }
    }

    /// The wait before retry number `retry` (0-based): the server's hint, else the doubling backoff.
    fn wait_before(&self, retry: u32, hint: Option<Duration>) -> Duration {
        let backoff = self.config.backoff.saturating_mul(2u32.saturating_pow(retry));
        hint.unwrap_or(backoff).min(self.config.max_backoff)
    }
}

/// Records how many attempts were made in the final error.
fn with_attempts(error: ReasoningError, made: u32) -> ReasoningError {
    match error {
        ReasoningError::RateLimited { retry_after_s, .. } => {
            ReasoningError::RateLimited { attempts: made, retry_after_s }
        }
        ReasoningError::ServerError { status, message, .. } => {
            ReasoningError::ServerError { status, attempts: made, message }
        }
        ReasoningError::Transport { message, .. } => ReasoningError::Transport { attempts: made, message },
        other => other,
    }
}

impl Llm for Gemini {
    fn model_id(&self) -> String {
        format!("gemini:{}", self.config.model)
    }

    fn generate_json(&self, request: &LlmRequest) -> Result<LlmResponse, ReasoningError> {
        if request.max_output_tokens == 0 {
            return Err(ReasoningError::invalid_input("max_output_tokens", "must be > 0"));
        }
        let body = request_body(request, self.config.thinking_budget)?.to_string();
        let mut retry = 0;
        loop {
            match self.post(&body, request.max_output_tokens) {
                Attempt::Done(answer) => return Ok(answer),
                Attempt::Fatal(error) => return Err(with_attempts(error, retry + 1)),
                Attempt::Retry { error, .. } if retry >= self.config.max_retries => {
                    return Err(with_attempts(error, retry + 1));
                }
                Attempt::Retry { wait, .. } => {
                    std::thread::sleep(self.wait_before(retry, wait));
                    retry += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(backoff_ms: u64, max_backoff_ms: u64) -> Gemini {
        let config = GeminiConfig {
            backoff: Duration::from_millis(backoff_ms),
            max_backoff: Duration::from_millis(max_backoff_ms),
            ..GeminiConfig::new("AIzaSecret")
        };
        Gemini::new(config).unwrap()
    }

    #[test]
    fn backoff_doubles_and_is_capped_and_hints_win_but_are_capped_too() {
        let gemini = client(100, 1000);
        let waits: Vec<u128> = (0..5).map(|r| gemini.wait_before(r, None).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000]);
        assert_eq!(gemini.wait_before(0, Some(Duration::from_millis(300))).as_millis(), 300);
        assert_eq!(gemini.wait_before(0, Some(Duration::from_secs(3600))).as_millis(), 1000);
    }

    #[test]
    fn url_has_the_model_and_no_key() {
        let gemini = client(1, 1);
        assert_eq!(
            gemini.url(),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
        );
        assert_eq!(gemini.model_id(), "gemini:gemini-2.5-flash");
        assert!(!format!("{gemini:?}").contains("AIzaSecret"));
    }

    #[test]
    fn echoed_keys_are_redacted() {
        let gemini = client(1, 1);
        assert_eq!(gemini.redact("key AIzaSecret is bad".into()), "key <redacted> is bad");
    }
}
