//! The score stages: quality and engagement of one recording (pure functions of what its stages
//! measured), and the combined score of the session, read from the typed reports.

use session_reasoning::Analysis;
use session_scoring::{
    CombinedScore, DetectedSpeech, EngagementReport, QualityReport, ScorePart, SessionEngagement, SessionQuality,
    TranscriptSegment, combine_scores, score_engagement_with_speech, score_quality_with_speech,
};

use crate::pipeline::context::Run;
use crate::pipeline::damage_issues::damage_issues;
use crate::pipeline::recording::{Half, Recording, Scope};
use crate::report::Stored;
use crate::{ProcessingError, layout};

pub(crate) fn quality_stage(
    run: &mut Run<'_>,
    scope: &Scope,
    recording: &Recording,
) -> Result<Option<QualityReport>, ProcessingError> {
    let stage = run.begin(scope.stage("quality"))?;
    if !run.config.stages.quality {
        stage.skipped(run, "disabled in the pipeline's stages");
        return Ok(None);
    }
    let (audio, video) = (&recording.audio, &recording.video);
    // Silero's speech, where it ran, tells the speech from the pauses the noise is measured in.
    let silero = recording.silero_speech();
    let mut report = score_quality_with_speech(
        audio.as_ref().map(|a| &a.features).map_err(String::as_str),
        silero.as_ref().map(|(segments, vad)| DetectedSpeech { segments, vad }),
        video.as_ref().map_err(String::as_str),
    );
    let duration_s = recording.info.duration_s.unwrap_or(0.0);
    let audio_damage = audio.as_ref().ok().map(|a| &a.damage);
    report.issues.extend(damage_issues(audio_damage, recording.video_decoder_errors, duration_s));
    stage.done(run);
    Ok(Some(report))
}

pub(crate) fn engagement_stage(
    run: &mut Run<'_>,
    scope: &Scope,
    recording: &Recording,
) -> Result<Option<EngagementReport>, ProcessingError> {
    let stage = run.begin(scope.stage("engagement"))?;
    if !run.config.stages.engagement {
        stage.skipped(run, "disabled in the pipeline's stages");
        return Ok(None);
    }
    let segments: Half<Vec<TranscriptSegment>> = recording.transcript.as_ref().map_err(Clone::clone).map(|t| {
        t.segments
            .iter()
            .map(|s| TranscriptSegment { start_s: s.start_s, end_s: s.end_s, text: s.text.clone() })
            .collect()
    });
    let audio = recording.audio.as_ref().map_err(String::as_str);
    let silero = recording.silero_speech();
    let report = score_engagement_with_speech(
        audio.map(|a| &a.features),
        silero.as_ref().map(|(segments, vad)| DetectedSpeech { segments, vad }),
        recording.video.as_ref().map_err(String::as_str),
        segments.as_deref().map_err(String::as_str),
    );
    stage.done(run);
    Ok(Some(report))
}

/// A report that is a part of the combined score: its 0–100 score, or why it has none.
pub(crate) trait CombinedPart {
    fn score(&self) -> Option<f64>;
    fn reason(&self) -> Option<&str>;
}

macro_rules! combined_part {
    ($($report:ty),*) => {$(
        impl CombinedPart for $report {
            fn score(&self) -> Option<f64> {
                self.score
            }
            fn reason(&self) -> Option<&str> {
                self.reason.as_deref()
            }
        }
    )*};
}
combined_part!(QualityReport, SessionQuality, EngagementReport, SessionEngagement);

impl CombinedPart for Analysis {
    fn score(&self) -> Option<f64> {
        Some(self.score)
    }
    fn reason(&self) -> Option<&str> {
        None
    }
}

/// The combined score's part `name` from its report; `missing` says why there is none.
pub(crate) fn part_of(name: &str, report: Result<&dyn CombinedPart, String>) -> ScorePart {
    match report {
        Ok(report) => ScorePart {
            name: name.to_string(),
            score: report.score(),
            reason: Some(report.reason().unwrap_or("no score").to_string()),
        },
        Err(reason) => ScorePart { name: name.to_string(), score: None, reason: Some(reason) },
    }
}

/// Why a session-level part is missing: its stage did not run.
pub(crate) fn not_run(name: &str) -> String {
    format!("the {name} stage did not run")
}

/// `combined-score.json` from the quality, engagement and analysis parts.
pub(crate) async fn combined_stage(
    run: &mut Run<'_>,
    parts: [ScorePart; 3],
) -> Result<Stored<CombinedScore>, ProcessingError> {
    let stage = run.begin("combined")?;
    let combined = combine_scores(&parts, &run.config.weights);
    let stored = run.put_report(layout::COMBINED, combined).await?;
    stage.done(run);
    Ok(stored)
}
