//! # session_monitor_server
//!
//! The seed's platform around `session_processing`: Start/End Session on LiveKit, participant
//! egress into S3, LiveKit's webhooks verified and recorded in Postgres, and a durable job queue
//! (apalis on Postgres) whose workers run the pipeline. One binary, `session-monitor-server`:
//! `serve` (API and workers), `worker` (workers only, for more machines), `migrate`.
//!
//! A session moves `active` → `ended` → `queued` → `processing` → `complete` | `failed`; every
//! webhook delivery, state change and stage result is a `session_events` row.

pub mod access;
pub mod app;
pub mod config;
pub mod db;
pub mod error;
pub mod jobs;
pub mod lifecycle;
pub mod livekit_calls;
pub mod metrics;
pub mod monitor_stats;
pub mod queue;
pub mod reconcile;
pub mod recording;
pub mod room_monitor;
pub mod routes;
pub mod workers;

/// Identities starting with this are the platform's own hidden participants (the server-side
/// safety monitor), never recorded or counted as people.
pub const HIDDEN_IDENTITY_PREFIX: &str = "monitor-";
