//! The platform's rows in Postgres: sessions, their events, their egresses and the webhook
//! deliveries already taken. Plain queries over a connection or a transaction; the callers own
//! the transactions.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Row};
use time::OffsetDateTime;

use crate::error::ServerError;

/// Where a session is: `active` (recording) → `ended` (waiting for its egresses) → `queued` →
/// `processing` → `complete` | `failed`.
pub mod status {
    pub const ACTIVE: &str = "active";
    pub const ENDED: &str = "ended";
    pub const QUEUED: &str = "queued";
    pub const PROCESSING: &str = "processing";
    pub const COMPLETE: &str = "complete";
    pub const FAILED: &str = "failed";
}

/// Where an egress is: `starting`, `active`, `complete` (a recording to process) or `failed`.
pub mod egress_status {
    pub const STARTING: &str = "starting";
    pub const ACTIVE: &str = "active";
    pub const COMPLETE: &str = "complete";
    pub const FAILED: &str = "failed";
}

/// A pool that waits a bounded time for a connection (so a stopped database fails requests
/// quickly instead of hanging them) and reconnects by itself when the database comes back.
pub async fn connect(database_url: &str) -> Result<PgPool, ServerError> {
    let options: PgConnectOptions =
        database_url.parse().map_err(|e| ServerError::Config(format!("DATABASE_URL is not a Postgres URL: {e}")))?;
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(true)
        .connect_with(options)
        .await
        .map_err(|e| ServerError::Config(format!("cannot reach the database at DATABASE_URL: {e}")))
}

/// Creates or updates our tables, then the job queue's (`apalis` schema).
pub async fn migrate(pool: &PgPool) -> Result<(), ServerError> {
    sqlx::migrate!("./migrations")
        .run(pool)
        .await
        .map_err(|e| ServerError::Config(format!("database migration failed: {e}")))?;
    apalis_postgres::PostgresStorage::setup(pool)
        .await
        .map_err(|e| ServerError::Queue(format!("job queue migration failed: {e}")))
}

/// A `sessions` row as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct SessionRow {
    pub id: String,
    pub room_name: String,
    pub status: String,
    pub status_reason: Option<String>,
    /// `api` (Start Session) or `webhook` (an egress this server did not start).
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub processing_started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub processing_finished_at: Option<OffsetDateTime>,
    /// The session folder (a local path or `s3://…`) once processed.
    pub output: Option<String>,
    pub score_summary: Option<Value>,
    #[serde(skip)]
    pub owner_key_sha256: Option<Vec<u8>>,
}

/// `SELECT <every column of SessionRow> FROM sessions <rest>`, as a static string.
macro_rules! select_sessions {
    ($rest:literal) => {
        concat!(
            "SELECT id, room_name, status, status_reason, created_by, started_at, ended_at, ",
            "processing_started_at, processing_finished_at, output, score_summary, owner_key_sha256 FROM sessions ",
            $rest
        )
    };
}

fn session_row(row: &sqlx::postgres::PgRow) -> Result<SessionRow, sqlx::Error> {
    Ok(SessionRow {
        id: row.try_get("id")?,
        room_name: row.try_get("room_name")?,
        status: row.try_get("status")?,
        status_reason: row.try_get("status_reason")?,
        created_by: row.try_get("created_by")?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
        processing_started_at: row.try_get("processing_started_at")?,
        processing_finished_at: row.try_get("processing_finished_at")?,
        output: row.try_get("output")?,
        score_summary: row.try_get("score_summary")?,
        owner_key_sha256: row.try_get("owner_key_sha256")?,
    })
}

/// A new session started through the API.
pub async fn insert_session(
    conn: &mut PgConnection,
    id: &str,
    room_name: &str,
    owner_key_sha256: &[u8],
) -> Result<(), ServerError> {
    sqlx::query("INSERT INTO sessions (id, room_name, owner_key_sha256, created_by) VALUES ($1, $2, $3, 'api')")
        .bind(id)
        .bind(room_name)
        .bind(owner_key_sha256)
        .execute(conn)
        .await?;
    Ok(())
}

