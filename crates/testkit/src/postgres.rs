//! A private PostgreSQL cluster for one test: Debian's `initdb` and `postgres` on a free loopback
//! port, data in a temporary folder, no system service. As root (CI), the server runs as the
//! `postgres` user, which Debian's package creates. Stopped and removed when dropped; it can be
//! stopped and started again on the same data (the reconnect tests).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PostgresServer {
    child: Option<Child>,
    bin: PathBuf,
    folder: tempfile::TempDir,
    port: u16,
    /// `postgres://monitor@127.0.0.1:<port>/postgres` (trust authentication on loopback).
    pub url: String,
}

const USER: &str = "monitor";

impl PostgresServer {
    /// Creates and starts a cluster; fails the test loudly, with the fix, when Postgres is missing.
    pub fn start() -> Self {
        let bin = bin_dir();
        let folder = tempfile::Builder::new().prefix("pg-test-").tempdir().expect("a folder for the cluster");
        let owner = service_user();
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(folder.path(), Some(uid), Some(gid)).expect("hand the folder to postgres");
        }
        let data = folder.path().join("data");
        let output = as_service_user(Command::new(bin.join("initdb")), owner)
            .args(["--auth=trust", "--encoding=UTF8", "--no-sync", "--username", USER, "-D"])
            .arg(&data)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}/initdb ({e}); run scripts/setup", bin.display()));
        assert!(output.status.success(), "initdb failed:\n{}", String::from_utf8_lossy(&output.stderr));
        let port = crate::free_tcp_port();
        let mut server = PostgresServer {
            child: None,
            bin,
            url: format!("postgres://{USER}@127.0.0.1:{port}/postgres"),
            folder,
            port,
        };
        server.start_again();
        server
    }

    /// Starts the server on its data after [`PostgresServer::stop`]; waits until it accepts
    /// connections (30 s at most).
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the Postgres server is already running");
        let log = std::fs::File::create(self.log_path()).expect("server log");
        let child = as_service_user(Command::new(self.bin.join("postgres")), service_user())
            .arg("-D")
            .arg(self.folder.path().join("data"))
            .args(["-p", &self.port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c"])
            .arg(format!("unix_socket_directories={}", self.folder.path().display()))
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
            .args(["-c", "max_connections=200"])
            .stdout(Stdio::from(log.try_clone().expect("log handle")))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start postgres ({e})"));
        self.child = Some(child);
        self.wait_until_ready();
    }

    /// Stops the server (fast shutdown: open connections are closed) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().ok().flatten().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.wait();
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log so far (for failure messages).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.folder.path().join("postgres.log")
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("postgres exited with {status} while starting:\n{}", self.log_text());
            }
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER, "-d", "postgres"])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            assert!(Instant::now() < deadline, "postgres did not accept connections within 30 s:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `$POSTGRES_BIN_DIR`, else the newest `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("POSTGRES_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").is_file())
                .collect()
        })
        .unwrap_or_default();
    versions.sort_by_key(|p| p.parent().and_then(Path::file_name).and_then(|v| v.to_str()?.parse::<u32>().ok()));
    versions.pop().unwrap_or_else(|| {
        panic!("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup (Debian: apt-get install postgresql)")
    })
}

/// Postgres refuses to run as root: then the `postgres` user's ids, else `None` (run as we are).
fn service_user() -> Option<(u32, u32)> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return None;
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((
        id("-u").expect("running as root needs the postgres user (Debian's postgresql package creates it)"),
        id("-g").expect("the postgres user's group"),
    ))
}

/// `command` run as `owner` through `setpriv` (which execs, so the child is the program itself).
fn as_service_user(command: Command, owner: Option<(u32, u32)>) -> Command {
    let Some((uid, gid)) = owner else { return command };
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args(["--reuid", &uid.to_string(), "--regid", &gid.to_string(), "--clear-groups", "--"])
        .arg(command.get_program())
        .args(command.get_args());
    wrapped
}
