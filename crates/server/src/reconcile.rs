//! The reconciler: a session whose `egress_ended` LiveKit never delivered (the server was down
//! through LiveKit's retries, a network cut) would wait in `ended` for ever. Every so often the
//! API process asks LiveKit about each egress still `active` in a session that ended more than
//! `RECONCILE_AFTER_S` ago; one LiveKit reports ended is applied exactly as its webhook would have
//! been (a `reconciled.egress_ended` row, then the same state rules), under the delivery id
//! `reconcile:<egress id>`, so two API processes reconciling at once act once.

use std::time::Duration;

use serde_json::json;
use session_processing::livekit::WebhookEvent;
use tokio::sync::watch;

use crate::app::AppState;
use crate::db;
use crate::error::ServerError;
use crate::routes::webhook;

/// Egresses looked at per sweep.
const BATCH: i64 = 50;
/// LiveKit's statuses of an egress that has ended.
const ENDED: [&str; 4] = ["EGRESS_COMPLETE", "EGRESS_FAILED", "EGRESS_ABORTED", "EGRESS_LIMIT_REACHED"];

/// Sweeps until `stop` turns true, every half of `RECONCILE_AFTER_S` (at most 30 s).
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let after = state.config.reconcile_after;
    let every = (after / 2).clamp(Duration::from_millis(500), Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        match sweep(&state, after).await {
            Ok(0) => {}
            Ok(applied) => tracing::info!(applied, "reconciled egresses LiveKit had not reported ended"),
            Err(error) => tracing::warn!(%error, "reconciling egresses failed; trying again later"),
        }
    }
}

/// One pass; returns how many egress ends it applied.
pub async fn sweep(state: &AppState, after: Duration) -> Result<usize, ServerError> {
    let mut applied = 0;
    for (session_id, egress_id) in db::stale_egresses(&state.pool, after, BATCH).await? {
        let Some(info) = state.livekit.egress_info(&egress_id).await? else {
            tracing::warn!(session = %session_id, %egress_id, "LiveKit does not know an egress still recording here");
            continue;
        };
        if !ENDED.contains(&info["status"].as_str().unwrap_or_default()) {
            continue;
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let raw = json!({
            "event": "egress_ended",
            "id": format!("reconcile:{egress_id}"),
            "createdAt": now.to_string(),
            "egressInfo": info,
        });
        let event = WebhookEvent::from_value(raw).map_err(ServerError::from)?;
        let outcome = webhook::apply(state, &event, "reconciled").await?;
        if !outcome.duplicate {
            applied += 1;
            tracing::info!(session = %session_id, action = %outcome.action, "egress end reconciled");
        }
    }
    Ok(applied)
}
