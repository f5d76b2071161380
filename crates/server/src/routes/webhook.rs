//! `POST /api/livekit/webhook`: LiveKit's deliveries, verified by the library, recorded and
//! acted on in one transaction, answered at once. A delivery id seen before (LiveKit retries
//! with the same id) is answered 200 and changes nothing; a forged, tampered, expired or
//! malformed one is refused with nothing recorded.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};
use session_processing::livekit::{EgressOutcome, EventKind, WebhookEvent};
use sqlx::PgConnection;

use crate::app::AppState;
use crate::db::{self, EgressRow, SessionRow, egress_status, status};
use crate::error::ServerError;
use crate::lifecycle;
use crate::queue::{self, StartRecording};
use session_processing::layout;

pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ServerError> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let event = match state.verifier.verify_now(&body, header(AUTHORIZATION), header(CONTENT_TYPE)) {
        Ok(event) => event,
        Err(error) => {
            state.metrics.webhook(&format!("rejected_{}", error.code()));
            tracing::warn!(code = error.code(), "webhook refused");
            return Err(error.into());
        }
    };
    let applied = apply(&state, &event, "webhook").await?;
    if applied.duplicate {
        state.metrics.webhook("duplicate");
        return Ok(Json(json!({ "ok": true, "duplicate": true })));
    }
    state.metrics.webhook("accepted");
    let session = applied.session_id.as_deref().unwrap_or("-");
    tracing::info!(event = event.kind.as_str(), session, action = %applied.action, "webhook");
    Ok(Json(json!({ "ok": true, "session_id": applied.session_id, "action": applied.action })))
}

/// What [`apply`] did with an event.
pub struct Applied {
    pub session_id: Option<String>,
    /// Its id was taken before: nothing changed.
    pub duplicate: bool,
    pub action: String,
}

/// Records and acts on a verified event in one transaction: its session row locked, its delivery
/// id taken once, an `<origin>.<event>` row, then what the event changes. `origin` is `webhook`
/// for LiveKit's deliveries and `reconciled` for what the reconciler learnt by asking LiveKit.
pub async fn apply(state: &AppState, event: &WebhookEvent, origin: &str) -> Result<Applied, ServerError> {
    let mut tx = state.pool.begin().await?;
    let session = session_of(&mut tx, state, event).await?;
    let session_id = session.as_ref().map(|s| s.id.clone());
    if !event.id.is_empty()
        && !db::take_delivery(&mut tx, &event.id, event.kind.as_str(), session_id.as_deref()).await?
    {
        return Ok(Applied { session_id, duplicate: true, action: "duplicate".into() });
    }
    let action = match session {
        Some(mut session) => {
            db::add_event(&mut tx, &session.id, &format!("{origin}.{}", event.kind.as_str()), &event.raw).await?;
            act(&mut tx, state, event, &mut session).await?
        }
        None => "ignored: not a session of this server".to_string(),
    };
    tx.commit().await?;
    Ok(Applied { session_id, duplicate: false, action })
}

/// The session an event belongs to, locked: by egress id, by the `sessions/<id>/` key of an
/// ended egress (creating the row for an egress this server did not start), or by room name.
async fn session_of(
    conn: &mut PgConnection,
    state: &AppState,
    event: &WebhookEvent,
) -> Result<Option<SessionRow>, ServerError> {
    if let Some(egress) = &event.egress {
        if !egress.egress_id.is_empty()
            && let Some(id) = db::session_of_egress(conn, &egress.egress_id).await?
        {
            return db::lock_session(conn, &id).await;
        }
        if let Some(Ok(EgressOutcome::Recorded { session_id, .. })) = event.egress_outcome(&state.config.recordings) {
            return db::lock_or_adopt_session(conn, session_id.as_str(), &egress.room_name).await.map(Some);
        }
    }
    let room = event.room.as_ref().map(|r| r.name.as_str()).or(event.egress.as_ref().map(|e| e.room_name.as_str()));
    match room.filter(|r| !r.is_empty()) {
        Some(room) => match db::session_of_room(conn, room).await? {
            Some(id) => db::lock_session(conn, &id).await,
            None => Ok(None),
        },
        None => Ok(None),
    }
}

/// What the event changes for its session; returns a short description for the answer and log.
async fn act(
    conn: &mut PgConnection,
    state: &AppState,
    event: &WebhookEvent,
    session: &mut SessionRow,
) -> Result<String, ServerError> {
    match &event.kind {
        EventKind::ParticipantJoined => participant_joined(conn, state, event, session).await,
        EventKind::RoomFinished => {
            state.monitors.stop(&session.id);
            lifecycle::end(conn, session, "room_finished").await?;
            readiness(conn, state, session).await
        }
        EventKind::EgressStarted | EventKind::EgressUpdated => {
            let Some(egress) = event.egress.as_ref().filter(|e| !e.egress_id.is_empty()) else {
                return Ok("no egress id".into());
            };
            let row = EgressRow {
                egress_id: egress.egress_id.clone(),
                participant_identity: recorded_identity(event),
                status: egress_status::ACTIVE.into(),
                input_uri: None,
                started_at_ns: egress.started_at_ns,
                duration_ns: 0,
                reason: None,
                part: 1, // the recording worker knows the part; an upsert keeps the higher
            };
            db::upsert_egress(conn, &session.id, &row).await?;
            Ok("egress recorded".into())
        }
        EventKind::EgressEnded => egress_ended(conn, state, event, session).await,
        _ => Ok("recorded".into()),
    }
}

