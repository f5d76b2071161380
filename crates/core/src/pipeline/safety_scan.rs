//! The post-session safety scan: every category judged from what the other stages measured, or
//! `null` with the reason no detector could judge it.

use std::collections::BTreeMap;

use session_safety::{
    CategoryAssessment, SafetyCategory, SafetyEvent, SafetySource, TextSpan, ai_bot, lexicon_assessments, second_voice,
    suspicious_behavior,
};
use session_scoring::{AudioFeatures, EngagementReport, QualityReport, VideoFeatures};
use session_transcribe::Transcript;

use crate::pipeline::context::Run;
use crate::pipeline::media_analysis::NudityFrame;
use crate::report::{SafetyScan, Stored};
use crate::{ProcessingError, SafetySettings, layout};

const NUDITY_UNAVAILABLE: &str = "no nudity model is configured: run scripts/prepare-nsfw-model and give the \
     pipeline its folder (realtime nudity events from clients are still stored as they arrive)";

const SECOND_VOICE_NOT_EXPECTED: &str = "not checked: the session's recording may hold several people (a \
     room composite); a second voice is looked for in one person's track (record one track per participant, or \
     set SafetySettings::one_person_recording)";

/// What one recording gave the scan.
pub(crate) struct ScanInput<'a> {
    pub participant: Option<&'a str>,
    pub duration_s: f64,
    pub quality: Option<&'a QualityReport>,
    pub engagement: Option<&'a EngagementReport>,
    pub audio: Result<&'a AudioFeatures, &'a str>,
    pub video: Result<&'a VideoFeatures, &'a str>,
    /// Nudity scores of sampled frames; `None` without a nudity model.
    pub nudity: Option<Result<&'a [NudityFrame], &'a str>>,
    pub transcript: Result<&'a Transcript, &'a str>,
}

/// The categories judged without an LLM for one recording (violence comes only from the LLM).
pub(crate) fn assess(settings: &SafetySettings, input: &ScanInput<'_>) -> Vec<CategoryAssessment> {
    let signals = &settings.signals;
    let mut verdicts = vec![nudity_verdict(settings, input)];
    verdicts.push(match input.quality {
        Some(quality) => {
            // A second voice is suspicious only where one person is expected.
            let voices = if input.participant.is_some() || settings.one_person_recording {
                Ok(input.audio.ok().and_then(|audio| second_voice(&audio.pitch_hz)))
            } else {
                Err(SECOND_VOICE_NOT_EXPECTED)
            };
            let voices = voices.as_ref().map(Option::as_ref).map_err(|r| *r);
            suspicious_behavior(quality, voices, input.duration_s, input.participant, signals)
        }
        None => CategoryAssessment::unavailable(
            SafetyCategory::SuspiciousBehavior,
            signals.suspicious_behavior,
            "the quality stage did not run",
        ),
    });
    verdicts.push(match input.engagement {
        Some(engagement) => ai_bot(input.video.ok(), engagement, input.participant, signals),
        None => {
            CategoryAssessment::unavailable(SafetyCategory::AiBot, signals.ai_bot, "the engagement stage did not run")
        }
    });
    let foreign = input.transcript.ok().and_then(|t| {
        let (list, spoken) = (settings.lexicon.language()?, t.language.as_deref()?);
        (!spoken.eq_ignore_ascii_case(list)).then(|| {
            format!(
                "the word list is in \"{list}\" and the transcript in \"{spoken}\": a list in another language \
                 cannot clear it (an LLM judges any language)"
            )
        })
    });
    match (input.transcript, foreign) {
        (Ok(_), Some(reason)) => {
            for category in [SafetyCategory::Offensive, SafetyCategory::Harassment] {
                verdicts.push(CategoryAssessment::unavailable(category, settings.text_threshold, reason.clone()));
            }
        }
        (Ok(transcript), None) => {
            let spans: Vec<TextSpan<'_>> = transcript
                .segments
                .iter()
                .map(|s| TextSpan { start_s: s.start_s, end_s: s.end_s, text: &s.text })
                .collect();
            verdicts.extend(lexicon_assessments(&settings.lexicon, &spans, input.participant, settings.text_threshold));
        }
        (Err(reason), _) => {
            for category in [SafetyCategory::Offensive, SafetyCategory::Harassment] {
                let reason = format!("no transcript to scan: {reason}");
                verdicts.push(CategoryAssessment::unavailable(category, settings.text_threshold, reason));
            }
        }
    }
    verdicts
}

