//! The session state rules shared by the API, the webhook and the workers. Each function runs
//! inside a transaction holding the session's row lock (`db::lock_session`), so two webhooks for
//! one session never both decide.

use serde_json::json;
use sqlx::PgConnection;

use crate::config::QueueSettings;
use crate::db::{self, SessionRow, egress_status, status};
use crate::error::ServerError;
use crate::queue::{self, ProcessSession};

/// What [`queue_if_ready`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Readiness {
    /// The processing job was pushed.
    Queued,
    /// Not yet: the session is still live, or an egress is still recording.
    Waiting,
    /// Every egress failed: the session is marked failed with their reasons.
    Failed,
    /// Already queued, processing or done.
    Settled,
}

/// Once a session has ended and none of its egresses is still recording, queue one job that
/// processes every recording of it together; with no recording at all, fail it with LiveKit's
/// reasons.
pub async fn queue_if_ready(
    conn: &mut PgConnection,
    session: &SessionRow,
    settings: &QueueSettings,
) -> Result<Readiness, ServerError> {
    if session.status != status::ENDED {
        return Ok(if session.status == status::ACTIVE { Readiness::Waiting } else { Readiness::Settled });
    }
    let egresses = db::egresses(conn, &session.id).await?;
    let ended = |s: &str| s == egress_status::COMPLETE || s == egress_status::FAILED;
    if egresses.iter().any(|e| !ended(&e.status)) {
        return Ok(Readiness::Waiting);
    }
    let recorded = egresses.iter().filter(|e| e.status == egress_status::COMPLETE).count();
    if recorded == 0 {
        let reasons: Vec<&str> = egresses.iter().filter_map(|e| e.reason.as_deref()).collect();
        let reason = if reasons.is_empty() {
            "no recording was made: nobody was recorded before the session ended".to_string()
        } else {
            format!("no recording was made: {}", reasons.join("; "))
        };
        db::set_status(conn, &session.id, status::FAILED, Some(&reason)).await?;
        db::add_event(conn, &session.id, "session_failed", &json!({ "reason": reason })).await?;
        return Ok(Readiness::Failed);
    }
    db::set_status(conn, &session.id, status::QUEUED, None).await?;
    db::add_event(conn, &session.id, "job_queued", &json!({ "recordings": recorded })).await?;
    queue::push_process(conn, &ProcessSession { session_id: session.id.clone() }, settings).await?;
    Ok(Readiness::Queued)
}

/// Marks a live session ended (End Session, or LiveKit closed the room); an ended, queued or
/// finished session is left as it is. Returns whether it changed.
pub async fn end(conn: &mut PgConnection, session: &mut SessionRow, why: &str) -> Result<bool, ServerError> {
    if session.status != status::ACTIVE {
        return Ok(false);
    }
    db::set_status(conn, &session.id, status::ENDED, None).await?;
    db::add_event(conn, &session.id, "session_ended", &json!({ "by": why })).await?;
    session.status = status::ENDED.into();
    Ok(true)
}