/// The session, locked until the transaction ends: every change to one session goes through
/// this, so concurrent webhooks and calls for one session take turns.
pub async fn lock_session(conn: &mut PgConnection, id: &str) -> Result<Option<SessionRow>, ServerError> {
    let row = sqlx::query(select_sessions!("WHERE id = $1 FOR UPDATE")).bind(id).fetch_optional(conn).await?;
    Ok(row.as_ref().map(session_row).transpose()?)
}

/// The session `id` for an egress this server did not start (LiveKit's auto-egress, another
/// tool): created as `ended` when missing, then locked.
pub async fn lock_or_adopt_session(
    conn: &mut PgConnection,
    id: &str,
    room_name: &str,
) -> Result<SessionRow, ServerError> {
    sqlx::query(
        "INSERT INTO sessions (id, room_name, status, created_by, ended_at) VALUES ($1, $2, 'ended', 'webhook', NOW()) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(room_name)
    .execute(&mut *conn)
    .await?;
    lock_session(conn, id).await?.ok_or(ServerError::NotFound)
}

pub async fn get_session(pool: &PgPool, id: &str) -> Result<Option<SessionRow>, ServerError> {
    let row = sqlx::query(select_sessions!("WHERE id = $1")).bind(id).fetch_optional(pool).await?;
    Ok(row.as_ref().map(session_row).transpose()?)
}

/// Sessions newest first, `limit` of them, older than the cursor `(started_at, id)` when given.
pub async fn list_sessions(
    pool: &PgPool,
    before: Option<(OffsetDateTime, String)>,
    limit: i64,
) -> Result<Vec<SessionRow>, ServerError> {
    let rows = match before {
        Some((at, id)) => {
            sqlx::query(select_sessions!(
                "WHERE (started_at, id) < ($1, $2) ORDER BY started_at DESC, id DESC LIMIT $3"
            ))
            .bind(at)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(select_sessions!("ORDER BY started_at DESC, id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
    };
    Ok(rows.iter().map(session_row).collect::<Result<_, _>>()?)
}

/// Sets the status (and its reason, cleared when `None`).
pub async fn set_status(
    conn: &mut PgConnection,
    id: &str,
    status: &str,
    reason: Option<&str>,
) -> Result<(), ServerError> {
    sqlx::query(
        "UPDATE sessions SET status = $2, status_reason = $3, updated_at = NOW(), \
         ended_at = CASE WHEN $2 = 'ended' THEN COALESCE(ended_at, NOW()) ELSE ended_at END, \
         processing_started_at = CASE WHEN $2 = 'processing' THEN NOW() ELSE processing_started_at END, \
         processing_finished_at = CASE WHEN $2 IN ('complete', 'failed') AND processing_started_at IS NOT NULL \
           THEN NOW() ELSE processing_finished_at END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records what processing produced: the folder and the score summary.
pub async fn set_result(
    conn: &mut PgConnection,
    id: &str,
    output: &str,
    score_summary: &Value,
) -> Result<(), ServerError> {
    sqlx::query("UPDATE sessions SET output = $2, score_summary = $3, updated_at = NOW() WHERE id = $1")
        .bind(id)
        .bind(output)
        .bind(score_summary)
        .execute(conn)
        .await?;
    Ok(())
}

/// Appends a `session_events` row.
pub async fn add_event(
    conn: &mut PgConnection,
    session_id: &str,
    event_type: &str,
    payload: &Value,
) -> Result<(), ServerError> {
    sqlx::query("INSERT INTO session_events (session_id, event_type, payload) VALUES ($1, $2, $3)")
        .bind(session_id)
        .bind(event_type)
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// A `session_events` row.
#[derive(Clone, Debug, Serialize)]
pub struct EventRow {
    pub id: i32,
    pub event_type: String,
    pub payload: Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A session's events in the order they were written.
pub async fn events(pool: &PgPool, session_id: &str) -> Result<Vec<EventRow>, ServerError> {
    let rows =
        sqlx::query("SELECT id, event_type, payload, created_at FROM session_events WHERE session_id = $1 ORDER BY id")
            .bind(session_id)
            .fetch_all(pool)
            .await?;
    let events = rows
        .iter()
        .map(|row| {
            Ok(EventRow {
                id: row.try_get("id")?,
                event_type: row.try_get("event_type")?,
                payload: row.try_get("payload")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(events)
}

/// Takes a webhook delivery id: `false` when it was taken before (a LiveKit retry).
pub async fn take_delivery(
    conn: &mut PgConnection,
    delivery_id: &str,
    event: &str,
    session_id: Option<&str>,
) -> Result<bool, ServerError> {
    let inserted = sqlx::query(
        "INSERT INTO webhook_deliveries (delivery_id, event, session_id) VALUES ($1, $2, $3) \
         ON CONFLICT (delivery_id) DO NOTHING",
    )
    .bind(delivery_id)
    .bind(event)
    .bind(session_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// One egress of a session.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EgressRow {
    pub egress_id: String,
    pub participant_identity: String,
    pub status: String,
    pub input_uri: Option<String>,
    pub started_at_ns: i64,
    pub duration_ns: i64,
    pub reason: Option<String>,
    /// Which of the participant's recordings it makes (they left and joined again), from 1.
    pub part: i32,
}

/// Inserts or updates an egress. An ended egress is never moved back to `starting`/`active`
/// (a late `egress_started` or `egress_updated` after `egress_ended`), and keeps the reason it
/// ended with (the recording worker's, for one it stopped because it never started).
pub async fn upsert_egress(conn: &mut PgConnection, session_id: &str, egress: &EgressRow) -> Result<(), ServerError> {
    sqlx::query(
        "INSERT INTO session_egresses (egress_id, session_id, participant_identity, status, input_uri, started_at_ns, duration_ns, reason, part) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (egress_id) DO UPDATE SET \
           status = CASE WHEN session_egresses.status IN ('complete', 'failed') THEN session_egresses.status ELSE EXCLUDED.status END, \
           input_uri = COALESCE(EXCLUDED.input_uri, session_egresses.input_uri), \
           started_at_ns = GREATEST(EXCLUDED.started_at_ns, session_egresses.started_at_ns), \
           duration_ns = GREATEST(EXCLUDED.duration_ns, session_egresses.duration_ns), \
           reason = CASE WHEN session_egresses.status IN ('complete', 'failed') \
             THEN COALESCE(session_egresses.reason, EXCLUDED.reason) ELSE COALESCE(EXCLUDED.reason, session_egresses.reason) END, \
           participant_identity = CASE WHEN EXCLUDED.participant_identity = '' THEN session_egresses.participant_identity \
             ELSE EXCLUDED.participant_identity END, \
           part = GREATEST(EXCLUDED.part, session_egresses.part), \
           updated_at = NOW()",
    )
    .bind(&egress.egress_id)
    .bind(session_id)
    .bind(&egress.participant_identity)
    .bind(&egress.status)
    .bind(&egress.input_uri)
    .bind(egress.started_at_ns)
    .bind(egress.duration_ns)
    .bind(&egress.reason)
    .bind(egress.part)
    .execute(conn)
    .await?;
    Ok(())
}

/// A session's egresses, oldest first.
pub async fn egresses(conn: &mut PgConnection, session_id: &str) -> Result<Vec<EgressRow>, ServerError> {
    let rows = sqlx::query(
        "SELECT egress_id, participant_identity, status, input_uri, started_at_ns, duration_ns, reason, part \
         FROM session_egresses WHERE session_id = $1 ORDER BY started_at_ns, egress_id",
    )
    .bind(session_id)
    .fetch_all(conn)
    .await?;
    let egresses = rows
        .iter()
        .map(|row| {
            Ok(EgressRow {
                egress_id: row.try_get("egress_id")?,
                participant_identity: row.try_get("participant_identity")?,
                status: row.try_get("status")?,
                input_uri: row.try_get("input_uri")?,
                started_at_ns: row.try_get("started_at_ns")?,
                duration_ns: row.try_get("duration_ns")?,
                reason: row.try_get("reason")?,
                part: row.try_get("part")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(egresses)
}

/// Inserts an egress row unless one with its id exists; `false` when it did.
pub async fn insert_egress_once(
    conn: &mut PgConnection,
    session_id: &str,
    egress: &EgressRow,
) -> Result<bool, ServerError> {
    let inserted = sqlx::query(
        "INSERT INTO session_egresses (egress_id, session_id, participant_identity, status, part) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (egress_id) DO NOTHING",
    )
    .bind(&egress.egress_id)
    .bind(session_id)
    .bind(&egress.participant_identity)
    .bind(&egress.status)
    .bind(egress.part)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Removes the placeholder row `placeholder_id` that stood for an egress while it was being
/// started.
pub async fn remove_placeholder(conn: &mut PgConnection, placeholder_id: &str) -> Result<(), ServerError> {
    sqlx::query("DELETE FROM session_egresses WHERE egress_id = $1 AND status = 'starting'")
        .bind(placeholder_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The id of the row standing for `identity`'s `part`-th egress until LiveKit gives it one.
pub fn placeholder_id(session_id: &str, identity: &str, part: i32) -> String {
    match part {
        1 => format!("pending:{session_id}:{identity}"),
        n => format!("pending:{session_id}:{identity}:part-{n}"),
    }
}

/// Whether a `participant_joined` for the participant session `sid` (`PA_…`) was recorded for
/// this session before the one being handled (its own row is already written); `false` for an
/// empty sid.
pub async fn joined_before(conn: &mut PgConnection, session_id: &str, sid: &str) -> Result<bool, ServerError> {
    if sid.is_empty() {
        return Ok(false);
    }
    let seen: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session_events WHERE session_id = $1 AND event_type = 'webhook.participant_joined' \
         AND payload->'participant'->>'sid' = $2",
    )
    .bind(session_id)
    .bind(sid)
    .fetch_one(conn)
    .await?;
    Ok(seen > 1)
}

/// How `identity` is being recorded in a session: whether an egress of theirs is still being
/// started (a placeholder), and the highest part started so far (0 for none).
pub async fn recording_of(
    conn: &mut PgConnection,
    session_id: &str,
    identity: &str,
) -> Result<(bool, i32), ServerError> {
    let (starting, last_part): (bool, i32) = sqlx::query_as(
        "SELECT COALESCE(BOOL_OR(status = 'starting' AND egress_id LIKE 'pending:%'), false), COALESCE(MAX(part), 0) \
         FROM session_egresses WHERE session_id = $1 AND participant_identity = $2",
    )
    .bind(session_id)
    .bind(identity)
    .fetch_one(conn)
    .await?;
    Ok((starting, last_part))
}

/// The session an egress id belongs to.
pub async fn session_of_egress(conn: &mut PgConnection, egress_id: &str) -> Result<Option<String>, ServerError> {
    Ok(sqlx::query_scalar("SELECT session_id FROM session_egresses WHERE egress_id = $1")
        .bind(egress_id)
        .fetch_optional(conn)
        .await?)
}

/// The newest session held in `room`.
pub async fn session_of_room(conn: &mut PgConnection, room: &str) -> Result<Option<String>, ServerError> {
    Ok(sqlx::query_scalar("SELECT id FROM sessions WHERE room_name = $1 ORDER BY started_at DESC LIMIT 1")
        .bind(room)
        .fetch_optional(conn)
        .await?)
}

/// Egresses LiveKit has not reported ended although their session ended more than `after` ago
/// (an `egress_ended` lost after LiveKit's retries): `(session id, egress id)`, oldest first.
pub async fn stale_egresses(pool: &PgPool, after: Duration, limit: i64) -> Result<Vec<(String, String)>, ServerError> {
    Ok(sqlx::query_as(
        "SELECT e.session_id, e.egress_id FROM session_egresses e JOIN sessions s ON s.id = e.session_id \
         WHERE s.status = 'ended' AND e.status = 'active' AND e.egress_id NOT LIKE 'pending:%' \
           AND s.updated_at < NOW() - make_interval(secs => $1) AND e.updated_at < NOW() - make_interval(secs => $1) \
         ORDER BY e.updated_at LIMIT $2",
    )
    .bind(after.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
