//! The server's settings, read once at start-up from the seed's environment variables. A missing
//! or malformed value is an error that names the variable; secrets never appear in `Debug`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use session_processing::livekit::{LiveKitApi, RecordingStore, S3Upload, WebhookVerifier};
use session_processing::{ProcessorConfig, S3Settings, bucket_name};
use session_transcribe::HfInferenceConfig;

use crate::error::ServerError;

/// Everything `session-monitor-server` needs, from the environment.
#[derive(Clone)]
pub struct ServerConfig {
    /// `PORT` (default 8080); the API listens on 127.0.0.1 unless `BIND_ADDRESS` says otherwise.
    pub port: u16,
    pub bind_address: String,
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `LIVEKIT_URL`, `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET`.
    pub livekit: LiveKitSettings,
    /// Where egress writes recordings: `RECORDINGS_S3_BUCKET` (name or ARN), else the local
    /// folder `RECORDINGS_DIR`.
    pub recordings: RecordingStore,
    /// How to reach S3 (`AWS_*`, `S3_ENDPOINT`, `S3_FORCE_PATH_STYLE`).
    pub s3: S3Settings,
    /// The processor the workers run: output (`s3://<bucket>` beside the recordings, else
    /// `OUTPUT_DIR`), model folders (`WHISPER_MODEL`, `VAD_MODEL`, `NUDITY_MODEL`) and
    /// `GEMINI_API_KEY`.
    pub processor: ProcessorConfig,
    /// `API_TOKEN`: when set, every `/api/*` call but the webhook needs `Authorization: Bearer`.
    pub api_token: Option<String>,
    pub queue: QueueSettings,
    /// `WEB_DIR`: the built page (`scripts/build-web`), served at `/`; default
    /// `crates/server/web/dist` of the source tree this binary was built from.
    pub web_dir: PathBuf,
    pub egress_start: EgressStartSettings,
    /// Transcription by the Hugging Face Inference API (`HUGGINGFACE_ACCESS_TOKEN`, with
    /// `HF_INFERENCE_MODEL` and `HF_INFERENCE_ENDPOINT`), used when no `WHISPER_MODEL` is set.
    pub hf_inference: Option<HfInferenceConfig>,
    /// `RECONCILE_AFTER_S` (default 120): an egress still recording in a session that ended this
    /// long ago is asked about (LiveKit's `egress_ended` may have been lost).
    pub reconcile_after: Duration,
    /// `REALTIME_MONITOR=on`: the hidden participant that checks every live room's video
    /// (`room_monitor`); `None` when off (the default).
    pub monitor: Option<MonitorSettings>,
}

/// How long a participant's egress may stay `EGRESS_STARTING` before the recording worker stops
/// it and starts a new one, and how many it starts in all.
#[derive(Clone, Debug, PartialEq)]
pub struct EgressStartSettings {
    /// `EGRESS_START_TIMEOUT_S` (default 20).
    pub timeout: Duration,
    /// `EGRESS_START_ATTEMPTS` (default 3).
    pub attempts: usize,
}

impl Default for EgressStartSettings {
    fn default() -> Self {
        EgressStartSettings { timeout: Duration::from_secs(20), attempts: 3 }
    }
}

/// The server-side realtime safety check: a hidden participant per live session.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitorSettings {
    /// `MONITOR_PYTHON` (default `python3`): a Python with LiveKit's `livekit` SDK, which carries
    /// the frames (`crates/server/monitor/room_monitor.py`).
    pub python: PathBuf,
    /// `MONITOR_FRAMES_PER_S` (default 1, 0.1–10): frames checked per second per video track.
    pub frames_per_s: f64,
    /// `MONITOR_NUDITY_THRESHOLD` (default 0.7, 0–1): the flag threshold on the nudity score;
    /// the model is `NUDITY_MODEL` (without it only covered or frozen video is judged).
    pub nudity_threshold: f64,
}

/// LiveKit's URL and key pair.
#[derive(Clone)]
pub struct LiveKitSettings {
    pub url: String,
    pub api_key: String,
    pub api_secret: String,
}

impl LiveKitSettings {
    pub fn verifier(&self) -> Result<WebhookVerifier, ServerError> {
        WebhookVerifier::new(self.api_key.as_str(), self.api_secret.as_str()).map_err(ServerError::config)
    }

    pub fn api(&self) -> Result<LiveKitApi, ServerError> {
        LiveKitApi::new(&self.url, self.api_key.as_str(), self.api_secret.as_str()).map_err(ServerError::config)
    }
}