/// Nudity from the model's scores on sampled frames: the category score is the highest frame
/// score; each run of consecutive flagged frames is one event, at its first frame, with its
/// highest score and class probabilities.
fn nudity_verdict(settings: &SafetySettings, input: &ScanInput<'_>) -> CategoryAssessment {
    let threshold = settings.nudity_threshold;
    let (frames, model) = match (input.nudity, &settings.nudity_model) {
        (Some(Ok(frames)), Some(model)) => (frames, model),
        (Some(Err(reason)), _) => {
            return CategoryAssessment::unavailable(
                SafetyCategory::Nudity,
                threshold,
                format!("no frames scored: {reason}"),
            );
        }
        _ => return CategoryAssessment::unavailable(SafetyCategory::Nudity, threshold, NUDITY_UNAVAILABLE),
    };
    if frames.is_empty() {
        return CategoryAssessment::unavailable(SafetyCategory::Nudity, threshold, "no video frames were sampled");
    }
    let detector = model.detector_info();
    let mut events: Vec<SafetyEvent> = Vec::new();
    let mut in_run = false;
    for frame in frames {
        let score = frame.scores.nudity_score();
        if score < threshold {
            in_run = false;
            continue;
        }
        match events.last_mut() {
            Some(event) if in_run => {
                if score > event.score {
                    event.score = (score * 1e4).round() / 1e4;
                    event.evidence.details = serde_json::to_value(frame.scores).ok();
                }
            }
            _ => {
                let score = (score * 1e4).round() / 1e4;
                let mut event = SafetyEvent::new(
                    SafetyCategory::Nudity,
                    score,
                    threshold,
                    SafetySource::PostSession,
                    detector.clone(),
                );
                event.participant = input.participant.map(str::to_string);
                event.media_time_s = Some(frame.time_s);
                event.evidence.frame_time_s = Some(frame.time_s);
                event.evidence.details = serde_json::to_value(frame.scores).ok();
                events.push(event);
            }
        }
        in_run = true;
    }
    let best = frames.iter().map(|f| f.scores.nudity_score()).fold(0.0, f64::max);
    let signals = serde_json::json!({
        "frames_scored": frames.len(),
        "interval_s": settings.nudity_interval_s,
        "frames_flagged": frames.iter().filter(|f| f.scores.nudity_score() >= threshold).count(),
    });
    CategoryAssessment::judged(SafetyCategory::Nudity, best, threshold, vec![detector], signals, events)
        .with_limitation(format!(
            "One frame every {} s is scored, whole-frame at 224x224: brief or small exposures can be missed.",
            settings.nudity_interval_s
        ))
}

/// Two sets of verdicts for the same recording (signals and lexicon; the LLM's) merged per
/// category, in [`SafetyCategory::ALL`] order.
pub(crate) fn merge(first: Vec<CategoryAssessment>, second: Vec<CategoryAssessment>) -> Vec<CategoryAssessment> {
    let all: Vec<_> = first.into_iter().chain(second).collect();
    SafetyCategory::ALL
        .iter()
        .filter_map(|category| {
            all.iter().filter(|v| v.category == *category).cloned().reduce(CategoryAssessment::merge)
        })
        .collect()
}

/// Writes `safety-scan.json` and one `safety/post-session-….json` per flagged event, after
/// removing the previous run's post-session events (realtime events stay).
pub(crate) async fn write(
    run: &mut Run<'_>,
    per_recording: Vec<(Option<String>, Vec<CategoryAssessment>)>,
) -> Result<Option<Stored<SafetyScan>>, ProcessingError> {
    let stage = run.begin("safety")?;
    run.store.delete_prefixed(layout::SAFETY_DIR, layout::POST_SESSION_EVENT_PREFIX).await?;
    if !run.config.stages.safety_scan {
        stage.skipped(run, "disabled in the pipeline's stages");
        return Ok(None);
    }
    let categories = strongest(per_recording.iter().map(|(_, verdicts)| verdicts.as_slice()));
    for event in categories.iter().flat_map(|c| &c.events) {
        let record = run.store.put_json(&format!("{}/{}", layout::SAFETY_DIR, event.file_name()), event).await?;
        run.manifest.artifacts.push(record);
    }
    let mut participants = BTreeMap::new();
    for who in per_recording.iter().filter_map(|(who, _)| who.as_deref()) {
        let theirs = per_recording.iter().filter(|(of, _)| of.as_deref() == Some(who));
        participants
            .entry(who.to_string())
            .or_insert_with(|| strongest(theirs.map(|(_, verdicts)| verdicts.as_slice())));
    }
    let stored = run.put_report(layout::SAFETY_SCAN, SafetyScan { categories, participants }).await?;
    stage.done(run);
    Ok(Some(stored))
}

/// One verdict per category from several recordings' verdicts: the strongest, with every event.
fn strongest<'a>(recordings: impl Iterator<Item = &'a [CategoryAssessment]> + Clone) -> Vec<CategoryAssessment> {
    SafetyCategory::ALL
        .iter()
        .filter_map(|category| {
            recordings
                .clone()
                .flat_map(|verdicts| verdicts.iter().filter(|v| v.category == *category).cloned())
                .reduce(CategoryAssessment::merge)
        })
        .collect()
}
