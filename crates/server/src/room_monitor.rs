//! The server-side realtime safety check (decision 020): while a session is live, a hidden
//! participant (`monitor-<session>`, `crates/server/monitor/room_monitor.py` on LiveKit's Python
//! SDK) subscribes to every video track and hands this process about one frame a second per
//! track; each is scored here with the library's `SafetyChecker` (one per track, the nudity model
//! of `NUDITY_MODEL`) and every event is stored as the browser's are: `safety/<timestamp>.json`
//! through the library and a `safety_event` row, with source `realtime_server`. A user cannot
//! switch it off in their browser.
//!
//! It starts with Start Session and leaves when the room closes (End Session, LiveKit closing an
//! empty room) or the session's token expires. `monitor_joined`, `monitor_left` (frames scored,
//! frame-to-event latency p50/p95, frames scored per second of one core) and `monitor_failed`
//! rows tell what it did.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Value, json};
use session_processing::{PixelFormat, SafetyChecker, SafetyCheckerSettings, SafetyEvent};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::app::AppState;
use crate::config::MonitorSettings;
use crate::db;
use crate::error::ServerError;
use crate::monitor_stats::MonitorStats;

/// The participant program, run with `MONITOR_PYTHON -c`.
const SCRIPT: &str = include_str!("../monitor/room_monitor.py");
/// How long the monitor stays at most (the participants' tokens last as long).
const MAX_STAY: Duration = Duration::from_secs(2 * 3600);
/// How long it may take to join the room.
const JOIN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long it gets to leave once asked, before it is killed.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest header line and frame accepted from the participant program.
const MAX_HEADER_BYTES: usize = 4096;
const MAX_FRAME_PIXELS: u64 = 4096 * 2304;

/// The monitors this process runs, by session.
#[derive(Default)]
pub struct RoomMonitors {
    running: Mutex<HashMap<String, oneshot::Sender<()>>>,
}

impl RoomMonitors {
    /// Sends a hidden participant into `room` for `session_id`, when `REALTIME_MONITOR=on`.
    pub fn start(&self, state: &AppState, session_id: &str, room: &str) {
        if state.config.monitor.is_none() {
            return;
        }
        let (stop, stopped) = oneshot::channel();
        self.lock().insert(session_id.to_string(), stop);
        let span = tracing::info_span!("monitor", session = %session_id);
        let (state, id, room) = (state.clone(), session_id.to_string(), room.to_string());
        tokio::spawn(async move { watch_room(state, id, room, stopped).await }.instrument(span));
    }

