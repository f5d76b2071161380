//! Drives `crates/testkit/peers/livekit_av_publisher.py` (a real participant publishing a camera and a
//! microphone with LiveKit's `livekit` SDK) from a test: its JSON lines arrive on a channel,
//! `stop` ends its publishing, and it is killed if the test fails while it runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct AvPublisher {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    stderr: Option<JoinHandle<String>>,
    /// Media seconds published so far, from its latest `progress` line.
    pub published_s: f64,
}

impl AvPublisher {
    /// Joins `ws_url` with `token` and publishes for at most `max_seconds`. Fails loudly when
    /// Python or the `livekit` SDK is missing.
    pub fn start(ws_url: &str, token: &str, max_seconds: u32) -> Self {
        Self::spawn(ws_url, token, max_seconds, &[])
    }

    /// Joins and publishes nothing (prints `joined`), for at most `max_seconds`.
    pub fn start_silent(ws_url: &str, token: &str, max_seconds: u32) -> Self {
        Self::spawn(ws_url, token, max_seconds, &["--silent"])
    }

    fn spawn(ws_url: &str, token: &str, max_seconds: u32, extra: &[&str]) -> Self {
        let python = crate::peer_python();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/livekit_av_publisher.py");
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(ws_url)
            .arg(token)
            .arg(max_seconds.to_string())
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} ({e}): the participant needs the test venv with the `livekit` SDK and numpy; run \
                     scripts/setup (or set LIVEKIT_PEER_PYTHON)",
                    python.display()
                )
            });
        let stdout = child.stdout.take().expect("stdout");
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let parsed = serde_json::from_str(&line).unwrap_or(Value::String(line));
                if send.send(parsed).is_err() {
                    return;
                }
            }
        });
        let mut stderr_pipe = child.stderr.take().expect("stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            text
        });
        let stdin = child.stdin.take();
        Self { child, stdin, lines, stderr: Some(stderr), published_s: 0.0 }
    }

    /// Waits up to `timeout` for a line whose `event` is `event`; fails naming `event` and the
    /// participant's stderr when it exits or the time runs out first.
    pub fn wait_for(&mut self, event: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if line["event"] == "progress" {
                        self.published_s = line["seconds"].as_f64().unwrap_or(self.published_s);
                    }
                    if line["event"] == event {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "the participant printed no {event:?} line within {timeout:?}; stderr:\n{}",
                        self.stderr_now()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the participant closed its stdout before a {event:?} line; stderr:\n{}", self.stderr_now())
                }
            }
        }
    }

    /// Waits until it has published `seconds` of media in all (its own clock, from `progress`).
    pub fn wait_until_published(&mut self, seconds: f64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.published_s < seconds {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the participant published {:.1} s of media, not {seconds:.1} s, within {timeout:?}",
                self.published_s
            );
            self.wait_for("progress", left);
        }
    }

    /// Tells it to stop publishing and leave; returns its `finished` line once it exited cleanly.
    pub fn stop(&mut self, timeout: Duration) -> Value {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"stop\n");
        }
        let deadline = Instant::now() + timeout;
        let finished = self.wait_for("finished", timeout);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the participant") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the participant did not exit within {timeout:?} of being told to stop (killed); stderr:\n{}",
                self.stderr_now()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "the participant failed ({status}); stderr:\n{}", self.stderr_now());
        finished
    }

    /// Kills it (if still running) and returns what it wrote on stderr.
    fn stderr_now(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default()
    }
}

impl Drop for AvPublisher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
