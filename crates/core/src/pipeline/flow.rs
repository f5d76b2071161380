//! The flow of one session, in order. A session has one recording, or one per participant; both
//! go the same way:
//!
//! 1. clear what an earlier run left;
//! 2. each recording: its stages ([`analyze_recording`]), its quality and engagement, its safety
//!    verdicts;
//! 3. the session's quality and engagement: the recording's own, or the participants' summed up
//!    with the conversation between them;
//! 4. analysis (LLM) → safety scan → combined score → timeline → report → manifest `complete`.

use std::path::Path;

use session_media::MediaInfo;
use session_reasoning::Analysis;
use session_safety::CategoryAssessment;
use session_scoring::{
    CombinedScore, EngagementReport, ParticipantSpeech, QualityReport, SpeechSegment, score_conversation,
    session_engagement, session_quality,
};
use session_transcribe::Transcript;

use crate::ProcessingError;
use crate::layout;
use crate::pipeline::context::Run;
use crate::pipeline::reasoning_stage;
use crate::pipeline::recording::{Recording, Scope, analyze_recording};
use crate::pipeline::report_stage::{self, TimelineParts};
use crate::pipeline::safety_scan::{self, ScanInput};
use crate::pipeline::scores::{CombinedPart, combined_stage, engagement_stage, not_run, part_of, quality_stage};
use crate::pipeline::timeline_data::{TrackTimeline, issues_of};
use crate::report::{Engagement, Quality, RunStatus, SafetyScan, SessionResult, Stored, now_rfc3339};

/// Runs every stage of the session; `keep` are the inputs already in place
/// ([`crate::pipeline::recording::inputs_in_place`]).
pub(crate) async fn run_session(
    run: &mut Run<'_>,
    scopes: &[Scope],
    keep: &[String],
) -> Result<SessionResult, ProcessingError> {
    let temp_dir = run.config.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
    let swept = crate::pipeline::temp_files::sweep_dead(&temp_dir);
    if swept > 0 {
        tracing::info!(swept, "removed the temporary files of processes that died mid-run");
    }
    clear_previous_run(run, keep).await?;
    let mut found = Findings::default();
    for scope in scopes {
        recording_flow(run, scope, &temp_dir, &mut found).await?;
    }
    let per_participant = scopes.iter().any(|s| s.participant.is_some());
    let summary = summarise(run, &mut found, per_participant).await?;
    let transcript = reasoning_stage::session_transcript(&found.transcripts);
    let (quality, engagement) = (summary.quality_json.as_ref(), summary.engagement_json.as_ref());
    let analysis = reasoning_stage::analysis(run, transcript, quality, engagement).await?;
    let safety = safety_scan::write(run, found.safety).await?;
    let analysis_part = analysis.as_ref().map(|stored| &stored.report as &dyn CombinedPart).map_err(Clone::clone);
    let parts = [summary.quality_part, summary.engagement_part, part_of("analysis", analysis_part)];
    let combined = combined_stage(run, parts).await?;
    report_stage::timeline_and_report(run, found.timeline, safety.as_ref()).await?;
    let reports = Reports {
        media: found.media,
        quality: summary.quality_json,
        engagement: summary.engagement_json,
        combined: Some(combined),
        safety,
        analysis: analysis.ok(),
    };
    finish(run, reports).await
}

/// What the recordings' stages found, gathered for the session's reports.
#[derive(Default)]
struct Findings {
    /// The recording's streams, for a session with one recording.
    media: Option<MediaInfo>,
    /// Each recording's reports, by participant (`None` for a session's only recording) and part
    /// (`None` for a participant's first recording).
    qualities: Vec<(Option<String>, Option<u32>, QualityReport)>,
    engagements: Vec<(Option<String>, Option<u32>, EngagementReport)>,
    /// Each participant's speech on the session's timeline (all their parts), for the conversation.
    speech: Vec<ParticipantSpeech>,
    safety: Vec<(Option<String>, Vec<CategoryAssessment>)>,
    transcripts: Vec<(Option<String>, f64, Transcript)>,
    timeline: TimelineParts,
}

