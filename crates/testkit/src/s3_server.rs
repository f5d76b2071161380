//! A real S3-compatible server for tests: `moto_server` (PyPI `moto[server]`) on a free loopback
//! port, stopped when dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct S3Server {
    child: Child,
    pub endpoint: String,
    port: u16,
}

impl S3Server {
    /// Starts moto; fails the test loudly when it is not installed.
    pub fn start() -> Self {
        let port = crate::free_tcp_port();
        let program = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program} ({e}); install it with: pip install 'moto[server]'"));
        let server = Self { child, endpoint: format!("http://127.0.0.1:{port}"), port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.request("GET", "/").is_err() {
            assert!(Instant::now() < deadline, "moto_server did not answer on port {port} within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Region and the (ignored) credentials moto accepts.
    pub const REGION: &'static str = "us-east-1";
    pub const ACCESS_KEY_ID: &'static str = "testing";
    pub const SECRET_ACCESS_KEY: &'static str = "testing";

    pub fn create_bucket(&self, bucket: &str) {
        let status = self.request("PUT", &format!("/{bucket}")).expect("create bucket");
        assert!(status.starts_with("HTTP/1.1 200"), "create bucket {bucket}: {status}");
    }

    /// An object store on `bucket` of this server, to seed inputs and read results back.
    pub fn store(&self, bucket: &str) -> std::sync::Arc<dyn object_store::ObjectStore> {
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(Self::REGION)
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_access_key_id(Self::ACCESS_KEY_ID)
            .with_secret_access_key(Self::SECRET_ACCESS_KEY)
            .build()
            .expect("test object store");
        std::sync::Arc::new(store)
    }

    fn request(&self, method: &str, path: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        stream.write_all(head.as_bytes())?;
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        if reply.is_empty() {
            return Err(std::io::Error::other("empty reply"));
        }
        Ok(reply.lines().next().unwrap_or_default().to_string())
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
