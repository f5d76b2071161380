//! The recording job: start a participant's egress, then watch it until LiveKit says it records.
//! An egress LiveKit still reports `EGRESS_STARTING` after `EGRESS_START_TIMEOUT_S` (livekit-server
//! 1.13 with egress 1.8 sometimes leaves one there for good when the recorder subscribes before
//! the publisher's first key frame) is stopped, marked failed with the reason, and replaced by a
//! new one, up to `EGRESS_START_ATTEMPTS` in all. Every step is a `session_events` row.

use std::sync::Arc;
use std::time::{Duration, Instant};

use apalis::prelude::{BoxDynError, Data};
use serde_json::json;
use session_processing::SessionId;
use tracing::Instrument;

use crate::db::{self, EgressRow, egress_status, status};
use crate::error::ServerError;
use crate::jobs::WorkerState;
use crate::lifecycle;
use crate::queue::StartRecording;

/// How often LiveKit is asked about an egress that is starting.
const POLL_EVERY: Duration = Duration::from_millis(500);
/// LiveKit's status of an egress that has not begun recording.
const STARTING: &str = "EGRESS_STARTING";

pub async fn start_recording(job: StartRecording, state: Data<Arc<WorkerState>>) -> Result<(), BoxDynError> {
    let span = tracing::info_span!("job", kind = "record", session = %job.session_id);
    record(&job, &state).instrument(span).await.map_err(Into::into)
}

/// What became of one egress started for the participant.
enum Started {
    /// LiveKit records it (or it already ended of its own accord): nothing more to do.
    Recording,
    /// It could not start, or the session ended meanwhile; the rows say so.
    Settled,
    /// Still `EGRESS_STARTING` after the timeout.
    Stuck(String),
}

async fn record(job: &StartRecording, state: &WorkerState) -> Result<(), ServerError> {
    let attempts = state.config.egress_start.attempts;
    for attempt in 1..=attempts {
        let egress_id = match start_one(job, state, attempt).await? {
            Started::Stuck(egress_id) => egress_id,
            Started::Recording | Started::Settled => return Ok(()),
        };
        let again = attempt < attempts;
        let live = give_up_on(job, state, &egress_id, attempt, again).await?;
        if let Err(error) = state.livekit.stop_egress(&egress_id).await {
            tracing::warn!(%error, "could not stop an egress that did not start");
        }
        if !live {
            return Ok(());
        }
    }
    Ok(())
}

/// Starts one egress for the participant and records it; waits until LiveKit records it.
async fn start_one(job: &StartRecording, state: &WorkerState, attempt: usize) -> Result<Started, ServerError> {
    let Some(session) = db::get_session(&state.pool, &job.session_id).await? else { return Ok(Started::Settled) };
    let started = match state.config.egress_upload() {
        Some(upload) => {
            let id = SessionId::new(job.session_id.as_str())?;
            state.livekit.start_participant_egress(&id, &session.room_name, &job.identity, job.part, &upload).await
        }
        None => Err(ServerError::Config("RECORDINGS_S3_BUCKET is not set".into())),
    };
    let mut tx = state.pool.begin().await?;
    let Some(session) = db::lock_session(&mut tx, &job.session_id).await? else { return Ok(Started::Settled) };
    let egress_id = match started {
        Ok(egress_id) => egress_id,
        Err(error) => {
            let reason = format!("the recording of {} could not start: {error}", job.identity);
            let row = egress_row(&job.placeholder_id, job, egress_status::FAILED, Some(reason.clone()));
            db::upsert_egress(&mut tx, &session.id, &row).await?;
            let payload = json!({ "identity": job.identity, "reason": reason, "attempt": attempt });
            db::add_event(&mut tx, &session.id, "egress_start_failed", &payload).await?;
            lifecycle::queue_if_ready(&mut tx, &session, &state.config.queue).await?;
            tx.commit().await?;
            return Ok(Started::Settled);
        }
    };
    db::remove_placeholder(&mut tx, &job.placeholder_id).await?;
    db::upsert_egress(&mut tx, &session.id, &egress_row(&egress_id, job, egress_status::ACTIVE, None)).await?;
    let payload = json!({ "egress_id": egress_id, "identity": job.identity, "part": job.part, "attempt": attempt });
    db::add_event(&mut tx, &session.id, "egress_requested", &payload).await?;
    // LiveKit may have reported this egress ended before it was recorded here: with the
    // placeholder gone, the session may be ready.
    lifecycle::queue_if_ready(&mut tx, &session, &state.config.queue).await?;
    tx.commit().await?;
    if session.status != status::ACTIVE {
        state.livekit.stop_egress(&egress_id).await?;
        return Ok(Started::Settled);
    }
    Ok(match wait_while_starting(state, &egress_id).await {
        true => Started::Stuck(egress_id),
        false => Started::Recording,
    })
}

/// Asks LiveKit until the egress leaves `EGRESS_STARTING`; `true` when it is still there after
/// the timeout. A LiveKit that cannot be asked is no reason to replace a recording: `false`.
async fn wait_while_starting(state: &WorkerState, egress_id: &str) -> bool {
    let deadline = Instant::now() + state.config.egress_start.timeout;
    loop {
        match state.livekit.egress_status(egress_id).await {
            Ok(Some(status)) if status == STARTING => {}
            Ok(Some(_)) => return false,
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "cannot ask LiveKit about an egress; leaving it as it is");
                return false;
            }
        }
        if Instant::now() >= deadline {
            return true;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Marks a stuck egress failed; when `again` and the session is still live, a placeholder stands
/// for the next one (so processing waits for it). Returns whether to start another.
async fn give_up_on(
    job: &StartRecording,
    state: &WorkerState,
    egress_id: &str,
    attempt: usize,
    again: bool,
) -> Result<bool, ServerError> {
    let timeout_s = state.config.egress_start.timeout.as_secs_f64();
    let reason = format!(
        "the recording of {} did not start within {timeout_s} s (LiveKit still reported {STARTING}); stopped",
        job.identity
    );
    let mut tx = state.pool.begin().await?;
    let Some(session) = db::lock_session(&mut tx, &job.session_id).await? else { return Ok(false) };
    let live = again && session.status == status::ACTIVE;
    db::upsert_egress(&mut tx, &session.id, &egress_row(egress_id, job, egress_status::FAILED, Some(reason.clone())))
        .await?;
    if live {
        let placeholder = egress_row(&job.placeholder_id, job, egress_status::STARTING, None);
        db::insert_egress_once(&mut tx, &session.id, &placeholder).await?;
    } else {
        lifecycle::queue_if_ready(&mut tx, &session, &state.config.queue).await?;
    }
    let payload = json!({ "egress_id": egress_id, "identity": job.identity, "attempt": attempt, "reason": reason, "replaced": live });
    db::add_event(&mut tx, &session.id, "egress_start_timed_out", &payload).await?;
    tx.commit().await?;
    tracing::warn!(attempt, replaced = live, "an egress did not start in time; stopped");
    Ok(live)
}

fn egress_row(egress_id: &str, job: &StartRecording, status: &str, reason: Option<String>) -> EgressRow {
    EgressRow {
        egress_id: egress_id.to_string(),
        participant_identity: job.identity.clone(),
        part: i32::try_from(job.part).unwrap_or(i32::MAX),
        status: status.to_string(),
        input_uri: None,
        started_at_ns: 0,
        duration_ns: 0,
        reason,
    }
}