/// The job queue's timing: how often a worker reports that it is alive, and after how many
/// missed reports its job goes to another worker.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueSettings {
    /// `QUEUE_HEARTBEAT_S` (default 5).
    pub heartbeat: Duration,
    /// `QUEUE_MISSED_HEARTBEATS` (default 3): a dead worker's job is handed back after
    /// heartbeat × missed (15 s by default).
    pub missed_heartbeats: usize,
    /// `QUEUE_MAX_ATTEMPTS` (default 3): runs of one job, counting those cut by a dead worker.
    pub max_attempts: usize,
    /// `WORKER_CONCURRENCY` (default 1): sessions one process runs at once.
    pub concurrency: usize,
    /// `STORAGE_RETRY_BACKOFF_S` (default `2,4,8`): the waits before each new run of a session
    /// whose run failed on storage (the bucket unreachable); after the last, it fails.
    pub storage_backoff: Vec<Duration>,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            heartbeat: Duration::from_secs(5),
            missed_heartbeats: 3,
            max_attempts: 3,
            concurrency: 1,
            storage_backoff: [2, 4, 8].into_iter().map(Duration::from_secs).collect(),
        }
    }
}

impl ServerConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ServerError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (a variable's value, or `None`); empty values count as
    /// unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ServerError> {
        let var = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let required =
            |name: &str, what: &str| var(name).ok_or_else(|| ServerError::Config(format!("{name} is not set: {what}")));
        let livekit = LiveKitSettings {
            url: required("LIVEKIT_URL", "the LiveKit server's URL, e.g. ws://127.0.0.1:7880")?,
            api_key: required("LIVEKIT_API_KEY", "the API key LiveKit signs webhooks with")?,
            api_secret: required("LIVEKIT_API_SECRET", "the secret of LIVEKIT_API_KEY")?,
        };
        livekit.verifier()?;
        livekit.api()?;
        let s3 = S3Settings::from_variables(var)?;
        let (recordings, default_output) = match var("RECORDINGS_S3_BUCKET") {
            Some(bucket) => {
                let name = bucket_name(&bucket).map_err(|e| {
                    ServerError::Config(format!("RECORDINGS_S3_BUCKET is not a bucket name or ARN: {e}"))
                })?;
                (RecordingStore::S3 { bucket: name.clone() }, format!("s3://{name}"))
            }
            None => match var("RECORDINGS_DIR") {
                Some(dir) => (RecordingStore::local(dir), "session-output".to_string()),
                None => {
                    return Err(ServerError::Config(
                        "set RECORDINGS_S3_BUCKET (the bucket egress uploads to) or RECORDINGS_DIR (a local folder egress writes to)"
                            .into(),
                    ));
                }
            },
        };
        let processor = ProcessorConfig {
            s3: Some(s3.clone()),
            whisper_model: var("WHISPER_MODEL").map(PathBuf::from),
            vad_model: var("VAD_MODEL").map(PathBuf::from),
            nudity_model: var("NUDITY_MODEL").map(PathBuf::from),
            gemini_api_key: Some(var("GEMINI_API_KEY").unwrap_or_default()),
            offline: true,
            ..ProcessorConfig::new(var("OUTPUT_DIR").unwrap_or(default_output))
        };
        Ok(ServerConfig {
            port: parse(&var, "PORT", 8080)?,
            bind_address: var("BIND_ADDRESS").unwrap_or_else(|| "127.0.0.1".into()),
            database_url: required("DATABASE_URL", "a Postgres URL, e.g. postgres://user@127.0.0.1:5432/sessions")?,
            livekit,
            recordings,
            s3,
            processor: processor.clone(),
            api_token: var("API_TOKEN"),
            web_dir: var("WEB_DIR").map(PathBuf::from).unwrap_or_else(default_web_dir),
            egress_start: EgressStartSettings {
                timeout: Duration::from_secs_f64(parse_in(&var, "EGRESS_START_TIMEOUT_S", 20.0, 1.0..=600.0)?),
                attempts: parse(&var, "EGRESS_START_ATTEMPTS", 3usize)?.clamp(1, 10),
            },
            monitor: monitor_settings(&var)?,
            hf_inference: match (&processor.whisper_model, var("HUGGINGFACE_ACCESS_TOKEN")) {
                (None, Some(token)) => {
                    let defaults = HfInferenceConfig::default();
                    Some(HfInferenceConfig {
                        token,
                        model: var("HF_INFERENCE_MODEL").unwrap_or(defaults.model.clone()),
                        endpoint: var("HF_INFERENCE_ENDPOINT").unwrap_or(defaults.endpoint.clone()),
                        ..defaults
                    })
                }
                _ => None,
            },
            reconcile_after: Duration::from_secs_f64(parse_in(&var, "RECONCILE_AFTER_S", 120.0, 1.0..=86_400.0)?),
            queue: QueueSettings {
                heartbeat: Duration::from_secs(parse(&var, "QUEUE_HEARTBEAT_S", 5u64)?.max(1)),
                missed_heartbeats: parse(&var, "QUEUE_MISSED_HEARTBEATS", 3usize)?.max(1),
                max_attempts: parse(&var, "QUEUE_MAX_ATTEMPTS", 3usize)?.max(1),
                concurrency: parse(&var, "WORKER_CONCURRENCY", 1usize)?.max(1),
                storage_backoff: match var("STORAGE_RETRY_BACKOFF_S") {
                    Some(list) => seconds_list("STORAGE_RETRY_BACKOFF_S", &list)?,
                    None => QueueSettings::default().storage_backoff,
                },
            },
        })
    }

    /// What egress is told about the bucket, when recordings go to S3.
    pub fn egress_upload(&self) -> Option<S3Upload> {
        let RecordingStore::S3 { bucket } = &self.recordings else { return None };
        Some(S3Upload {
            access_key: self.s3.access_key_id.clone().unwrap_or_default(),
            secret: self.s3.secret_access_key.clone().unwrap_or_default(),
            session_token: self.s3.session_token.clone().unwrap_or_default(),
            region: self.s3.region.clone().unwrap_or_default(),
            endpoint: self.s3.endpoint.clone().unwrap_or_default(),
            bucket: bucket.clone(),
            force_path_style: self.s3.force_path_style,
        })
    }
}

