//! The durable job queue: apalis on Postgres (`apalis` schema). Two queues — starting a
//! participant's recording (quick LiveKit calls) and processing a session (the pipeline, tens of
//! seconds) — so that a long job never delays a recording. Jobs are pushed inside the caller's
//! transaction, so a job exists exactly when the rows that asked for it do.

use apalis::prelude::TaskBuilder;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::config::QueueSettings;
use crate::error::ServerError;

/// `job_type` of the processing jobs in `apalis.jobs`.
pub const PROCESS_QUEUE: &str = "session_monitor.process";
/// `job_type` of the recording jobs.
pub const RECORDING_QUEUE: &str = "session_monitor.record";

/// Run the pipeline on every recording of a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessSession {
    pub session_id: String,
}

/// Start a participant egress for one participant of a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StartRecording {
    pub session_id: String,
    pub identity: String,
    /// The placeholder `session_egresses` row standing for this egress until it has an id.
    pub placeholder_id: String,
    /// Which of the participant's recordings this is: 1, or 2 and on after they left and joined
    /// again (jobs queued before parts existed are the first).
    #[serde(default = "first_part")]
    pub part: u32,
}

fn first_part() -> u32 {
    1
}

pub async fn push_process(
    conn: &mut PgConnection,
    job: &ProcessSession,
    settings: &QueueSettings,
) -> Result<(), ServerError> {
    push(conn, PROCESS_QUEUE, job, settings).await
}

pub async fn push_recording(
    conn: &mut PgConnection,
    job: &StartRecording,
    settings: &QueueSettings,
) -> Result<(), ServerError> {
    push(conn, RECORDING_QUEUE, job, settings).await
}

async fn push(
    conn: &mut PgConnection,
    queue: &str,
    job: &impl Serialize,
    settings: &QueueSettings,
) -> Result<(), ServerError> {
    let args = serde_json::to_vec(job).map_err(|e| ServerError::Queue(e.to_string()))?;
    let task = TaskBuilder::new(args).max_attempts(settings.max_attempts).build();
    apalis_postgres::queries::push_tasks(conn, queue, vec![task])
        .await
        .map_err(|e| ServerError::Queue(format!("cannot queue a {queue} job: {e}")))
}

/// The queue's configuration for one worker: one job at a time, the heartbeat and the window
/// after which a silent worker's job goes back to the queue, set explicitly (apalis' defaults
/// leave it for minutes).
pub fn backend_config(queue: &str, settings: &QueueSettings) -> apalis_postgres::Config {
    apalis_postgres::Config::default()
        .queue(queue)
        .batch_size(1)
        .heartbeat_interval(settings.heartbeat)
        .missed_heartbeats(settings.missed_heartbeats)
}

/// Jobs by queue and state, for `/metrics`.
pub async fn job_counts(pool: &sqlx::PgPool) -> Result<Vec<(String, String, i64)>, ServerError> {
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT job_type, status, COUNT(*) FROM apalis.jobs GROUP BY job_type, status ORDER BY 1, 2")
            .fetch_all(pool)
            .await?;
    Ok(rows)
}
