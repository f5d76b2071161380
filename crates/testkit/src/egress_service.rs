//! The real LiveKit Egress service for tests: `egress` (github.com/livekit/egress v1.8.6 under our
//! own entry point, built by `scripts/prepare-livekit-egress`; `$LIVEKIT_EGRESS_BIN`) taking
//! requests from a [`LiveKitServer`] over a [`RedisServer`] and uploading to an [`S3Server`].
//! Stopped when dropped, with the recorders it started.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt;

use crate::RedisServer;
use crate::S3Server;
use crate::livekit_server::{API_KEY, API_SECRET, LiveKitServer};

/// How long the service may take to register with livekit-server over Redis.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// The line the service logs once it takes start requests.
const READY_LINE: &str = "service ready";
/// Where egress v1.8.6 stages files before uploading (a constant in its config package); it
/// creates `<this>/<egress id>/` under it.
const EGRESS_TMP_DIR: &str = "/home/egress/tmp";
/// GStreamer elements a participant recording to MP4 needs beyond scripts/setup's base plugins:
/// x264enc is in gstreamer1.0-plugins-ugly.
const REQUIRED_ELEMENTS: [&str; 3] = ["x264enc", "opusenc", "mp4mux"];

pub struct EgressService {
    child: Child,
    log: PathBuf,
    /// The config, the log, and the service's TMPDIR (its IPC socket and the recorders' folders).
    _dir: tempfile::TempDir,
}

impl EgressService {
    /// Starts egress for `livekit` (which must use `redis`), with `s3`'s `bucket` as its default
    /// upload target (requests may bring their own). Fails the test loudly when the binary or a
    /// GStreamer element is missing, or the service does not become ready in time.
    pub fn start(livekit: &LiveKitServer, redis: &RedisServer, s3: &S3Server, bucket: &str) -> Self {
        let program = egress_binary();
        let bin_dir = program.parent().expect("the egress binary's folder");
        require_gstreamer_elements();
        std::fs::create_dir_all(EGRESS_TMP_DIR).unwrap_or_else(|e| {
            panic!(
                "egress v1.8.6 stages recordings in {EGRESS_TMP_DIR}, which cannot be created ({e}): create it writable"
            )
        });
        let dir = tempfile::tempdir().expect("egress folder");
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).expect("egress TMPDIR");
        let config = dir.path().join("egress.yaml");
        std::fs::write(&config, config_yaml(livekit, redis, s3, bucket)).expect("write the egress config");
        let log = dir.path().join("egress.log");
        let log_file = std::fs::File::create(&log).expect("egress log");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(std::env::split_paths(&path)))
            .expect("PATH with the egress folder first");
        let child = Command::new(&program)
            .arg("--config")
            .arg(&config)
            // The service execs `egress run-handler …` by name for each recording.
            .env("PATH", path)
            .env("TMPDIR", &tmp)
            .env_remove("EGRESS_CONFIG_BODY")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_file.try_clone().expect("log handle")))
            .stderr(Stdio::from(log_file))
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({e}); run scripts/prepare-livekit-egress", program.display()));
        let mut service = Self { child, log, _dir: dir };
        service.wait_until_ready();
        service
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("egress exited with {status} while starting:\n{}", self.log_text());
            }
            if self.log_text().contains(READY_LINE) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "egress did not log {READY_LINE:?} (registered with livekit-server over Redis) within \
                 {READY_TIMEOUT:?}:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The service's log so far, with its recorders' output (for failure messages).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for EgressService {
    fn drop(&mut self) {
        // Recorders (`egress run-handler`) run in sessions of their own: kill them by parent, then
        // the service's process group.
        let service = self.child.id();
        for recorder in children_of(service) {
            kill_group(recorder);
        }
        kill_group(service);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$LIVEKIT_EGRESS_BIN`, checked to be a file named `egress`.
fn egress_binary() -> PathBuf {
    let program = std::env::var_os("LIVEKIT_EGRESS_BIN").map(PathBuf::from).unwrap_or_else(|| {
        panic!(
            "LIVEKIT_EGRESS_BIN is not set: run `export LIVEKIT_EGRESS_BIN=$(scripts/prepare-livekit-egress | tail -n1)` \
             (scripts/test does)"
        )
    });
    assert!(program.is_file(), "{} does not exist: run scripts/prepare-livekit-egress", program.display());
    assert_eq!(
        program.file_name().and_then(|n| n.to_str()),
        Some("egress"),
        "{}: the binary must be named `egress`, since the service execs `egress run-handler` from PATH",
        program.display()
    );
    program
}

fn require_gstreamer_elements() {
    for element in REQUIRED_ELEMENTS {
        let found = Command::new("gst-inspect-1.0")
            .arg(element)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("cannot run gst-inspect-1.0 ({e}): run scripts/setup (gstreamer1.0-tools)"));
        assert!(
            found.success(),
            "GStreamer element {element} is missing, which egress needs to record MP4: run scripts/setup \
             (x264enc is in gstreamer1.0-plugins-ugly)"
        );
    }
}

fn config_yaml(livekit: &LiveKitServer, redis: &RedisServer, s3: &S3Server, bucket: &str) -> String {
    // Costs lowered so that a 2-core machine admits a participant recording even while busy; the
    // keys are v1.8.6's (its S3 settings sit at the top level, not under `storage:` as in v1.9).
    format!(
        "api_key: {API_KEY}\napi_secret: {API_SECRET}\nws_url: {ws_url}\n\
         redis:\n  address: {redis}\n\
         logging:\n  level: info\n\
         health_port: 0\ntemplate_port: 0\n\
         cpu_cost:\n  max_cpu_utilization: 0.95\n  participant_cpu_cost: 0.5\n  track_composite_cpu_cost: 0.5\n  \
         track_cpu_cost: 0.25\n  room_composite_cpu_cost: 1\n  web_cpu_cost: 1\n\
         s3:\n  access_key: {access_key}\n  secret: {secret}\n  region: {region}\n  endpoint: {endpoint}\n  \
         bucket: {bucket}\n  force_path_style: true\n",
        ws_url = livekit.ws_url(),
        redis = redis.address,
        access_key = S3Server::ACCESS_KEY_ID,
        secret = S3Server::SECRET_ACCESS_KEY,
        region = S3Server::REGION,
        endpoint = s3.endpoint,
    )
}

/// Processes whose parent is `pid`, from /proc.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|candidate| parent_of(*candidate) == Some(pid))
        .collect()
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")).ok()?;
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses, so split after the last ')'.
    stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()
}

/// SIGKILL to the process group led by `leader`.
fn kill_group(leader: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{leader}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
