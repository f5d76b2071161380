//! The session API: Start, join (1:1), End, read, list, realtime safety events, artifacts.

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use session_processing::{OutputLocation, ProcessingError, SafetyEvent, SafetySource, SessionId, SessionStore, layout};
use time::OffsetDateTime;

use crate::access::{self, Credentials};
use crate::app::AppState;
use crate::db::{self, SessionRow, egress_status, status};
use crate::error::ServerError;
use crate::lifecycle;

/// How long a participant's LiveKit token is valid.
const PARTICIPANT_TOKEN_TTL: Duration = Duration::from_secs(2 * 3600);
/// How long a presigned artifact link works.
const ARTIFACT_LINK_TTL: Duration = Duration::from_secs(3600);
/// Largest artifact the API serves itself (recordings are linked, not served).
const MAX_ARTIFACT_BYTES: u64 = 64 * 1024 * 1024;
/// Identities are shown to people and become folder names: keep them short and plain.
const MAX_IDENTITY_LEN: usize = 64;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StartBody {
    /// The caller's LiveKit identity (default `host`).
    pub identity: Option<String>,
}

/// `POST /api/sessions`: a session id, its LiveKit room, a token for the caller and the session
/// key. The caller's recording starts when they join (the `participant_joined` webhook).
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Option<Json<StartBody>>,
) -> Result<(StatusCode, Json<Value>), ServerError> {
    access::api_access(&Credentials::from_request(&headers, None), state.config.api_token.as_deref())?;
    let identity = valid_identity(body.and_then(|b| b.0.identity).as_deref().unwrap_or("host"))?;
    let id = new_session_id()?;
    let (key, key_hash) = access::new_session_key()?;
    state.livekit.create_room(&id).await?;
    let mut tx = state.pool.begin().await?;
    db::insert_session(&mut tx, &id, &id, &key_hash).await?;
    db::add_event(&mut tx, &id, "session_started", &json!({ "identity": identity, "room_name": id })).await?;
    tx.commit().await?;
    let token = state.livekit.participant_token(&id, &identity, PARTICIPANT_TOKEN_TTL)?;
    state.monitors.start(&state, &id, &id);
    tracing::info!(session = %id, "session started");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "session_id": id,
            "room_name": id,
            "livekit_url": state.livekit.client_url(),
            "identity": identity,
            "token": token,
            "session_key": key,
            "recording": if state.config.egress_upload().is_some() { "starts when you join" } else { "off: RECORDINGS_S3_BUCKET is not set" },
        })),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    pub identity: String,
}

/// `POST /api/sessions/{id}/participants`: a token for a second person of a 1:1 session (their
/// own recording starts when they join). Needs the session key.
pub async fn join(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<JoinBody>,
) -> Result<Json<Value>, ServerError> {
    let session = authorised(&state, &id, &headers, None).await?;
    if session.status != status::ACTIVE {
        return Err(ServerError::Conflict(format!(
            "session {id} is {}; only a live session can be joined",
            session.status
        )));
    }
    let identity = valid_identity(&body.identity)?;
    let token = state.livekit.participant_token(&session.room_name, &identity, PARTICIPANT_TOKEN_TTL)?;
    Ok(Json(
        json!({ "session_id": id, "livekit_url": state.livekit.client_url(), "identity": identity, "token": token }),
    ))
}

