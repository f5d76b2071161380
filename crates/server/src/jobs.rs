//! What the workers do with a processing job: run the pipeline on every recording of a session
//! and record the outcome (starting a participant's egress is `recording`). Each job reads its state from Postgres
//! first, so a job that runs again (its worker died mid-run, or a retry) does the right thing:
//! the library replaces a session's artifacts whole, and a finished session is left alone.

use std::sync::Arc;

use apalis::prelude::{BoxDynError, Data};
use serde_json::{Value, json};
use session_processing::{
    CancelFlag, CategoryAssessment, ParticipantInput, ProcessingError, RecordingInput, SafetyDecision,
    SessionProcessor, SessionResult,
};
use sqlx::PgPool;
use tracing::Instrument;

use crate::config::ServerConfig;
use crate::db::{self, EgressRow, egress_status, status};
use crate::livekit_calls::LiveKitCalls;
use crate::metrics::Metrics;
use crate::queue::ProcessSession;

/// What every worker shares: the database, the loaded models (in `processor`) and LiveKit.
pub struct WorkerState {
    pub pool: PgPool,
    pub config: Arc<ServerConfig>,
    pub processor: SessionProcessor,
    pub livekit: LiveKitCalls,
    pub metrics: Arc<Metrics>,
}

pub async fn process_session(job: ProcessSession, state: Data<Arc<WorkerState>>) -> Result<(), BoxDynError> {
    let span = tracing::info_span!("job", kind = "process", session = %job.session_id);
    process(&job.session_id, &state).instrument(span).await.map_err(Into::into)
}

async fn process(id: &str, state: &WorkerState) -> Result<(), crate::error::ServerError> {
    let Some(recordings) = begin(id, state).await? else { return Ok(()) };
    let outcome = run_with_retries(id, &recordings, state).await;
    let mut tx = state.pool.begin().await?;
    match &outcome {
        Ok(result) => {
            let summary = score_summary(result);
            db::set_result(&mut tx, id, &result.output, &summary).await?;
            let payload = json!({
                "status": result.status, "duration_ms": result.duration_ms, "stages": result.stages,
                "artifacts": result.artifacts, "score_summary": summary,
            });
            db::add_event(&mut tx, id, "processing_complete", &payload).await?;
            db::set_status(&mut tx, id, status::COMPLETE, None).await?;
            for stage in &result.stages {
                state.metrics.stage(&stage.name, stage.duration_ms as f64 / 1000.0);
            }
            tracing::info!(duration_ms = result.duration_ms, "session processed");
        }
        Err(error) => {
            let reason = format!("{}: {error}", error.code());
            db::add_event(&mut tx, id, "processing_failed", &error_payload(error)).await?;
            db::set_status(&mut tx, id, status::FAILED, Some(&reason)).await?;
            tracing::warn!(code = %error.code(), "session failed");
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Marks the session `processing` and returns its recordings; `None` when there is nothing to
/// do (unknown session, or already finished: a job delivered again).
async fn begin(id: &str, state: &WorkerState) -> Result<Option<Vec<EgressRow>>, crate::error::ServerError> {
    let mut tx = state.pool.begin().await?;
    let Some(session) = db::lock_session(&mut tx, id).await? else { return Ok(None) };
    if session.status == status::COMPLETE || session.status == status::FAILED {
        return Ok(None);
    }
    let recordings: Vec<EgressRow> =
        db::egresses(&mut tx, id).await?.into_iter().filter(|e| e.status == egress_status::COMPLETE).collect();
    db::set_status(&mut tx, id, status::PROCESSING, None).await?;
    db::add_event(&mut tx, id, "processing_started", &json!({ "recordings": recordings.len() })).await?;
    tx.commit().await?;
    Ok(Some(recordings))
}

/// Runs the pipeline, trying again after each wait in `storage_backoff` (`QueueSettings`) when it fails on
/// storage; every retry is a `processing_retry` event.
async fn run_with_retries(
    id: &str,
    recordings: &[EgressRow],
    state: &WorkerState,
) -> Result<SessionResult, ProcessingError> {
    let mut waits = state.config.queue.storage_backoff.iter();
    let mut attempt = 1;
    loop {
        let error = match run_pipeline(id, recordings, &state.processor).await {
            Ok(result) => return Ok(result),
            Err(error) => error,
        };
        let wait = match waits.next() {
            Some(wait) if error.kind() == "storage" => *wait,
            _ => return Err(error),
        };
        let mut payload = error_payload(&error);
        payload["attempt"] = attempt.into();
        payload["next_attempt_in_s"] = wait.as_secs_f64().into();
        if let Ok(mut conn) = state.pool.acquire().await {
            let _ = db::add_event(&mut conn, id, "processing_retry", &payload).await;
        }
        tracing::warn!(attempt, code = %error.code(), "storage failed; retrying");
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

async fn run_pipeline(
    id: &str,
    recordings: &[EgressRow],
    processor: &SessionProcessor,
) -> Result<SessionResult, ProcessingError> {
    let cancel = CancelFlag::new();
    let input = |row: &EgressRow| RecordingInput::parse(row.input_uri.as_deref().unwrap_or_default());
    // Participant egresses record to `participants/<identity>/`: those sessions are processed
    // per participant, even with one person; a composite recording as one.
    let per_participant = |row: &EgressRow| row.input_uri.as_deref().is_some_and(|uri| uri.contains("/participants/"));
    match recordings {
        [] => Err(ProcessingError::Input(format!("session {id} has no recording to process"))),
        [one] if !per_participant(one) => processor.process(id, input(one)?, &cancel).await,
        several => {
            let first_start = several.iter().map(|r| r.started_at_ns).filter(|t| *t > 0).min().unwrap_or(0);
            let participants = several
                .iter()
                .map(|row| {
                    Ok(ParticipantInput {
                        participant: if row.participant_identity.is_empty() {
                            row.egress_id.clone()
                        } else {
                            row.participant_identity.clone()
                        },
                        input: input(row)?,
                        offset_s: (row.started_at_ns - first_start).max(0) as f64 / 1e9,
                    })
                })
                .collect::<Result<Vec<_>, ProcessingError>>()?;
            processor.process_participants(id, participants, &cancel).await
        }
    }
}

fn error_payload(error: &ProcessingError) -> Value {
    json!({ "code": error.code(), "kind": error.kind(), "message": error.to_string() })
}

/// The figures a list of sessions shows: the combined, quality and engagement scores and the
/// safety categories flagged.
fn score_summary(result: &SessionResult) -> Value {
    let categories = result.safety.as_ref().map_or(&[][..], |s| &s.categories[..]);
    let flagged = |c: &&CategoryAssessment| c.decision == Some(SafetyDecision::Flagged);
    let flagged: Vec<&str> = categories.iter().filter(flagged).map(|c| c.category.as_str()).collect();
    json!({
        "combined": result.combined.as_ref().and_then(|c| c.score),
        "quality": result.quality.as_ref().and_then(|q| q.score()),
        "engagement": result.engagement.as_ref().and_then(|e| e.score()),
        "safety_flagged": flagged,
    })
}
