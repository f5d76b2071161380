//! The platform under test: a private Postgres cluster, `session-monitor-server` processes
//! started as a person would start them (the built binary, settings in the environment), and
//! signed LiveKit webhooks. Every wait is for a state, bounded, and names what it waited for.

#![allow(dead_code)]

pub mod relay;
pub mod stack;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use session_processing::livekit::sign_webhook;
use session_testkit::PostgresServer;

pub const API_KEY: &str = session_testkit::livekit_server::API_KEY;
pub const API_SECRET: &str = session_testkit::livekit_server::API_SECRET;
/// The operator token the servers under test are started with.
pub const API_TOKEN: &str = "operator-token-for-tests";

/// A `session-monitor-server` process; killed when dropped.
pub struct ServerProcess {
    child: Child,
    log: PathBuf,
    pub base_url: String,
}

impl ServerProcess {
    /// Starts `session-monitor-server <args>` with `env`; for `serve`, waits until `/healthz`
    /// answers 200 (60 s at most, the log shown on failure).
    pub fn start(args: &[&str], env: &HashMap<String, String>, log: PathBuf) -> Self {
        let port = env.get("PORT").cloned().unwrap_or_else(|| "0".into());
        let log_file = std::fs::File::create(&log).expect("server log");
        let child = Command::new(env!("CARGO_BIN_EXE_session-monitor-server"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .envs(env)
            .stdout(Stdio::from(log_file.try_clone().expect("log handle")))
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("start session-monitor-server");
        let mut server = ServerProcess { child, log, base_url: format!("http://127.0.0.1:{port}") };
        if args.first() == Some(&"serve") {
            server.wait_until_healthy(Duration::from_secs(60));
        }
        server
    }

    pub fn wait_until_healthy(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("session-monitor-server exited with {status}:\n{}", self.log_text());
            }
            if http_get(&format!("{}/healthz", self.base_url), &[]).0 == 200 {
                return;
            }
            assert!(Instant::now() < deadline, "/healthz did not answer 200 within {timeout:?}:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to clean up or hand anything back.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Postgres, folders for recordings and outputs, and the settings the servers get.
pub struct Platform {
    pub postgres: PostgresServer,
    pub folder: tempfile::TempDir,
    pub env: HashMap<String, String>,
}

impl Platform {
    /// Postgres plus settings for recordings in a local folder; `livekit_url` is the LiveKit
    /// server the API talks to (an unused address when a test sends only webhooks).
    pub fn start(livekit_url: &str) -> Self {
        let postgres = PostgresServer::start();
        let folder = tempfile::Builder::new().prefix("platform-").tempdir().expect("test folder");
        for dir in ["recordings", "output", "logs"] {
            std::fs::create_dir_all(folder.path().join(dir)).expect("folder");
        }
        let port = free_port();
        let env: HashMap<String, String> = [
            ("PORT", port.to_string()),
            ("DATABASE_URL", postgres.url.clone()),
            ("LIVEKIT_URL", livekit_url.to_string()),
            ("LIVEKIT_API_KEY", API_KEY.to_string()),
            ("LIVEKIT_API_SECRET", API_SECRET.to_string()),
            ("RECORDINGS_DIR", folder.path().join("recordings").display().to_string()),
            ("OUTPUT_DIR", folder.path().join("output").display().to_string()),
            ("API_TOKEN", API_TOKEN.to_string()),
            ("QUEUE_HEARTBEAT_S", "1".to_string()),
            ("QUEUE_MISSED_HEARTBEATS", "3".to_string()),
            ("SESSION_MONITOR_LOG", "info,sqlx=warn".to_string()),
            ("TMPDIR", folder.path().display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Platform { postgres, folder, env }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.env["PORT"])
    }

    /// The hidden room monitor on (`REALTIME_MONITOR=on`), with LiveKit's Python SDK from the
    /// test venv and the nsfwjs model; `threshold` sets `MONITOR_NUDITY_THRESHOLD`.
    pub fn with_room_monitor(&mut self, threshold: Option<&str>) {
        let model = std::env::var("NSFW_MODEL_DIR")
            .expect("NSFW_MODEL_DIR is not set: run scripts/prepare-nsfw-model (scripts/test does) and export it");
        self.env.insert("REALTIME_MONITOR".into(), "on".into());
        self.env.insert("MONITOR_PYTHON".into(), session_testkit::peer_python().display().to_string());
        self.env.insert("NUDITY_MODEL".into(), model);
        if let Some(threshold) = threshold {
            self.env.insert("MONITOR_NUDITY_THRESHOLD".into(), threshold.into());
        }
    }

    /// Workers that transcribe (Whisper tiny) only where Silero VAD hears speech, as deployed.
    pub fn with_transcription(&mut self) {
        let whisper = std::env::var("WHISPER_MODEL_DIR")
            .expect("WHISPER_MODEL_DIR is not set: run scripts/prepare-whisper-tiny (scripts/test does) and export it");
        let vad = std::env::var("SILERO_VAD_DIR")
            .expect("SILERO_VAD_DIR is not set: run scripts/prepare-silero-vad (scripts/test does) and export it");
        self.env.insert("WHISPER_MODEL".into(), whisper);
        self.env.insert("VAD_MODEL".into(), vad);
    }

    pub fn serve(&self, extra: &[&str]) -> ServerProcess {
        let mut args = vec!["serve"];
        args.extend_from_slice(extra);
        ServerProcess::start(&args, &self.env, self.log_path("serve"))
    }

    /// A `worker` process; `name` only names its log.
    pub fn worker(&self, name: &str) -> ServerProcess {
        ServerProcess::start(&["worker"], &self.env, self.log_path(name))
    }

    fn log_path(&self, name: &str) -> PathBuf {
        let logs = self.folder.path().join("logs");
        (0..).map(|i| logs.join(format!("{name}-{i}.log"))).find(|p| !p.exists()).expect("a free log name")
    }

    pub fn recordings(&self) -> PathBuf {
        self.folder.path().join("recordings")
    }

    pub fn output(&self) -> PathBuf {
        self.folder.path().join("output")
    }

    /// Puts `fixture` where an egress of session `id` would have written it; returns the key.
    pub fn record(&self, id: &str, fixture: &Path) -> String {
        let key = format!("sessions/{id}/recording.mp4");
        let path = self.recordings().join(&key);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("recording folder");
        std::fs::copy(fixture, &path).expect("copy the recording");
        key
    }

    /// Signs `body` as livekit-server does and POSTs it to the webhook route.
    pub fn deliver(&self, body: &Value) -> (u16, Value) {
        let bytes = body.to_string().into_bytes();
        let auth = sign_webhook(API_KEY, API_SECRET, &bytes, time::OffsetDateTime::now_utc()).expect("sign");
        self.post_webhook(&bytes, Some(&auth), Some("application/webhook+json"))
    }

    pub fn post_webhook(&self, body: &[u8], auth: Option<&str>, content_type: Option<&str>) -> (u16, Value) {
        let mut headers = Vec::new();
        if let Some(auth) = auth {
            headers.push(("Authorization", auth.to_string()));
        }
        if let Some(content_type) = content_type {
            headers.push(("Content-Type", content_type.to_string()));
        }
        http_post(&format!("{}/api/livekit/webhook", self.base_url()), &headers, body)
    }

    /// `GET /api/sessions/{id}` as the operator.
    pub fn session(&self, id: &str) -> (u16, Value) {
        http_get(&format!("{}/api/sessions/{id}", self.base_url()), &[("Authorization", format!("Bearer {API_TOKEN}"))])
    }

    /// Waits until session `id` has `status`; fails with the session as last seen.
    pub fn wait_for_status(&self, id: &str, status: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let (code, body) = self.session(id);
            if code == 200 && body["session"]["status"] == status {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "session {id} did not reach {status:?} within {timeout:?}; last seen ({code}): {body:#}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the session has an event of `kind`; returns the first.
    pub fn wait_for_event(&self, id: &str, kind: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.query(&format!(
                "SELECT event_type, payload FROM session_events WHERE session_id = '{id}' AND event_type = '{kind}' \
                 ORDER BY id LIMIT 1"
            ));
            if let Some(event) = found.into_iter().next() {
                return event;
            }
            let seen =
                self.query(&format!("SELECT event_type FROM session_events WHERE session_id = '{id}' ORDER BY id"));
            assert!(Instant::now() < deadline, "session {id} had no {kind:?} event within {timeout:?}: {seen:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the queue holds `count` jobs, all `Done` (apalis acknowledges a job just
    /// after its handler returns); returns them.
    pub fn wait_for_jobs_done(&self, count: usize, timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let jobs = self.query("SELECT job_type, status, attempts FROM apalis.jobs ORDER BY id");
            if jobs.len() == count && jobs.iter().all(|j| j["status"] == "Done") {
                return jobs;
            }
            assert!(Instant::now() < deadline, "not {count} jobs done within {timeout:?}: {jobs:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs SQL on the platform's database and returns the rows as JSON objects.
    pub fn query(&self, sql: &str) -> Vec<Value> {
        let url = self.postgres.url.clone();
        let sql = format!("SELECT COALESCE(json_agg(t), '[]'::json) FROM ({sql}) t");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let pool = sqlx::PgPool::connect(&url).await.expect("connect to the test database");
            let rows: Value = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&pool).await.expect("query");
            pool.close().await;
            rows.as_array().cloned().unwrap_or_default()
        })
    }
}

/// An `egress_ended` as livekit-server sends it for a completed participant egress.
pub fn egress_ended(delivery_id: &str, egress_id: &str, room: &str, key: &str, identity: &str) -> Value {
    json!({
        "event": "egress_ended",
        "id": delivery_id,
        "createdAt": time::OffsetDateTime::now_utc().unix_timestamp().to_string(),
        "egressInfo": {
            "egressId": egress_id,
            "roomId": "RM_test",
            "roomName": room,
            "status": "EGRESS_COMPLETE",
            "startedAt": "1764800000000000000",
            "endedAt": "1764800030000000000",
            "participant": { "roomName": room, "identity": identity },
            "fileResults": [{ "filename": key, "duration": "26000000000", "size": "1000000" }],
        }
    })
}

pub fn http_get(url: &str, headers: &[(&str, String)]) -> (u16, Value) {
    request("GET", url, headers, None)
}

pub fn http_post(url: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, Value) {
    request("POST", url, headers, Some(body))
}

fn request(method: &str, url: &str, headers: &[(&str, String)], body: Option<&[u8]>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let answer = match body {
        Some(body) => {
            let mut request = agent.post(url);
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            request.send(body)
        }
        None => {
            let mut request = agent.get(url);
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            request.call()
        }
    };
    match answer {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
        }
        Err(error) => (0, Value::String(format!("{method} {url}: {error}"))),
    }
}

pub fn free_port() -> u16 {
    session_testkit::free_tcp_port()
}
