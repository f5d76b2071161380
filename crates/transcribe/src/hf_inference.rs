//! [`HuggingFaceInference`]: Whisper hosted by the Hugging Face Inference API.
//!
//! The audio is cut into chunks of at most `chunk_s` seconds; each chunk is POSTed as a 16-bit PCM
//! WAV (the raw request body, `Content-Type: audio/wav`) to `{endpoint}/{model}`. The service
//! answers `{"text": "..."}`, optionally with `"chunks": [{"timestamp": [start, end], "text"}]`.
//! Segments come from `chunks` when present, else one per request, offset by the chunk's start.
//! HTTP 429 and 503 are retried with exponential backoff, honouring `Retry-After` and the 503
//! body's `estimated_time`. The access token never appears in errors or logs.
//!
//! The raw-bytes request carries no parameters, so the hosted model decodes with its own
//! settings: the transcript's `decoding` records what the caller asked for.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::{DecodingOptions, SAMPLE_RATE, Segment, TranscribeError, Transcriber, Transcript};

/// Longest wait between two attempts, whatever the service suggests.
const MAX_WAIT_S: f64 = 60.0;
/// First backoff when the service gives no hint; doubles with each attempt.
const FIRST_BACKOFF_S: f64 = 1.0;

/// Settings of [`HuggingFaceInference`]. `Debug` never prints the token.
#[derive(Clone)]
pub struct HfInferenceConfig {
    /// A Hugging Face access token with Inference permission.
    pub token: String,
    /// Model id on the Hub.
    pub model: String,
    /// Base URL; requests go to `{endpoint}/{model}`.
    pub endpoint: String,
    /// Longest audio per request, in seconds.
    pub chunk_s: f64,
    /// Retries per chunk after HTTP 429 or 503 (0: one attempt only).
    pub max_retries: u32,
    /// Limit for one request, connection to last byte, in seconds.
    pub timeout_s: f64,
}

impl Default for HfInferenceConfig {
    fn default() -> Self {
        Self {
            token: String::new(),
            model: "openai/whisper-large-v3".into(),
            endpoint: "https://api-inference.huggingface.co/models".into(),
            chunk_s: 30.0,
            max_retries: 5,
            timeout_s: 120.0,
        }
    }
}

impl fmt::Debug for HfInferenceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HfInferenceConfig")
            .field("token", &"<redacted>")
            .field("model", &self.model)
            .field("endpoint", &self.endpoint)
            .field("chunk_s", &self.chunk_s)
            .field("max_retries", &self.max_retries)
            .field("timeout_s", &self.timeout_s)
            .finish()
    }
}

/// A [`Transcriber`] backed by the Hugging Face Inference API. Blocking, like every transcriber.
#[derive(Debug)]
pub struct HuggingFaceInference {
    config: HfInferenceConfig,
    agent: ureq::Agent,
}

/// The documented response of the automatic-speech-recognition task.
#[derive(Deserialize)]
struct AsrResponse {
    text: String,
    #[serde(default)]
    chunks: Vec<AsrChunk>,
}

#[derive(Deserialize)]
struct AsrChunk {
    text: String,
    /// `[start, end]` in seconds from the start of the request's audio; the end may be null.
    timestamp: [Option<f64>; 2],
}

/// The body of a 503 while the model loads: `{"error": "...", "estimated_time": 20.0}`.
#[derive(Deserialize)]
struct LoadingBody {
    estimated_time: Option<f64>,
}

/// What one attempt came back with, before deciding whether to retry.
enum Attempt {
    Done(AsrResponse),
    Retry { wait_s: Option<f64>, error: TranscribeError },
    Fatal(TranscribeError),
}

impl HuggingFaceInference {
    /// Checks the settings and prepares the HTTP client; nothing is sent yet.
    pub fn new(config: HfInferenceConfig) -> Result<Self, TranscribeError> {
        if !(config.chunk_s > 0.0 && config.chunk_s.is_finite()) {
            return Err(TranscribeError::InvalidConfig(format!("chunk_s must be > 0, got {}", config.chunk_s)));
        }
        if !(config.timeout_s > 0.0 && config.timeout_s.is_finite()) {
            return Err(TranscribeError::InvalidConfig(format!("timeout_s must be > 0, got {}", config.timeout_s)));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs_f64(config.timeout_s)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Self { config, agent })
    }

    fn url(&self) -> String {
        format!("{}/{}", self.config.endpoint.trim_end_matches('/'), self.config.model)
    }

    /// Transcribes one chunk, retrying on 429 and 503.
    fn transcribe_chunk(&self, wav: &[u8]) -> Result<AsrResponse, TranscribeError> {
        let mut attempt = 0;
        loop {
            match self.post(wav) {
                Attempt::Done(response) => return Ok(response),
                Attempt::Fatal(error) => return Err(error),
                Attempt::Retry { error, .. } if attempt >= self.config.max_retries => return Err(error),
                Attempt::Retry { wait_s, .. } => {
                    let backoff_s = FIRST_BACKOFF_S * 2f64.powi(attempt as i32);
                    std::thread::sleep(Duration::from_secs_f64(wait_s.unwrap_or(backoff_s).clamp(0.0, MAX_WAIT_S)));
                    attempt += 1;
                }
            }
        }
    }

