//! The test harness every crate's integration tests share: real media made by
//! `scripts/make-fixtures`, a real S3-compatible server on loopback, and stand-ins for the HTTP
//! services we call (Gemini, the Hugging Face hub) on 127.0.0.1, the real LiveKit server with
//! Redis and LiveKit Egress, and a private Postgres cluster. Missing parts fail the test loudly;
//! nothing is skipped.

mod av_publisher;
mod egress_service;
pub mod gemini;
pub mod hostile_media;
pub mod http;
pub mod hub_server;
pub mod livekit_server;
pub mod ports;
pub mod postgres;
mod redis_server;
mod s3_server;

use std::path::PathBuf;

pub use av_publisher::AvPublisher;
pub use egress_service::EgressService;
pub use ports::{free_tcp_port, free_udp_port};
pub use postgres::PostgresServer;
pub use redis_server::RedisServer;
pub use s3_server::S3Server;

/// A media file made by `scripts/make-fixtures` (in `$FIXTURES_DIR`, else `<repo>/.fixtures`);
/// panics when it is missing.
pub fn fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.fixtures"));
    let path = dir.join(name);
    assert!(path.exists(), "fixture {} is missing: run scripts/make-fixtures first", path.display());
    path
}

/// The Python that runs LiveKit's SDK peers: `$LIVEKIT_PEER_PYTHON`, else the repo's
/// `.venv/bin/python`, which scripts/setup fills.
pub fn peer_python() -> PathBuf {
    std::env::var_os("LIVEKIT_PEER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"))
}