/// One recording: its stages, scores and safety verdicts; a participant's reports are written
/// into its folder here, a session's only recording's with the session's.
async fn recording_flow(
    run: &mut Run<'_>,
    scope: &Scope,
    temp_dir: &Path,
    found: &mut Findings,
) -> Result<(), ProcessingError> {
    let recording = analyze_recording(run, scope, temp_dir).await?;
    let quality = quality_stage(run, scope, &recording)?;
    let engagement = engagement_stage(run, scope, &recording)?;
    let who = scope.participant.clone();
    let mut verdicts = scan(run, who.as_deref(), &recording, quality.as_ref(), engagement.as_ref()).await?;
    for event in verdicts.iter_mut().flat_map(|v| v.events.iter_mut()) {
        event.part = scope.later_part();
    }
    found.safety.push((who.clone(), verdicts));
    found.timeline.tracks.push(track(scope, &recording, engagement.as_ref()));
    let issues = quality.as_ref().map(|q| issues_of(who.as_deref(), scope.offset_s, q));
    found.timeline.issues.extend(issues.unwrap_or_default());
    if let Ok(transcript) = &recording.transcript {
        found.transcripts.push((who.clone(), scope.offset_s, transcript.clone()));
    }
    if let Some(quality) = quality {
        if who.is_some() {
            run.put_report(&scope.file(layout::QUALITY), &quality).await?;
        }
        found.qualities.push((who.clone(), scope.later_part(), quality));
    }
    // The conversation reads the speech segments engagement found (Silero's or the energy VAD's),
    // on the session's timeline; without engagement there is no conversation report.
    let segments = engagement.as_ref().and_then(|e| e.voice.as_ref()).map_or_else(Vec::new, |voice| {
        let shift =
            |s: &SpeechSegment| SpeechSegment { start_s: s.start_s + scope.offset_s, end_s: s.end_s + scope.offset_s };
        voice.speech_segments.iter().map(shift).collect()
    });
    if let Some(engagement) = engagement {
        if who.is_some() {
            run.put_report(&scope.file(layout::ENGAGEMENT), &engagement).await?;
        }
        found.engagements.push((who.clone(), scope.later_part(), engagement));
    }
    if let Some(participant) = who {
        let duration_s = recording.info.duration_s.unwrap_or(0.0) + scope.offset_s;
        match found.speech.iter_mut().find(|s| s.participant == participant) {
            Some(earlier) => earlier.add_part(&segments, duration_s),
            None => found.speech.push(ParticipantSpeech { participant, segments, duration_s }),
        }
    } else {
        found.media = Some(recording.info);
    }
    Ok(())
}

/// The session's `quality.json` and `engagement.json`, written, with their parts of the combined
/// score.
struct Summary {
    quality_json: Option<Quality>,
    engagement_json: Option<Engagement>,
    quality_part: session_scoring::ScorePart,
    engagement_part: session_scoring::ScorePart,
}

/// A session with one recording reports that recording's scores; one with a recording per
/// participant reports their mean and the conversation between them.
async fn summarise(run: &mut Run<'_>, found: &mut Findings, per_participant: bool) -> Result<Summary, ProcessingError> {
    if !per_participant {
        let quality = found.qualities.pop().map(|(_, _, report)| report);
        let engagement = found.engagements.pop().map(|(_, _, report)| report);
        let (quality_json, quality_part) = write_part(run, layout::QUALITY, "quality", quality).await?;
        let (engagement_json, engagement_part) = write_part(run, layout::ENGAGEMENT, "engagement", engagement).await?;
        return Ok(Summary { quality_json, engagement_json, quality_part, engagement_part });
    }
    let named = |who: &Option<String>| who.clone().unwrap_or_default();
    let quality = (!found.qualities.is_empty()).then(|| {
        let mut quality =
            session_quality(&found.qualities.iter().map(|(who, _, q)| (named(who), q)).collect::<Vec<_>>());
        for (line, (_, part, _)) in quality.participants.iter_mut().zip(&found.qualities) {
            line.part = *part;
        }
        quality
    });
    let engagement = (!found.engagements.is_empty()).then(|| {
        let parts: Vec<_> = found.engagements.iter().map(|(who, _, e)| (named(who), e)).collect();
        let mut engagement = session_engagement(&parts, score_conversation(&found.speech));
        for (line, (_, part, _)) in engagement.participants.iter_mut().zip(&found.engagements) {
            line.part = *part;
        }
        engagement
    });
    let (quality_json, quality_part) = write_part(run, layout::QUALITY, "quality", quality).await?;
    let (engagement_json, engagement_part) = write_part(run, layout::ENGAGEMENT, "engagement", engagement).await?;
    Ok(Summary { quality_json, engagement_json, quality_part, engagement_part })
}

/// Writes a session-level report, when there is one; the report as stored and its part of the
/// combined score.
async fn write_part<T: serde::Serialize + CombinedPart, R: From<Stored<T>>>(
    run: &mut Run<'_>,
    file: &str,
    name: &str,
    report: Option<T>,
) -> Result<(Option<R>, session_scoring::ScorePart), ProcessingError> {
    match report {
        Some(report) => {
            let part = part_of(name, Ok(&report));
            Ok((Some(run.put_report(file, report).await?.into()), part))
        }
        None => Ok((None, part_of(name, Err(not_run(name))))),
    }
}

