//! What the report is rendered from: the session's stored JSON documents, as they were written.

use serde_json::Value;

/// A session's stored documents; each is `None` when the file does not exist (a stage that was
/// skipped, failed or not run by the version that processed the session).
#[derive(Clone, Debug, Default)]
pub struct SessionDocuments {
    pub session_id: String,
    /// `manifest.json`: status, times, stages (with the reasons of skipped ones), participants.
    pub manifest: Option<Value>,
    pub quality: Option<Value>,
    pub engagement: Option<Value>,
    pub combined: Option<Value>,
    pub analysis: Option<Value>,
    /// `safety-scan.json`.
    pub safety_scan: Option<Value>,
    /// `timeline.json` (written from schema version 2 on).
    pub timeline: Option<Value>,
    /// `safety/*.json`: every stored event, realtime ones included.
    pub safety_events: Vec<Value>,
    /// The transcript(s): the session's own, or one per participant.
    pub transcripts: Vec<TranscriptDocument>,
    /// One entry per participant when each had a recording (the 1:1 flow).
    pub participants: Vec<ParticipantDocuments>,
}

/// One transcript and where it sits on the session's timeline.
#[derive(Clone, Debug)]
pub struct TranscriptDocument {
    /// `None` for the session's own recording.
    pub participant: Option<String>,
    /// Where the recording starts on the session's timeline, seconds.
    pub offset_s: f64,
    pub transcript: Value,
}

/// A participant's own reports (`participants/<id>/…`), for one of their recordings.
#[derive(Clone, Debug)]
pub struct ParticipantDocuments {
    pub participant: String,
    /// Which of the participant's recordings (they left and joined again:
    /// `participants/<id>/part-2/…`); `None` for the first or only one.
    pub part: Option<u32>,
    pub offset_s: f64,
    pub quality: Option<Value>,
    pub engagement: Option<Value>,
}

impl ParticipantDocuments {
    /// The participant as a reader sees them: `alice`, or `alice (part 2)` for a later recording.
    pub fn label(&self) -> String {
        label(&self.participant, self.part)
    }

    /// The name of this recording's stage `name` in the manifest (`alice/quality`,
    /// `alice/part-2/quality`).
    pub fn stage(&self, name: &str) -> String {
        match self.part {
            Some(part) => format!("{}/part-{part}/{name}", self.participant),
            None => format!("{}/{name}", self.participant),
        }
    }
}

/// `alice`, or `alice (part 2)` for a participant's later recording.
pub(crate) fn label(participant: &str, part: Option<u32>) -> String {
    match part {
        Some(part) => format!("{participant} (part {part})"),
        None => participant.to_string(),
    }
}

impl SessionDocuments {
    /// The names of the documents this report reads, relative to the session folder, besides
    /// `safety/*.json` and the participant folders.
    pub const FILES: [&'static str; 7] = [
        "manifest.json",
        "quality.json",
        "engagement.json",
        "combined-score.json",
        "analysis.json",
        "safety-scan.json",
        "timeline.json",
    ];

    /// Stores a document read from `name` (one of [`FILES`](Self::FILES)); other names are ignored.
    pub fn set(&mut self, name: &str, value: Value) {
        let slot = match name {
            "manifest.json" => &mut self.manifest,
            "quality.json" => &mut self.quality,
            "engagement.json" => &mut self.engagement,
            "combined-score.json" => &mut self.combined,
            "analysis.json" => &mut self.analysis,
            "safety-scan.json" => &mut self.safety_scan,
            "timeline.json" => &mut self.timeline,
            _ => return,
        };
        *slot = Some(value);
    }

    /// The participants' recordings, from the manifest: identity, offset and part (`None` for a
    /// participant's first or only recording).
    pub fn participant_offsets(&self) -> Vec<(String, f64, Option<u32>)> {
        let Some(list) = self.manifest.as_ref().and_then(|m| m.get("participants")).and_then(Value::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|p| {
                let id = p.get("participant")?.as_str()?.to_string();
                let part = p.get("part").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
                Some((id, p.get("offset_s").and_then(Value::as_f64).unwrap_or(0.0), part))
            })
            .collect()
    }

    /// Where a participant's recording (`part`, `None` for the first) starts on the session's
    /// timeline (0 for the session's own).
    pub fn offset_of(&self, participant: Option<&str>, part: Option<u32>) -> f64 {
        let Some(id) = participant else { return 0.0 };
        self.participants.iter().find(|p| p.participant == id && p.part == part).map_or(0.0, |p| p.offset_s)
    }

    /// Where the recording an event or issue `value` points into starts on the session's
    /// timeline: by its `participant` and `part`.
    pub(crate) fn offset_of_value(&self, value: Option<&Value>) -> f64 {
        let field = |name: &str| value.and_then(|v| v.get(name));
        let part = field("part").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
        self.offset_of(field("participant").and_then(Value::as_str), part)
    }

    /// Why stage `name` (or, per participant, `<id>/name`) did not produce its result: the
    /// reason of a skipped stage or the message of a failed one.
    pub fn stage_reason(&self, name: &str) -> Option<String> {
        let stages = self.manifest.as_ref()?.get("stages")?.as_array()?;
        let stage = stages.iter().find(|s| s.get("name").and_then(Value::as_str) == Some(name))?;
        match stage.get("status").and_then(Value::as_str)? {
            "skipped" => stage.get("reason").and_then(Value::as_str).map(str::to_string),
            "failed" => Some(
                stage
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .map_or_else(|| "the stage failed".to_string(), |m| format!("the stage failed: {m}")),
            ),
            _ => None,
        }
    }

    /// The recording's length on the session timeline, seconds, from whatever recorded it.
    pub fn duration_s(&self) -> Option<f64> {
        let from =
            |v: &Option<Value>, pointer: &str| v.as_ref().and_then(|v| v.pointer(pointer)).and_then(Value::as_f64);
        from(&self.timeline, "/duration_s")
            .or_else(|| from(&self.manifest, "/media/duration_s"))
            .or_else(|| from(&self.engagement, "/conversation/duration_s"))
            .or_else(|| from(&self.engagement, "/voice/duration_s"))
            .or_else(|| from(&self.quality, "/audio/metrics/duration_s"))
            .or_else(|| {
                self.participants
                    .iter()
                    .filter_map(|p| from(&p.engagement, "/voice/duration_s").map(|d| d + p.offset_s))
                    .reduce(f64::max)
            })
            .filter(|d| d.is_finite() && *d >= 0.0)
    }
}