fn default_web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web").join("dist")
}

fn parse<T: std::str::FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
) -> Result<T, ServerError> {
    match var(name) {
        None => Ok(default),
        Some(value) => {
            value.parse().map_err(|_| ServerError::Config(format!("{name} is {value:?}; expected a whole number")))
        }
    }
}

/// A number in `range`, or `default` when unset.
fn parse_in(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: f64,
    range: std::ops::RangeInclusive<f64>,
) -> Result<f64, ServerError> {
    match var(name) {
        None => Ok(default),
        Some(value) => match value.parse::<f64>() {
            Ok(number) if range.contains(&number) => Ok(number),
            _ => Err(ServerError::Config(format!(
                "{name} is {value:?}; expected a number from {} to {}",
                range.start(),
                range.end()
            ))),
        },
    }
}

fn monitor_settings(var: &impl Fn(&str) -> Option<String>) -> Result<Option<MonitorSettings>, ServerError> {
    match var("REALTIME_MONITOR").as_deref() {
        None | Some("off") => Ok(None),
        Some("on") => Ok(Some(MonitorSettings {
            python: var("MONITOR_PYTHON").map(PathBuf::from).unwrap_or_else(|| "python3".into()),
            frames_per_s: parse_in(var, "MONITOR_FRAMES_PER_S", 1.0, 0.1..=10.0)?,
            nudity_threshold: parse_in(
                var,
                "MONITOR_NUDITY_THRESHOLD",
                session_processing::session_safety::nudity::DEFAULT_NUDITY_THRESHOLD,
                0.0..=1.0,
            )?,
        })),
        Some(other) => Err(ServerError::Config(format!("REALTIME_MONITOR is {other:?}; expected on or off"))),
    }
}