    fn post(&self, wav: &[u8]) -> Attempt {
        let url = self.url();
        let sent = self
            .agent
            .post(&url)
            .header("Authorization", &format!("Bearer {}", self.config.token))
            .header("Content-Type", "audio/wav")
            .send(wav);
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return Attempt::Fatal(self.failed(format!("request to {url} failed: {e}"))),
        };
        let status = response.status().as_u16();
        let retry_after_s = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = match response.body_mut().read_to_string() {
            Ok(body) => body,
            Err(e) => return Attempt::Fatal(self.failed(format!("reading the answer of {url} failed: {e}"))),
        };
        match status {
            200 => match serde_json::from_str::<AsrResponse>(&body) {
                Ok(parsed) => Attempt::Done(parsed),
                Err(e) => Attempt::Fatal(self.failed(format!(
                    "{url} answered HTTP 200 with a body that is not the documented {{\"text\": ...}} JSON ({e}): {}",
                    excerpt(&body)
                ))),
            },
            401 => Attempt::Fatal(TranscribeError::Unauthorized),
            429 => Attempt::Retry {
                wait_s: retry_after_s.map(|s| s as f64),
                error: TranscribeError::RateLimited { retry_after_s },
            },
            503 => {
                let estimated_s = serde_json::from_str::<LoadingBody>(&body).ok().and_then(|b| b.estimated_time);
                Attempt::Retry {
                    wait_s: retry_after_s.map(|s| s as f64).or(estimated_s),
                    error: TranscribeError::ModelLoading { estimated_s },
                }
            }
            _ => Attempt::Fatal(self.failed(format!("{url} answered HTTP {status}: {}", excerpt(&body)))),
        }
    }

    /// A `Failed` error whose message cannot carry the token, whatever the server echoed.
    fn failed(&self, message: String) -> TranscribeError {
        let token = self.config.token.trim();
        if token.is_empty() {
            TranscribeError::Failed(message)
        } else {
            TranscribeError::Failed(message.replace(token, "<redacted>"))
        }
    }
}

impl Transcriber for HuggingFaceInference {
    fn model_id(&self) -> String {
        format!("hf-inference:{}", self.config.model)
    }

    fn transcribe(&self, samples: &[f32], options: &DecodingOptions) -> Result<Transcript, TranscribeError> {
        if samples.is_empty() {
            return Err(TranscribeError::InvalidAudio("no samples".into()));
        }
        let rate = f64::from(SAMPLE_RATE);
        let chunk_len = ((self.config.chunk_s * rate) as usize).max(1);
        let mut segments = Vec::new();
        for (index, chunk) in samples.chunks(chunk_len).enumerate() {
            let offset_s = (index * chunk_len) as f64 / rate;
            let end_s = offset_s + chunk.len() as f64 / rate;
            let response = self.transcribe_chunk(&encode_wav(chunk))?;
            segments.extend(chunk_segments(response, offset_s, end_s));
        }
        let text = segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
        Ok(Transcript {
            language: options.language.clone(),
            duration_s: samples.len() as f64 / rate,
            text,
            segments,
            words: None,
            model_id: self.model_id(),
            decoding: options.clone(),
        })
    }
}

/// Segments of one request's answer, on the recording's time line.
fn chunk_segments(response: AsrResponse, offset_s: f64, end_s: f64) -> Vec<Segment> {
    let segment = |start_s: f64, end: f64, text: &str| Segment::from_text(start_s, end, text.trim());
    if response.chunks.is_empty() {
        return [segment(offset_s, end_s, &response.text)].into_iter().filter(|s| !s.text.is_empty()).collect();
    }
    response
        .chunks
        .iter()
        .map(|c| {
            let start = c.timestamp[0].map_or(offset_s, |t| offset_s + t);
            let end = c.timestamp[1].map_or(end_s, |t| offset_s + t);
            segment(start, end.min(end_s).max(start), &c.text)
        })
        .filter(|s| !s.text.is_empty())
        .collect()
}

/// At most 200 characters of a response body, for error messages.
fn excerpt(body: &str) -> String {
    let trimmed = body.trim();
    match trimmed.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None if trimmed.is_empty() => "(empty body)".into(),
        None => trimmed.to_owned(),
    }
}

/// 16 kHz mono 16-bit PCM WAV (RIFF header + little-endian samples).
fn encode_wav(samples: &[f32]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    wav.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for &s in samples {
        wav.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
    }
    wav
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_header_describes_16k_mono_pcm16() {
        let wav = encode_wav(&[0.0, 1.0, -1.0]);
        assert_eq!(wav.len(), 44 + 6);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 16_000);
        assert_eq!(u32::from_le_bytes(wav[40..44].try_into().unwrap()), 6);
        assert_eq!(i16::from_le_bytes([wav[46], wav[47]]), 32767);
        assert_eq!(i16::from_le_bytes([wav[48], wav[49]]), -32767);
    }

    #[test]
    fn chunk_timestamps_are_offset_and_a_null_end_closes_the_chunk() {
        let response: AsrResponse = serde_json::from_str(
            r#"{"text": "a b", "chunks": [{"timestamp": [0.0, 2.5], "text": " a"}, {"timestamp": [2.5, null], "text": "b"}]}"#,
        )
        .unwrap();
        let segments = chunk_segments(response, 30.0, 45.0);
        assert_eq!((segments[0].start_s, segments[0].end_s, segments[0].text.as_str()), (30.0, 32.5, "a"));
        assert_eq!((segments[1].start_s, segments[1].end_s), (32.5, 45.0));
    }

    #[test]
    fn debug_hides_the_token() {
        let config = HfInferenceConfig { token: "hf_secret".into(), ..Default::default() };
        assert!(!format!("{config:?}").contains("hf_secret"));
    }

    #[test]
    fn rejects_a_non_positive_chunk_length() {
        let config = HfInferenceConfig { chunk_s: 0.0, ..Default::default() };
        assert!(matches!(HuggingFaceInference::new(config), Err(TranscribeError::InvalidConfig(_))));
    }
}