/// A person (not an egress recorder) joined a live session started here: record them. One who
/// joins again after leaving (LiveKit ended the egress of their first stay; the new stay has a
/// new participant sid) is recorded in a new part, `participants/<id>/part-2/`, …; a join while
/// their egress is still being started, or a second delivery of the same stay's join (the same
/// sid), is the same stay.
async fn participant_joined(
    conn: &mut PgConnection,
    state: &AppState,
    event: &WebhookEvent,
    session: &SessionRow,
) -> Result<String, ServerError> {
    let Some(participant) = &event.participant else { return Ok("no participant".into()) };
    if participant.is_recorder() || participant.identity.starts_with(crate::HIDDEN_IDENTITY_PREFIX) {
        return Ok("not counted: a recorder or monitor".into());
    }
    if session.status != status::ACTIVE || session.created_by != "api" || state.config.egress_upload().is_none() {
        return Ok("not recorded: the session is not live or recordings are not uploaded by egress".into());
    }
    let (starting, last_part) = db::recording_of(conn, &session.id, &participant.identity).await?;
    if starting || db::joined_before(conn, &session.id, &participant.sid).await? {
        return Ok("already recorded".into());
    }
    let part = last_part + 1;
    let placeholder_id = db::placeholder_id(&session.id, &participant.identity, part);
    let row = EgressRow {
        egress_id: placeholder_id.clone(),
        participant_identity: participant.identity.clone(),
        status: egress_status::STARTING.into(),
        input_uri: None,
        started_at_ns: 0,
        duration_ns: 0,
        reason: None,
        part,
    };
    if !db::insert_egress_once(conn, &session.id, &row).await? {
        return Ok("already recorded".into());
    }
    let job = StartRecording {
        session_id: session.id.clone(),
        identity: participant.identity.clone(),
        placeholder_id,
        part: u32::try_from(part).unwrap_or(1),
    };
    queue::push_recording(conn, &job, &state.config.queue).await?;
    Ok(if part == 1 { "recording queued".into() } else { format!("recording queued: part {part}, they joined again") })
}

async fn egress_ended(
    conn: &mut PgConnection,
    state: &AppState,
    event: &WebhookEvent,
    session: &mut SessionRow,
) -> Result<String, ServerError> {
    let Some(egress) = &event.egress else { return Ok("no egress".into()) };
    let row = match event.egress_outcome(&state.config.recordings) {
        Some(Ok(EgressOutcome::Recorded { input, duration_ns, limit_reached, .. })) => EgressRow {
            egress_id: egress.egress_id.clone(),
            participant_identity: recorded_identity(event),
            status: egress_status::COMPLETE.into(),
            part: part_in_key(&input.to_string()),
            input_uri: Some(input.to_string()),
            started_at_ns: egress.started_at_ns,
            duration_ns,
            reason: limit_reached.then(|| "LiveKit stopped the recording at a limit".to_string()),
        },
        Some(Ok(EgressOutcome::Failed { reason, .. })) => failed_row(event, reason),
        Some(Err(error)) => failed_row(event, error.to_string()),
        None => return Ok("no outcome".into()),
    };
    if row.egress_id.is_empty() {
        // The server's own FAILED for an automatic egress that never started: the session has
        // no recording to wait for.
        if session.status != status::ACTIVE && session.status != status::ENDED {
            return Ok(format!("recorded: the session is already {}", session.status));
        }
        let reason = row.reason.clone().unwrap_or_default();
        db::set_status(conn, &session.id, status::FAILED, Some(&reason)).await?;
        db::add_event(conn, &session.id, "session_failed", &json!({ "reason": reason })).await?;
        return Ok("session failed: egress did not start".into());
    }
    let placeholder = db::placeholder_id(&session.id, &row.participant_identity, row.part);
    db::remove_placeholder(conn, &placeholder).await?;
    db::upsert_egress(conn, &session.id, &row).await?;
    readiness(conn, state, session).await
}

fn failed_row(event: &WebhookEvent, reason: String) -> EgressRow {
    let egress = event.egress.as_ref();
    EgressRow {
        egress_id: egress.map(|e| e.egress_id.clone()).unwrap_or_default(),
        participant_identity: recorded_identity(event),
        status: egress_status::FAILED.into(),
        input_uri: None,
        started_at_ns: egress.map(|e| e.started_at_ns).unwrap_or(0),
        duration_ns: 0,
        reason: Some(format!("LiveKit egress failed: {reason}")),
        part: 1, // the recording worker knows the part; an upsert keeps the higher
    }
}

/// The part a recording's key names: 2 for `…/sessions/<id>/participants/<identity>/part-2/…`,
/// else 1.
fn part_in_key(key: &str) -> i32 {
    let part = layout::in_session_folder(key).and_then(|(_, name)| layout::participant_part_of(name));
    part.map_or(1, |(_, part)| i32::try_from(part).unwrap_or(1))
}

async fn readiness(conn: &mut PgConnection, state: &AppState, session: &SessionRow) -> Result<String, ServerError> {
    Ok(format!("{:?}", lifecycle::queue_if_ready(conn, session, &state.config.queue).await?).to_lowercase())
}

/// The identity a participant egress records (`egressInfo.participant.identity`), else "".
fn recorded_identity(event: &WebhookEvent) -> String {
    event.raw["egressInfo"]["participant"]["identity"].as_str().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::part_in_key;

    #[test]
    fn a_recordings_part_comes_from_its_key() {
        assert_eq!(part_in_key("s3://b/sessions/s-1/participants/alice/recording.mp4"), 1);
        assert_eq!(part_in_key("s3://b/sessions/s-1/participants/alice/part-3/recording.mp4"), 3);
        assert_eq!(part_in_key("/recordings/tenant/sessions/s-1/participants/a/part-2/recording.mp4"), 2);
        assert_eq!(part_in_key("s3://b/sessions/s-1/recording.mp4"), 1);
        assert_eq!(part_in_key("s3://b/elsewhere/part-2/recording.mp4"), 1);
    }
}