/// `"2,4,8"` → waits of 2, 4 and 8 seconds (each 0–3600 s).
fn seconds_list(name: &str, list: &str) -> Result<Vec<Duration>, ServerError> {
    list.split(',')
        .map(|item| match item.trim().parse::<f64>() {
            Ok(s) if (0.0..=3600.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
            _ => Err(ServerError::Config(format!(
                "{name} is {list:?}; expected seconds separated by commas, e.g. 2,4,8"
            ))),
        })
        .collect()
}

impl fmt::Debug for ServerConfig {
    /// Shows where things are, never a secret (keys, the database password, the API token).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("port", &self.port)
            .field("bind_address", &self.bind_address)
            .field("database_url", &redact_password(&self.database_url))
            .field("livekit_url", &self.livekit.url)
            .field("livekit_api_key", &self.livekit.api_key)
            .field("recordings", &self.recordings)
            .field("s3", &self.s3)
            .field("processor", &self.processor)
            .field("api_token", &self.api_token.as_ref().map(|_| "<set>"))
            .field("queue", &self.queue)
            .field("web_dir", &self.web_dir)
            .field("egress_start", &self.egress_start)
            .field("monitor", &self.monitor)
            .field("hf_inference", &self.hf_inference)
            .field("reconcile_after", &self.reconcile_after)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:<redacted>@host/db`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((userinfo, host)) = rest.rsplit_once('@') else { return url.to_string() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:<redacted>@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<ServerConfig, ServerError> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ServerConfig::from_lookup(|name| env.get(name).cloned())
    }

    const BASE: [(&str, &str); 5] = [
        ("LIVEKIT_URL", "ws://127.0.0.1:7880"),
        ("LIVEKIT_API_KEY", "APIkey"),
        ("LIVEKIT_API_SECRET", "a-long-enough-secret-for-tests"),
        ("DATABASE_URL", "postgres://monitor:pg-secret@127.0.0.1:5432/sessions"),
        ("RECORDINGS_S3_BUCKET", "arn:aws:s3:::recordings"),
    ];

    #[test]
    fn each_missing_variable_is_named() {
        for missing in ["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "DATABASE_URL"] {
            let pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != missing).collect();
            let error = config(&pairs).expect_err("a missing variable fails");
            assert!(error.to_string().contains(missing), "{error}");
        }
        let pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != "RECORDINGS_S3_BUCKET").collect();
        let error = config(&pairs).expect_err("no recordings store fails").to_string();
        assert!(error.contains("RECORDINGS_S3_BUCKET") && error.contains("RECORDINGS_DIR"), "{error}");
    }

    #[test]
    fn malformed_values_are_named() {
        for (name, value) in [
            ("PORT", "eighty"),
            ("S3_FORCE_PATH_STYLE", "maybe"),
            ("LIVEKIT_URL", "127.0.0.1:7880"),
            ("STORAGE_RETRY_BACKOFF_S", "1,soon"),
            ("EGRESS_START_TIMEOUT_S", "0"),
            ("REALTIME_MONITOR", "yes"),
        ] {
            let mut pairs = BASE.to_vec();
            pairs.retain(|(k, _)| *k != name);
            pairs.push((name, value));
            let error = config(&pairs).expect_err("a malformed value fails").to_string();
            assert!(error.contains(name), "{name}: {error}");
        }
    }

    #[test]
    fn an_arn_names_the_bucket_and_the_output_goes_beside_the_recordings() {
        let config = config(&BASE).expect("valid");
        assert_eq!(config.recordings, RecordingStore::S3 { bucket: "recordings".into() });
        assert_eq!(config.processor.output, "s3://recordings");
        assert_eq!(config.port, 8080);
        assert_eq!(config.queue, QueueSettings::default());
        assert_eq!(config.egress_start, EgressStartSettings::default());
        assert_eq!(config.monitor, None);
    }

    #[test]
    fn the_monitor_is_on_only_when_asked_and_its_numbers_are_checked() {
        let mut pairs = BASE.to_vec();
        pairs.extend([("REALTIME_MONITOR", "on"), ("MONITOR_NUDITY_THRESHOLD", "0.5")]);
        let monitor = config(&pairs).expect("valid").monitor.expect("on");
        assert_eq!((monitor.python, monitor.frames_per_s, monitor.nudity_threshold), ("python3".into(), 1.0, 0.5));
        for (name, value) in [("MONITOR_NUDITY_THRESHOLD", "1.5"), ("MONITOR_FRAMES_PER_S", "NaN")] {
            let mut pairs = pairs.clone();
            pairs.push((name, value));
            let error = config(&pairs).expect_err("out of range").to_string();
            assert!(error.contains(name), "{error}");
        }
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let mut pairs = BASE.to_vec();
        pairs.extend([
            ("API_TOKEN", "tok-very-secret"),
            ("GEMINI_API_KEY", "AIza-secret"),
            ("HUGGINGFACE_ACCESS_TOKEN", "hf_secret_token"),
            ("AWS_ACCESS_KEY_ID", "AKIA1"),
            ("AWS_SECRET_ACCESS_KEY", "aws-secret"),
        ]);
        let shown = format!("{:?}", config(&pairs).expect("valid"));
        for secret in [
            "a-long-enough-secret-for-tests",
            "pg-secret",
            "tok-very-secret",
            "AIza-secret",
            "aws-secret",
            "hf_secret_token",
        ] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        assert!(shown.contains("postgres://monitor:<redacted>@127.0.0.1:5432/sessions"), "{shown}");
        assert!(shown.contains("whisper-large-v3"), "the Hugging Face transcriber is on: {shown}");
    }
}
