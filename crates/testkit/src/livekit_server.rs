//! The real LiveKit server for tests: `livekit-server` built from the Go module proxy by
//! `scripts/prepare-livekit-server` (`$LIVEKIT_SERVER_BIN`), one node on free loopback ports,
//! with its webhooks sent to a collector here. Without Redis by default; with one
//! ([`LiveKitServerBuilder::redis`]) it can hand recordings to LiveKit Egress. Stopped when
//! dropped.

use std::io::BufReader;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::http::{Listener, Request, write_response};

/// API key and secret the server is started with (a secret of LiveKit's recommended length).
pub const API_KEY: &str = "APIsessionMonitorTest";
pub const API_SECRET: &str = "a-test-secret-for-session-monitor-that-is-long-enough";

/// Every webhook delivery received, as it arrived.
#[derive(Default)]
struct Deliveries {
    requests: Mutex<Vec<Request>>,
    arrived: Condvar,
}

pub struct LiveKitServer {
    child: Child,
    /// `http://127.0.0.1:<port>`: the API (Twirp) and, as `ws://`, the signalling URL.
    pub url: String,
    log: PathBuf,
    _config: tempfile::TempDir,
    deliveries: Arc<Deliveries>,
    _webhooks: Listener,
    /// HTTP client for the readiness check and Twirp calls; answers of any status are returned.
    http: ureq::Agent,
}

/// Options for [`LiveKitServer`]: `LiveKitServer::builder().redis(&redis.address).start()`.
#[derive(Debug, Default, Clone)]
pub struct LiveKitServerBuilder {
    redis: Option<String>,
    webhook_urls: Vec<String>,
}

impl LiveKitServerBuilder {
    /// Uses the Redis at `address` (`127.0.0.1:<port>`), which LiveKit Egress needs.
    pub fn redis(mut self, address: &str) -> Self {
        self.redis = Some(address.to_owned());
        self
    }

    /// Also sends every webhook to `url` (an endpoint under test), besides the built-in collector.
    pub fn webhook_url(mut self, url: &str) -> Self {
        self.webhook_urls.push(url.to_owned());
        self
    }

    /// Starts the server; fails the test loudly when the binary is missing or the server does not
    /// come up.
    pub fn start(self) -> LiveKitServer {
        LiveKitServer::start_with(self)
    }
}

impl LiveKitServer {
    /// Starts the server without Redis, with webhooks to the built-in collector only.
    pub fn start() -> Self {
        Self::builder().start()
    }

    pub fn builder() -> LiveKitServerBuilder {
        LiveKitServerBuilder::default()
    }

    fn start_with(options: LiveKitServerBuilder) -> Self {
        let program = std::env::var_os("LIVEKIT_SERVER_BIN").map(PathBuf::from).unwrap_or_else(|| {
            panic!(
                "LIVEKIT_SERVER_BIN is not set: run scripts/prepare-livekit-server (scripts/test does) and export it"
            )
        });
        assert!(program.is_file(), "{} does not exist: run scripts/prepare-livekit-server", program.display());
        let deliveries = Arc::new(Deliveries::default());
        let collecting = Arc::clone(&deliveries);
        let webhooks = Listener::start(move |stream| collect(&collecting, stream));
        let config = tempfile::tempdir().expect("config folder");
        let (port, tcp_port, udp_port) = (crate::free_tcp_port(), crate::free_tcp_port(), crate::free_udp_port());
        let mut urls = vec![format!("{}/api/livekit/webhook", webhooks.base_url)];
        urls.extend(options.webhook_urls);
        let urls = urls.iter().map(|url| format!("{url:?}")).collect::<Vec<_>>().join(", ");
        let mut yaml = format!(
            "port: {port}\nbind_addresses: [\"127.0.0.1\"]\n\
             rtc:\n  tcp_port: {tcp_port}\n  udp_port: {udp_port}\n  use_external_ip: false\n  node_ip: 127.0.0.1\n\
             keys:\n  {API_KEY}: {API_SECRET}\n\
             webhook:\n  api_key: {API_KEY}\n  urls: [{urls}]\n\
             logging:\n  level: info\n"
        );
        if let Some(address) = &options.redis {
            yaml.push_str(&format!("redis:\n  address: {address}\n"));
        }
        let config_path = config.path().join("livekit.yaml");
        std::fs::write(&config_path, yaml).expect("write the server config");
        let log = config.path().join("server.log");
        let log_file = std::fs::File::create(&log).expect("server log");
        let child = Command::new(&program)
            .arg("--config")
            .arg(&config_path)
            .stdout(Stdio::from(log_file.try_clone().expect("log handle")))
            .stderr(Stdio::from(log_file))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({e}); run scripts/prepare-livekit-server", program.display()));
        let mut server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _config: config,
            deliveries,
            _webhooks: webhooks,
            http: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(15)))
                .build()
                .into(),
        };
        server.wait_until_ready();
        server
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("livekit-server exited with {status} while starting:\n{}", self.log_text());
            }
            if self.http.get(&self.url).call().is_ok_and(|answer| answer.status() == 200) {
                return;
            }
            assert!(Instant::now() < deadline, "livekit-server did not answer within 30 s:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The signalling URL clients and egress connect to (`ws://127.0.0.1:<port>`).
    pub fn ws_url(&self) -> String {
        self.url.replacen("http://", "ws://", 1)
    }

    /// The server's log so far (for failure messages).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Calls a Twirp method (`livekit.RoomService/CreateRoom`) with `Authorization: Bearer
    /// <token>`; returns the HTTP status and the JSON answer.
    pub fn twirp(&self, method: &str, token: &str, body: &Value) -> (u16, Value) {
        let mut response = self
            .http
            .post(&format!("{}/twirp/{method}", self.url))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {method}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Waits up to `timeout` for a webhook whose body names `event` for room `room`; returns it.
    pub fn webhook(&self, event: &str, room: &str, timeout: Duration) -> Request {
        self.webhook_where(&format!("{event} webhook for room {room}"), timeout, |body| {
            body["event"] == event && body["room"]["name"] == room
        })
    }

    /// Waits up to `timeout` for a webhook whose JSON body satisfies `matches` (the first such,
    /// in arrival order); fails the test naming `what`, with the server's log, when none comes.
    pub fn webhook_where(&self, what: &str, timeout: Duration, matches: impl Fn(&Value) -> bool) -> Request {
        let deadline = Instant::now() + timeout;
        let mut requests = self.deliveries.requests.lock().expect("deliveries");
        loop {
            let found = requests.iter().find(|r| matches(&serde_json::from_slice(&r.body).unwrap_or_default()));
            if let Some(request) = found {
                return request.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no {what} within {timeout:?}:\n{}", self.log_text());
            requests = self.deliveries.arrived.wait_timeout(requests, left).expect("deliveries").0;
        }
    }

    /// Every webhook delivery so far.
    pub fn webhooks(&self) -> Vec<Request> {
        self.deliveries.requests.lock().expect("deliveries").clone()
    }
}

impl Drop for LiveKitServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(deliveries: &Deliveries, stream: TcpStream) {
    let mut reader = BufReader::new(stream);
    let Ok(request) = Request::read(&mut reader) else { return };
    let _ = write_response(reader.get_mut(), 200, &[], b"");
    deliveries.requests.lock().expect("deliveries").push(request);
    deliveries.arrived.notify_all();
}
