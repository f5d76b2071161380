//! The worker side of a process: `WORKER_CONCURRENCY` processing workers and one recording
//! worker, each an apalis worker on the Postgres queue with a name unique to this process.

use std::future::Future;
use std::sync::Arc;

use apalis::prelude::{Monitor, WorkerBuilder, WorkerBuilderExt};
use apalis_postgres::PostgresStorage;

use crate::error::ServerError;

const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);
use crate::jobs::{self, WorkerState};
use crate::queue::{self, PROCESS_QUEUE, ProcessSession, RECORDING_QUEUE, StartRecording};
use crate::recording;

/// Runs the workers until `shutdown` resolves; a job cut short is handed to another worker once
/// this one stops sending heartbeats.
pub async fn run(
    state: Arc<WorkerState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let prefix = worker_prefix();
    let settings = state.config.queue.clone();
    let concurrency = settings.concurrency;
    let (pool, process_state, record_state) = (state.pool.clone(), state.clone(), state);
    let process_prefix = prefix.clone();
    let process_settings = settings.clone();
    let process_pool = pool.clone();
    let monitor = Monitor::new()
        // A worker stops when the database goes away; it comes back once the database does (its
        // connection attempts wait up to the pool's acquire timeout, so this is no busy loop).
        .should_restart(|worker, error| {
            tracing::warn!(worker = worker.name(), %error, "worker stopped; restarting");
            true
        })
        // On SIGINT/SIGTERM a running job gets this long; after that it is handed to another
        // worker once this process's heartbeats stop.
        .shutdown_timeout(SHUTDOWN_GRACE)
        .register_n(concurrency, move |index, _restarts| {
            let backend = PostgresStorage::<ProcessSession>::new(&process_pool)
                .with_config(queue::backend_config(PROCESS_QUEUE, &process_settings));
            WorkerBuilder::new(format!("{process_prefix}-process-{index}"))
                .backend(backend)
                .data(process_state.clone())
                // One job at a time per worker: without the limit an apalis worker starts every
                // job it is given at once.
                .concurrency(1)
                .build(jobs::process_session)
        })
        .register(move |_restarts| {
            let backend = PostgresStorage::<StartRecording>::new(&pool)
                .with_config(queue::backend_config(RECORDING_QUEUE, &settings));
            WorkerBuilder::new(format!("{prefix}-record"))
                .backend(backend)
                .data(record_state.clone())
                .concurrency(1)
                .build(recording::start_recording)
        });
    tracing::info!(concurrency, "workers started");
    monitor
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await
        .map_err(|e| ServerError::Queue(format!("the workers stopped: {e}")))
}

/// `<host>-<pid>`: unique per process, so a restarted worker never inherits a dead one's name.
fn worker_prefix() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    let host = if host.is_empty() { "worker".to_string() } else { host };
    format!("{host}-{}", std::process::id())
}
