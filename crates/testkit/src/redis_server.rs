//! A real Redis for tests: `redis-server` (Debian's `redis-server` package, which scripts/setup
//! installs) on a free loopback port with a data folder of its own and persistence off. LiveKit
//! Egress and a livekit-server that talks to it need one. Stopped when dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Redis may take to answer its first PING.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

pub struct RedisServer {
    child: Child,
    /// `127.0.0.1:<port>`, as LiveKit's `redis: {address: …}` takes it.
    pub address: String,
    log: PathBuf,
    _data: tempfile::TempDir,
}

impl RedisServer {
    /// Starts `redis-server` from PATH; fails the test loudly when it is not installed or does not
    /// answer PING in time.
    pub fn start() -> Self {
        let data = tempfile::tempdir().expect("redis data folder");
        let port = crate::free_tcp_port();
        let log = data.path().join("redis.log");
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(data.path())
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): run scripts/setup (it installs the Debian package redis-server)"
                )
            });
        let mut server = Self { child, address: format!("127.0.0.1:{port}"), log, _data: data };
        server.wait_for_pong();
        server
    }

    fn wait_for_pong(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("redis-server exited with {status} while starting:\n{}", self.log_text());
            }
            if self.ping().is_ok_and(|reply| reply.starts_with("+PONG")) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING with +PONG on {} within {READY_TIMEOUT:?}:\n{}",
                self.address,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn ping(&self) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(&self.address)?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(b"PING\r\n")?;
        let mut reply = [0u8; 64];
        let n = stream.read(&mut reply)?;
        Ok(String::from_utf8_lossy(&reply[..n]).into_owned())
    }

    /// Redis's log so far (for failure messages).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