/// Removes what an earlier run of the session left, so the folder never mixes two runs: derived
/// artifacts, participant folders, a recording under another extension, and the staged pieces of
/// an upload a killed run never finished. The inputs in `keep` stay.
async fn clear_previous_run(run: &Run<'_>, keep: &[String]) -> Result<(), ProcessingError> {
    let removed = run.store.remove_partial_uploads()?;
    if removed > 0 {
        tracing::info!(removed, "removed the partial uploads of an interrupted run");
    }
    let mut stale: Vec<String> = layout::DERIVED.iter().map(|name| name.to_string()).collect();
    stale.extend(run.store.names_in(layout::PARTICIPANTS_DIR).await?);
    let recordings = run.store.names_in("").await?.into_iter().filter(|n| n.starts_with("recording."));
    stale.extend(recordings);
    for name in stale.iter().filter(|name| !keep.contains(name)) {
        run.store.delete(name).await?;
    }
    Ok(())
}

/// The safety scan's verdicts for one recording (written later, with the session's): signals and
/// lexicon, merged with the LLM's transcript verdicts.
async fn scan(
    run: &Run<'_>,
    participant: Option<&str>,
    recording: &Recording,
    quality: Option<&QualityReport>,
    engagement: Option<&EngagementReport>,
) -> Result<Vec<CategoryAssessment>, ProcessingError> {
    if !run.config.stages.safety_scan {
        return Ok(Vec::new()); // nothing to judge, and no LLM call to pay for
    }
    let input = ScanInput {
        participant,
        duration_s: recording.info.duration_s.unwrap_or(0.0),
        quality,
        engagement,
        audio: recording.audio.as_ref().map(|a| &a.features).map_err(String::as_str),
        video: recording.video.as_ref().map_err(String::as_str),
        nudity: recording.nudity.as_ref().map(|n| n.as_deref().map_err(String::as_str)),
        transcript: recording.transcript.as_ref().map_err(String::as_str),
    };
    let verdicts = safety_scan::assess(&run.config.safety, &input);
    let from_llm = reasoning_stage::text_safety(run, participant, recording.transcript.as_ref().ok()).await?;
    Ok(safety_scan::merge(verdicts, from_llm))
}

/// One recording's lanes for `timeline.json`: the speech engagement used (else Silero's).
fn track(scope: &Scope, recording: &Recording, engagement: Option<&EngagementReport>) -> TrackTimeline {
    let audio = recording.audio.as_ref().ok();
    let speech: Vec<(f64, f64)> = match engagement.and_then(|e| e.voice.as_ref()) {
        Some(voice) => voice.speech_segments.iter().map(|s| (s.start_s, s.end_s)).collect(),
        None => recording
            .silero_speech()
            .map(|(segments, _)| segments.iter().map(|s| (s.start_s, s.end_s)).collect())
            .unwrap_or_default(),
    };
    TrackTimeline::new(
        scope.participant.clone(),
        scope.later_part(),
        scope.offset_s,
        recording.info.duration_s,
        audio.map(|a| &a.features),
        recording.video.as_ref().ok(),
        &speech,
    )
}

/// The session's reports as stored, for the result.
struct Reports {
    media: Option<MediaInfo>,
    quality: Option<Quality>,
    engagement: Option<Engagement>,
    combined: Option<Stored<CombinedScore>>,
    safety: Option<Stored<SafetyScan>>,
    analysis: Option<Stored<Analysis>>,
}

/// The last manifest, `complete`, and the result.
async fn finish(run: &mut Run<'_>, reports: Reports) -> Result<SessionResult, ProcessingError> {
    run.check_cancel()?;
    run.manifest.status = RunStatus::Complete;
    run.manifest.finished_at = Some(now_rfc3339());
    let manifest = run.write_manifest().await?;
    run.progress("finalize", 1.0);
    let mut artifacts = run.manifest.artifacts.clone();
    artifacts.push(manifest);
    Ok(SessionResult {
        session_id: run.id.to_string(),
        status: RunStatus::Complete,
        output: run.store.location("").trim_end_matches('/').to_string(),
        media: reports.media,
        stages: run.manifest.stages.clone(),
        artifacts,
        quality: reports.quality,
        engagement: reports.engagement,
        combined: reports.combined,
        safety: reports.safety,
        analysis: reports.analysis,
        duration_ms: run.started.elapsed().as_millis() as u64,
    })
}
