//! `timeline.json`: what happened when, on the session's timeline, compact enough that an hour
//! stays far under 1 MB — per track the loudness each second, the speech and the video flags;
//! for the session the quality issues and the safety events with their times.

use serde::Serialize;
use serde_json::Value;
use session_scoring::{
    AudioFeatures, Issue, QualityReport, Severity, VideoFeatures, VideoFlag, round_to, video_flag_ranges,
};

/// Spacing of the loudness values, seconds.
pub(crate) const LOUDNESS_STEP_S: f64 = 1.0;

/// The whole file (wrapped in the common envelope when written).
#[derive(Debug, Serialize)]
pub(crate) struct SessionTimeline {
    /// The session's length: the end of its latest track, seconds.
    pub duration_s: Option<f64>,
    /// Spacing of every `loudness_lufs` array, seconds.
    pub step_s: f64,
    pub tracks: Vec<TrackTimeline>,
    pub issues: Vec<TimelineIssue>,
    pub safety_events: Vec<TimelineEvent>,
}

/// One recording's lanes; every time is on the session's timeline (the track's offset added).
#[derive(Debug, Serialize)]
pub(crate) struct TrackTimeline {
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

#[derive(Debug, Serialize)]
pub(crate) struct TimelineFlag {
    pub flag: VideoFlag,
    pub start_s: f64,
    pub end_s: f64,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimelineIssue {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    pub code: String,
    pub severity: Severity,
    pub start_s: f64,
    pub end_s: f64,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimelineEvent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    pub category: String,
    pub decision: String,
    pub score: f64,
    pub source: String,
    pub time_s: f64,
}

impl TrackTimeline {
    /// A track from one recording's analysis; `speech` on the recording's own clock.
    pub fn new(
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

/// The scan's events (`categories[].events[]`, and per participant), each once, moved onto the
/// session timeline by their participant's offset.
pub(crate) fn events_of(scan: Option<&Value>, offsets: &[(String, f64)]) -> Vec<TimelineEvent> {
    let mut lists: Vec<&Value> = Vec::new();
    if let Some(scan) = scan {
        lists.extend(scan.get("categories"));
        if let Some(participants) = scan.get("participants").and_then(Value::as_object) {
            lists.extend(participants.values());
        }
    }
    let mut events: Vec<TimelineEvent> = Vec::new();
    for category in lists.iter().filter_map(|l| l.as_array()).flatten() {
        for e in category.get("events").and_then(Value::as_array).into_iter().flatten() {
            let text = |key: &str| e.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
            let time = e.pointer("/evidence/quote/start_s").or_else(|| e.get("media_time_s")).and_then(Value::as_f64);
            let participant = e.get("participant").and_then(Value::as_str).map(str::to_string);
            let offset = offsets.iter().find(|(id, _)| Some(id) == participant.as_ref()).map_or(0.0, |(_, o)| *o);
            let event = TimelineEvent {
                participant,
                category: text("category"),
                decision: text("decision"),
                score: e.get("score").and_then(Value::as_f64).unwrap_or(0.0),
                source: text("source"),
                time_s: round2(time.unwrap_or(0.0) + offset),
            };
            let seen = events.iter().any(|o| {
                o.participant == event.participant && o.category == event.category && o.time_s == event.time_s
            });
            if !seen {
                events.push(event);
            }
        }
    }
    events.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    events
}

fn round2(x: f64) -> f64 {
    round_to(x, 2)
}
