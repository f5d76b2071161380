//! The last two stages before the manifest: `timeline.json` from what the stages measured, then
//! `report.html` rendered from the session's stored JSON, exactly as `session-processing report`
//! renders it again later.

use crate::ProcessingError;
use crate::layout;
use crate::pipeline::context::Run;
use crate::pipeline::timeline_data::{
    LOUDNESS_STEP_S, SessionTimeline, TimelineIssue, TrackOffset, TrackTimeline, events_of,
};
use crate::report::{RunStatus, SafetyScan, Stored};
use crate::report_page::load_documents;

/// What the recordings' stages leave for the timeline.
#[derive(Default)]
pub(crate) struct TimelineParts {
    pub tracks: Vec<TrackTimeline>,
    pub issues: Vec<TimelineIssue>,
}

pub(crate) async fn timeline_and_report(
    run: &mut Run<'_>,
    parts: TimelineParts,
    safety_scan: Option<&Stored<SafetyScan>>,
) -> Result<(), ProcessingError> {
    let stage = run.begin("timeline")?;
    if !run.config.stages.report {
        let reason = "disabled in the pipeline's stages";
        stage.skipped(run, reason);
        run.skip("report", reason);
        return Ok(());
    }
    let internal = |e: serde_json::Error| ProcessingError::Internal(e.to_string());
    let offsets: Vec<TrackOffset> = parts.tracks.iter().map(TrackOffset::of).collect();
    let timeline = SessionTimeline {
        duration_s: parts.tracks.iter().filter_map(|t| Some(t.duration_s? + t.offset_s)).reduce(f64::max),
        step_s: LOUDNESS_STEP_S,
        safety_events: events_of(safety_scan.map(|scan| &scan.report), &offsets),
        tracks: parts.tracks,
        issues: parts.issues,
    };
    run.put_report(layout::TIMELINE, &timeline).await?;
    stage.done(run);

    let stage = run.begin("report")?;
    // The page shows the run as it will read once complete.
    let mut manifest = run.manifest.clone();
    manifest.status = RunStatus::Complete;
    let manifest = serde_json::to_value(&manifest).map_err(internal)?;
    let documents = load_documents(&run.store, run.id.as_str(), Some(manifest)).await?;
    let html = session_report::render(&documents);
    let record = run.store.put_bytes(layout::REPORT_HTML, html.into_bytes().into()).await?;
    run.manifest.artifacts.push(record);
    stage.done(run);
    Ok(())
}
