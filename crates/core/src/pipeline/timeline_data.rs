//! `timeline.json`: what happened when, on the session's timeline, compact enough that an hour
//! stays far under 1 MB — per track the loudness each second, the speech and the video flags;
//! for the session the quality issues and the safety events with their times.

use crate::report::SafetyScan;
use schemars::JsonSchema;
use serde::Serialize;
use session_safety::{SafetyCategory, SafetyDecision, SafetySource};
use session_scoring::{
    AudioFeatures, Issue, QualityReport, Severity, VideoFeatures, VideoFlag, round_to, video_flag_ranges,
};

/// Spacing of the loudness values, seconds.
pub(crate) const LOUDNESS_STEP_S: f64 = 1.0;

/// `timeline.json` (wrapped in the common envelope, [`Stored`](crate::Stored), when written).
#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionTimeline {
    /// The session's length: the end of its latest track, seconds.
    pub duration_s: Option<f64>,
    /// Spacing of every `loudness_lufs` array, seconds.
    pub step_s: f64,
    pub tracks: Vec<TrackTimeline>,
    pub issues: Vec<TimelineIssue>,
    pub safety_events: Vec<TimelineEvent>,
}

/// One recording's lanes; every time is on the session's timeline (the track's offset added).
#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackTimeline {
    /// The participant, or `null` for the session's own recording.
    pub participant: Option<String>,
    /// Which of the participant's recordings this is, for one who left and joined again; absent
    /// for the first or only one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    /// Where this recording starts on the session's timeline, seconds.
    pub offset_s: f64,
    pub duration_s: Option<f64>,
    /// Momentary loudness (BS.1770, 400 ms) at the end of each `step_s` from `offset_s` on,
    /// LUFS; `null` entries are below the −70 LUFS gate. `null` without audio.
    pub loudness_lufs: Option<Vec<Option<f64>>>,
    /// Speech as `[start_s, end_s]` pairs (the segments engagement used).
    pub speech: Vec<[f64; 2]>,
    /// Flagged video stretches; `null` without video.
    pub video_flags: Option<Vec<TimelineFlag>>,
    /// Video frames the flags were judged from.
    pub frames_sampled: usize,
}

/// A flagged video stretch on the session's timeline.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TimelineFlag {
    pub flag: VideoFlag,
    pub start_s: f64,
    pub end_s: f64,
}

/// A quality issue on the session's timeline.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TimelineIssue {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    pub code: String,
    pub severity: Severity,
    pub start_s: f64,
    pub end_s: f64,
}

/// A safety event on the session's timeline.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TimelineEvent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    pub category: SafetyCategory,
    pub decision: SafetyDecision,
    pub score: f64,
    pub source: SafetySource,
    /// Seconds on the session's timeline: the quote's start, or the event's media time.
    pub time_s: f64,
}

impl TrackTimeline {
    /// A track from one recording's analysis; `speech` on the recording's own clock.
    pub(crate) fn new(
        participant: Option<String>,
        part: Option<u32>,
        offset_s: f64,
        duration_s: Option<f64>,
        audio: Option<&AudioFeatures>,
        video: Option<&VideoFeatures>,
        speech: &[(f64, f64)],
    ) -> Self {
        let shift = |t: f64| round2(t + offset_s);
        Self {
            participant,
            part,
            offset_s,
            duration_s,
            loudness_lufs: audio
                .map(|a| a.momentary_lufs.iter().map(|v| v.map(|l| round_to(f64::from(l), 1))).collect()),
            speech: speech.iter().map(|&(s, e)| [shift(s), shift(e)]).collect(),
            video_flags: video.map(|v| {
                video_flag_ranges(v)
                    .into_iter()
                    .map(|r| TimelineFlag { flag: r.flag, start_s: shift(r.start_s), end_s: shift(r.end_s) })
                    .collect()
            }),
            frames_sampled: video.map_or(0, |v| v.frames.len()),
        }
    }
}

/// A quality report's issues on the session timeline.
pub(crate) fn issues_of(participant: Option<&str>, offset_s: f64, quality: &QualityReport) -> Vec<TimelineIssue> {
    quality
        .issues
        .iter()
        .map(|i: &Issue| TimelineIssue {
            participant: participant.map(str::to_string),
            code: i.code.clone(),
            severity: i.severity,
            start_s: round2(i.start_s + offset_s),
            end_s: round2(i.end_s + offset_s),
        })
        .collect()
}

/// The scan's events (every category's, and every participant's), each once, moved onto the
/// session timeline by the offset of the recording they were found in (`offsets`: participant,
/// later part, offset).
pub(crate) fn events_of(scan: Option<&SafetyScan>, offsets: &[TrackOffset]) -> Vec<TimelineEvent> {
    let assessments =
        scan.into_iter().flat_map(|scan| scan.categories.iter().chain(scan.participants.values().flatten()));
    let mut events: Vec<TimelineEvent> = Vec::new();
    for e in assessments.flat_map(|assessment| &assessment.events) {
        let time = e.evidence.quote.as_ref().map(|q| q.start_s).or(e.media_time_s);
        let offset =
            offsets.iter().find(|t| t.participant == e.participant && t.part == e.part).map_or(0.0, |t| t.offset_s);
        let event = TimelineEvent {
            participant: e.participant.clone(),
            category: e.category,
            decision: e.decision,
            score: e.score,
            source: e.source,
            time_s: round2(time.unwrap_or(0.0) + offset),
        };
        let seen = events
            .iter()
            .any(|o| o.participant == event.participant && o.category == event.category && o.time_s == event.time_s);
        if !seen {
            events.push(event);
        }
    }
    events.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    events
}

/// Where one recording starts on the session's timeline.
pub(crate) struct TrackOffset {
    pub participant: Option<String>,
    pub part: Option<u32>,
    pub offset_s: f64,
}

impl TrackOffset {
    pub fn of(track: &TrackTimeline) -> Self {
        TrackOffset { participant: track.participant.clone(), part: track.part, offset_s: track.offset_s }
    }
}

fn round2(x: f64) -> f64 {
    round_to(x, 2)
}

#[cfg(test)]
mod tests {
    use session_safety::{CategoryAssessment, DetectorInfo, SafetyEvent};

    use super::*;

    fn track(participant: &str, part: Option<u32>, offset_s: f64) -> TrackOffset {
        TrackOffset { participant: Some(participant.into()), part, offset_s }
    }

    #[test]
    fn an_event_lands_at_the_offset_of_the_part_it_was_found_in() {
        let detector = DetectorInfo { id: "hidden-video".into(), version: "1".into() };
        let mut event =
            SafetyEvent::new(SafetyCategory::SuspiciousBehavior, 0.9, 0.8, SafetySource::PostSession, detector);
        event.participant = Some("alice".into());
        event.part = Some(2);
        event.media_time_s = Some(5.0);
        let mut assessment = CategoryAssessment::unavailable(SafetyCategory::SuspiciousBehavior, 0.8, "test");
        assessment.events.push(event);
        let scan = SafetyScan { categories: vec![assessment], participants: Default::default() };
        let offsets = [track("alice", None, 0.0), track("bob", None, 1.0), track("alice", Some(2), 30.0)];
        let events = events_of(Some(&scan), &offsets);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].time_s, 35.0, "part 2 starts at 30 s");
        assert_eq!(events[0].decision, SafetyDecision::Flagged);
    }
}