/// `POST /api/sessions/{id}/end`: stops the session's egresses and closes the room. Processing
/// is queued once every egress has ended (the `egress_ended` webhooks).
pub async fn end(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ServerError> {
    authorised(&state, &id, &headers, None).await?;
    let mut tx = state.pool.begin().await?;
    let mut session = db::lock_session(&mut tx, &id).await?.ok_or(ServerError::NotFound)?;
    let changed = lifecycle::end(&mut tx, &mut session, "api").await?;
    let running: Vec<String> = db::egresses(&mut tx, &id)
        .await?
        .into_iter()
        .filter(|e| e.status == egress_status::ACTIVE)
        .map(|e| e.egress_id)
        .collect();
    let readiness = lifecycle::queue_if_ready(&mut tx, &session, &state.config.queue).await?;
    tx.commit().await?;
    for egress_id in &running {
        if let Err(error) = state.livekit.stop_egress(egress_id).await {
            tracing::warn!(session = %id, %error, "could not stop an egress");
        }
    }
    state.monitors.stop(&id);
    if changed && let Err(error) = state.livekit.delete_room(&session.room_name).await {
        tracing::warn!(session = %id, %error, "could not close the room");
    }
    Ok(Json(
        json!({ "session_id": id, "status": session.status, "stopping_egresses": running.len(), "processing": format!("{readiness:?}").to_lowercase() }),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct KeyQuery {
    pub key: Option<String>,
}

/// `GET /api/sessions/{id}`: status, timings, score summary, egresses, events and artifacts.
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<KeyQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, ServerError> {
    let session = authorised(&state, &id, &headers, query.key.as_deref()).await?;
    let mut conn = state.pool.acquire().await?;
    let egresses = db::egresses(&mut conn, &id).await?;
    drop(conn);
    let events = db::events(&state.pool, &id).await?;
    let mut artifacts = Vec::new();
    for (name, location) in last_artifacts(&events) {
        let url = artifact_url(&state, &id, &name, &location).await?;
        artifacts.push(json!({ "name": name, "url": url, "api_url": format!("/api/sessions/{id}/artifacts/{name}") }));
    }
    Ok(Json(json!({ "session": session, "egresses": egresses, "events": events, "artifacts": artifacts })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub limit: Option<i64>,
    /// The `next` cursor of the previous page.
    pub before: Option<String>,
}

/// `GET /api/sessions?limit=&before=`: newest first, with a `next` cursor.
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, ServerError> {
    access::api_access(&Credentials::from_request(&headers, None), state.config.api_token.as_deref())?;
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let before = query.before.as_deref().map(parse_cursor).transpose()?;
    let sessions = db::list_sessions(&state.pool, before, limit).await?;
    let next = (sessions.len() as i64 == limit).then(|| sessions.last().map(cursor)).flatten();
    Ok(Json(json!({ "sessions": sessions, "next": next })))
}

/// `POST /api/sessions/{id}/safety-events`: a realtime event from the session's browser,
/// validated and stored by the library (`safety/<timestamp>….json`) and as a `session_events` row.
/// Its source must be `realtime_client`: the server's own monitor and the post-session scan are
/// not the browser's to speak for.
pub async fn safety_event(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Result<(StatusCode, Json<Value>), ServerError> {
    authorised(&state, &id, &headers, None).await?;
    let event = SafetyEvent::from_json(&body).map_err(ProcessingError::from)?;
    if event.source != SafetySource::RealtimeClient {
        let source = serde_json::to_string(&event.source).unwrap_or_default();
        return Err(ServerError::BadRequest(format!(
            "source is {source}; a browser's event has source \"realtime_client\""
        )));
    }
    let stored = state.recorder.record_safety_event(&id, event).await?;
    let payload = serde_json::to_value(&stored).map_err(|e| ServerError::BadRequest(e.to_string()))?;
    let mut conn = state.pool.acquire().await?;
    db::add_event(&mut conn, &id, "safety_event", &payload).await?;
    Ok((StatusCode::CREATED, Json(payload)))
}

/// `GET /api/sessions/{id}/artifacts/{name}`: a file of a processed session, read from its
/// output folder or bucket; only names the last run listed are served. The page reads the JSON
/// reports through here, so a bucket needs no CORS rule for the page's origin.
pub async fn artifact(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    Query(query): Query<KeyQuery>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let session = authorised(&state, &id, &headers, query.key.as_deref()).await?;
    let events = db::events(&state.pool, &id).await?;
    let folder = session.output.ok_or(ServerError::NotFound)?;
    if !last_artifacts(&events).iter().any(|(listed, _)| *listed == name) {
        return Err(ServerError::NotFound);
    }
    // `<output>/sessions/<id>` → `<output>`, opened as the processor opens it.
    let base = folder.strip_suffix(&format!("/{}", layout::session_folder(&id))).ok_or(ServerError::NotFound)?;
    let store = SessionStore::open(&OutputLocation::parse(base)?, &state.config.s3, &id)?;
    let bytes = store.get_bytes(&name, MAX_ARTIFACT_BYTES).await?.ok_or(ServerError::NotFound)?;
    let content_type = layout::content_type(&name).unwrap_or("application/octet-stream");
    Ok(([(header::CONTENT_TYPE, content_type)], Body::from(bytes)).into_response())
}

/// The session, when the caller may see it; otherwise "no such session".
async fn authorised(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    query_key: Option<&str>,
) -> Result<SessionRow, ServerError> {
    let session = db::get_session(&state.pool, id).await?.ok_or(ServerError::NotFound)?;
    access::session_access(
        &Credentials::from_request(headers, query_key),
        state.config.api_token.as_deref(),
        &session,
    )?;
    Ok(session)
}

/// The artifacts the last finished run wrote, `(name, location)`, from its
/// `processing_complete` event.
fn last_artifacts(events: &[db::EventRow]) -> Vec<(String, String)> {
    events
        .iter()
        .rev()
        .find(|e| e.event_type == "processing_complete")
        .and_then(|e| e.payload["artifacts"].as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|a| Some((a["name"].as_str()?.to_string(), a["location"].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Where a person opens an artifact: a presigned link (valid [`ARTIFACT_LINK_TTL`]) for one in
/// S3, else this API's route (which checks the session key).
async fn artifact_url(state: &AppState, id: &str, name: &str, location: &str) -> Result<String, ServerError> {
    match location.strip_prefix("s3://").and_then(|rest| rest.split_once('/')) {
        Some((bucket, key)) => Ok(state.config.s3.presigned_get_url(bucket, key, ARTIFACT_LINK_TTL).await?),
        None => Ok(format!("/api/sessions/{id}/artifacts/{name}")),
    }
}

fn valid_identity(identity: &str) -> Result<String, ServerError> {
    let ok = !identity.is_empty()
        && identity.len() <= MAX_IDENTITY_LEN
        && !identity.starts_with(crate::HIDDEN_IDENTITY_PREFIX)
        && identity.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(identity.to_string())
    } else {
        Err(ServerError::BadRequest(format!(
            "identity must be 1–{MAX_IDENTITY_LEN} letters, digits, '-', '_' or '.' (and not start with {:?})",
            crate::HIDDEN_IDENTITY_PREFIX
        )))
    }
}

fn new_session_id() -> Result<String, ServerError> {
    let (random, _) = access::new_session_key()?;
    let suffix: String = random.chars().filter(char::is_ascii_alphanumeric).take(12).collect();
    let id = format!("s-{}", suffix.to_ascii_lowercase());
    SessionId::new(id.as_str())?;
    Ok(id)
}

fn cursor(session: &SessionRow) -> String {
    format!("{}~{}", session.started_at.unix_timestamp_nanos(), session.id)
}

fn parse_cursor(cursor: &str) -> Result<(OffsetDateTime, String), ServerError> {
    let bad = || ServerError::BadRequest("before is not a cursor from a previous page's next".into());
    let (nanos, id) = cursor.split_once('~').ok_or_else(bad)?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().map_err(|_| bad())?).map_err(|_| bad())?;
    Ok((at, id.to_string()))
}