    /// Asks the session's monitor, if this process runs one, to leave.
    pub fn stop(&self, session_id: &str) {
        if let Some(stop) = self.lock().remove(session_id) {
            let _ = stop.send(());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<()>>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Start-up check for `REALTIME_MONITOR=on`: `MONITOR_PYTHON` runs and has LiveKit's SDK.
pub async fn check_python(settings: &MonitorSettings) -> Result<(), ServerError> {
    let checked = Command::new(&settings.python)
        .args(["-c", "import livekit.rtc"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
    match checked {
        Ok(status) if status.success() => Ok(()),
        _ => Err(ServerError::Config(format!(
            "REALTIME_MONITOR=on needs MONITOR_PYTHON ({}) with LiveKit's `livekit` SDK: pip install livekit==1.2.1 \
             (scripts/setup puts it in .venv)",
            settings.python.display()
        ))),
    }
}

/// One message of the participant program (see its docstring).
#[derive(Debug, Deserialize)]
struct Message {
    event: String,
    #[serde(default)]
    bytes: usize,
    #[serde(default)]
    participant: String,
    #[serde(default)]
    track: String,
    #[serde(default)]
    width: u32,
    #[serde(default)]
    height: u32,
    #[serde(default)]
    time_s: f64,
    #[serde(default)]
    received_unix_ms: f64,
    #[serde(default)]
    reason: Option<String>,
}

async fn watch_room(state: AppState, id: String, room: String, stopped: oneshot::Receiver<()>) {
    let mut stats = MonitorStats::default();
    let outcome = run(&state, &id, &room, stopped, &mut stats).await;
    state.monitors.lock().remove(&id);
    let (kind, mut payload) = match outcome {
        Ok(reason) => ("monitor_left", json!({ "reason": reason })),
        Err(reason) => {
            tracing::warn!(%reason, "the room monitor failed");
            ("monitor_failed", json!({ "reason": reason }))
        }
    };
    payload["summary"] = stats.summary();
    if let Err(error) = add_event(&state, &id, kind, &payload).await {
        tracing::warn!(%error, "cannot record the room monitor's end");
    }
}

/// Runs the participant program until it leaves; `Ok(why it left)`, or `Err(what failed)`.
async fn run(
    state: &AppState,
    id: &str,
    room: &str,
    mut stopped: oneshot::Receiver<()>,
    stats: &mut MonitorStats,
) -> Result<String, String> {
    let Some(settings) = state.config.monitor.clone() else { return Ok("off".into()) };
    let identity = format!("{}{id}", crate::HIDDEN_IDENTITY_PREFIX);
    let token = state.livekit.monitor_token(room, &identity, MAX_STAY).map_err(|e| e.to_string())?;
    let mut child = Command::new(&settings.python)
        .arg("-c")
        .arg(SCRIPT)
        .env("MONITOR_LIVEKIT_URL", state.livekit.client_url())
        .env("MONITOR_TOKEN", token)
        .env("MONITOR_FRAMES_PER_S", settings.frames_per_s.to_string())
        .env("MONITOR_MAX_SECONDS", MAX_STAY.as_secs().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run MONITOR_PYTHON ({}): {e}", settings.python.display()))?;
    let stderr = tail_of(child.stderr.take());
    let mut messages = read_messages(child.stdout.take().ok_or("no stdout")?);
    let mut scorer = Scorer::new(state, id, settings.nudity_threshold);
    match tokio::time::timeout(JOIN_TIMEOUT, messages.recv()).await {
        Ok(Some(Ok(message))) if message.0.event == "joined" => {
            add_event(state, id, "monitor_joined", &json!({ "identity": identity }))
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(_) => return Err(exit_reason(&mut child, stderr, "it did not join the room").await),
        Err(_) => return Err(format!("it did not join the room within {} s", JOIN_TIMEOUT.as_secs())),
    }
    let mut leave_by: Option<tokio::time::Instant> = None;
    loop {
        let message = tokio::select! {
            message = messages.recv() => message,
            _ = &mut stopped, if leave_by.is_none() => {
                leave_by = Some(tokio::time::Instant::now() + LEAVE_TIMEOUT);
                if let Some(stdin) = child.stdin.as_mut() {
                    let _ = stdin.write_all(b"stop\n").await;
                }
                continue;
            }
            _ = sleep_until(leave_by) => {
                let _ = child.kill().await;
                return Ok("asked to leave; killed after it did not".into());
            }
        };
        match message {
            Some(Ok((message, pixels))) if message.event == "frame" => scorer.score(message, pixels, stats).await?,
            Some(Ok((message, _))) if message.event == "left" => {
                let _ = child.wait().await;
                return Ok(message.reason.unwrap_or_else(|| "left".into()));
            }
            Some(Ok(_)) => {}
            None => return Err(exit_reason(&mut child, stderr, "it stopped without leaving").await),
            Some(Err(error)) => {
                let _ = child.kill().await;
                return Err(error);
            }
        }
    }
}

/// Sleeps until `at`, or for ever.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

type Received = Result<(Message, Vec<u8>), String>;

/// The program's messages, read on their own task (a read cut in half would lose its place);
/// the channel closes after the last one or the first error. Two frames wait at most.
fn read_messages(stdout: tokio::process::ChildStdout) -> tokio::sync::mpsc::Receiver<Received> {
    let (send, receive) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        let mut stdout = BufReader::new(stdout);
        loop {
            let Some(read) = read_message(&mut stdout).await.transpose() else { return };
            let failed = read.is_err();
            if send.send(read).await.is_err() || failed {
                return;
            }
        }
    });
    receive
}

/// A header line, then its `bytes` of pixels; `None` at the end of the output.
async fn read_message(stdout: &mut BufReader<impl AsyncRead + Unpin>) -> Result<Option<(Message, Vec<u8>)>, String> {
    let mut line = Vec::new();
    let read = (&mut *stdout).take(MAX_HEADER_BYTES as u64 + 1).read_until(b'\n', &mut line).await;
    match read {
        Ok(0) => return Ok(None),
        Ok(_) if line.len() > MAX_HEADER_BYTES => return Err("a message header is too long".into()),
        Ok(_) => {}
        Err(error) => return Err(format!("cannot read the monitor's output: {error}")),
    }
    let message: Message = serde_json::from_slice(&line).map_err(|e| format!("an unreadable message: {e}"))?;
    if message.event == "frame" {
        let pixels = u64::from(message.width) * u64::from(message.height);
        if pixels == 0 || pixels > MAX_FRAME_PIXELS || message.bytes as u64 != pixels * 4 {
            return Err(format!(
                "a frame of {}x{} with {} bytes is refused",
                message.width, message.height, message.bytes
            ));
        }
    } else if message.bytes > 0 {
        return Err(format!("a {} message carries bytes", message.event));
    }
    let mut pixels = vec![0; message.bytes];
    stdout.read_exact(&mut pixels).await.map_err(|e| format!("a frame was cut short: {e}"))?;
    Ok(Some((message, pixels)))
}

/// The frames' checkers, one per track, and where their events go.
struct Scorer<'a> {
    state: &'a AppState,
    id: &'a str,
    threshold: f64,
    checkers: HashMap<String, SafetyChecker>,
}

impl<'a> Scorer<'a> {
    fn new(state: &'a AppState, id: &'a str, threshold: f64) -> Self {
        Scorer { state, id, threshold, checkers: HashMap::new() }
    }

    async fn score(&mut self, frame: Message, pixels: Vec<u8>, stats: &mut MonitorStats) -> Result<(), String> {
        let checker = match self.checkers.remove(&frame.track) {
            Some(checker) => checker,
            None => {
                let settings = SafetyCheckerSettings {
                    participant: Some(frame.participant.clone()),
                    nudity_model: self.state.config.processor.nudity_model.clone(),
                    nudity_threshold: self.threshold,
                    ..Default::default()
                };
                blocking(move || SafetyChecker::new(settings).map_err(|e| e.to_string())).await??
            }
        };
        let (width, height, time_s) = (frame.width, frame.height, frame.time_s);
        let (checker, checked, check_ms) = blocking(move || {
            let mut checker = checker;
            let began = Instant::now();
            let checked = checker.check_frame(&pixels, width, height, PixelFormat::Rgba8, time_s);
            (checker, checked, began.elapsed().as_secs_f64() * 1000.0)
        })
        .await?;
        self.checkers.insert(frame.track.clone(), checker);
        let checked = checked.map_err(|e| format!("a frame could not be checked: {e}"))?;
        stats.frame(&frame.participant, check_ms, unix_ms() - frame.received_unix_ms);
        self.state.metrics.monitor_frame();
        for event in checked.events {
            self.store(event).await?;
            stats.event(unix_ms() - frame.received_unix_ms);
        }
        Ok(())
    }

    async fn store(&self, event: SafetyEvent) -> Result<(), String> {
        let stored = self.state.recorder.record_safety_event(self.id, event).await.map_err(|e| e.to_string())?;
        let payload = serde_json::to_value(&stored).map_err(|e| e.to_string())?;
        add_event(self.state, self.id, "safety_event", &payload).await.map_err(|e| e.to_string())?;
        self.state.metrics.monitor_event();
        Ok(())
    }
}

async fn add_event(state: &AppState, id: &str, kind: &str, payload: &Value) -> Result<(), ServerError> {
    let mut conn = state.pool.acquire().await?;
    db::add_event(&mut conn, id, kind, payload).await
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(work).await.map_err(|e| format!("a frame check did not finish: {e}"))
}

fn unix_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// The last 2 KB the program wrote on stderr, read as it runs.
fn tail_of(stderr: Option<tokio::process::ChildStderr>) -> Arc<Mutex<String>> {
    let tail = Arc::new(Mutex::new(String::new()));
    if let Some(mut stderr) = stderr {
        let tail = tail.clone();
        tokio::spawn(async move {
            let mut chunk = [0u8; 1024];
            while let Ok(n) = stderr.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                let mut text = tail.lock().unwrap_or_else(|e| e.into_inner());
                text.push_str(&String::from_utf8_lossy(&chunk[..n]));
                if text.len() > 2048 {
                    let cut = text.len() - 2048;
                    let cut = (cut..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
                    text.drain(..cut);
                }
            }
        });
    }
    tail
}

/// Why the program ended, from its exit status and the end of its stderr.
async fn exit_reason(child: &mut Child, stderr: Arc<Mutex<String>>, what: &str) -> String {
    let status = tokio::time::timeout(LEAVE_TIMEOUT, child.wait()).await;
    let said = stderr.lock().unwrap_or_else(|e| e.into_inner()).trim().lines().last().unwrap_or("").to_string();
    match status {
        Ok(Ok(status)) => format!("{what}: it exited with {status}; {said}"),
        _ => {
            let _ = child.kill().await;
            format!("{what}; {said}")
        }
    }
}
