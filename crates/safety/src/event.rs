//! The one safety-event schema, its validation and its file name.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::SafetyError;

/// What an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SafetyCategory {
    Nudity,
    SuspiciousBehavior,
    AiBot,
    Offensive,
    Harassment,
    Violence,
}

impl SafetyCategory {
    /// Every category, in the order reports list them.
    pub const ALL: [SafetyCategory; 6] = [
        SafetyCategory::Nudity,
        SafetyCategory::SuspiciousBehavior,
        SafetyCategory::AiBot,
        SafetyCategory::Offensive,
        SafetyCategory::Harassment,
        SafetyCategory::Violence,
    ];

    /// The name used in JSON and file names (`suspicious_behavior`).
    pub fn as_str(self) -> &'static str {
        match self {
            SafetyCategory::Nudity => "nudity",
            SafetyCategory::SuspiciousBehavior => "suspicious_behavior",
            SafetyCategory::AiBot => "ai_bot",
            SafetyCategory::Offensive => "offensive",
            SafetyCategory::Harassment => "harassment",
            SafetyCategory::Violence => "violence",
        }
    }

    /// Parses a category name; the error lists the known ones.
    pub fn parse(name: &str) -> Result<Self, SafetyError> {
        SafetyCategory::ALL.into_iter().find(|c| c.as_str() == name).ok_or_else(|| SafetyError::InvalidEvent {
            field: "category",
            value: format!("{name:?}"),
            expected: format!("one of {}", SafetyCategory::ALL.map(|c| c.as_str()).join(", ")),
        })
    }
}

impl std::fmt::Display for SafetyCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an event was detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SafetySource {
    /// In a participant's browser or app (for example nsfwjs); untrusted.
    RealtimeClient,
    /// On a server watching the live tracks (`SafetyChecker`).
    RealtimeServer,
    /// By the post-session scan over the recording.
    PostSession,
}

/// Whether the score reached the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SafetyDecision {
    Flagged,
    Clear,
}

impl SafetyDecision {
    /// `Flagged` when `score >= threshold`.
    pub fn from_score(score: f64, threshold: f64) -> Self {
        if score >= threshold { SafetyDecision::Flagged } else { SafetyDecision::Clear }
    }
}

/// Which detector produced an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DetectorInfo {
    /// Stable identifier, e.g. `nsfwjs-mobilenet-v2` or `signals/camera-covered`.
    pub id: String,
    pub version: String,
}

/// A quote from the transcript with its place in the recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Quote {
    pub text: String,
    pub start_s: f64,
    pub end_s: f64,
}

/// What the decision rests on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// Media time of the frame that was scored, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_time_s: Option<f64>,
    /// The words that triggered a transcript detector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<Quote>,
    /// Detector-specific figures (class probabilities, durations, signal values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// One safety event, as stored in `sessions/<id>/safety/<name>.json` and
/// returned to callers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SafetyEvent {
    pub category: SafetyCategory,
    /// 0..1: how strongly the detector believes the category applies.
    pub score: f64,
    /// 0..1: the score at and above which the event is flagged.
    pub threshold: f64,
    pub decision: SafetyDecision,
    pub source: SafetySource,
    /// The participant (LiveKit identity) the event concerns, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    /// Seconds from the start of the recording (or of the track), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_time_s: Option<f64>,
    /// Which of the participant's recordings `media_time_s` points into, for one who left and
    /// joined again (`participants/<id>/part-2/`); absent for the first or only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    /// Wall-clock time of detection, RFC 3339 in UTC.
    pub detected_at: String,
    pub detector: DetectorInfo,
    #[serde(default)]
    pub evidence: Evidence,
}

/// The longest recording an event may point into (48 hours).
const MAX_MEDIA_TIME_S: f64 = 48.0 * 3600.0;
/// The most recordings one participant may have in a session (they left and joined again).
const MAX_PARTS: u32 = 1000;
/// How far in the future a client's clock may run.
const MAX_CLOCK_SKEW_S: i64 = 300;
/// Longest identifier, participant or detector string accepted.
const MAX_NAME_LEN: usize = 200;
/// Longest quote accepted.
const MAX_QUOTE_LEN: usize = 2_000;
/// Largest `evidence.details` accepted, as compact JSON: detector figures, not a payload.
pub const MAX_DETAILS_BYTES: usize = 16 * 1024;

impl SafetyEvent {
    /// An event detected now, with the decision derived from `score` and `threshold`.
    pub fn new(
        category: SafetyCategory,
        score: f64,
        threshold: f64,
        source: SafetySource,
        detector: DetectorInfo,
    ) -> Self {
        let now = OffsetDateTime::now_utc();
        SafetyEvent {
            category,
            score,
            threshold,
            decision: SafetyDecision::from_score(score, threshold),
            source,
            participant: None,
            media_time_s: None,
            part: None,
            detected_at: now.format(&Rfc3339).unwrap_or_else(|_| now.unix_timestamp().to_string()),
            detector,
            evidence: Evidence::default(),
        }
    }

    /// Parses and validates an event from untrusted JSON (a browser, a webhook).
    /// A missing `decision` is derived from score and threshold.
    pub fn from_json(json: &str) -> Result<Self, SafetyError> {
        let mut value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| SafetyError::InvalidJson(e.to_string()))?;
        if let Some(object) = value.as_object_mut() {
            if let Some(category) = object.get("category").and_then(|c| c.as_str()) {
                SafetyCategory::parse(category)?;
            }
            if !object.contains_key("decision")
                && let (Some(score), Some(threshold)) =
                    (object.get("score").and_then(|s| s.as_f64()), object.get("threshold").and_then(|t| t.as_f64()))
            {
                let decision = SafetyDecision::from_score(score, threshold);
                object.insert("decision".into(), serde_json::to_value(decision).unwrap_or_default());
            }
            if !object.contains_key("detected_at") {
                let now = OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default();
                object.insert("detected_at".into(), now.into());
            }
        }
        let event: SafetyEvent = serde_json::from_value(value).map_err(|e| SafetyError::InvalidJson(e.to_string()))?;
        event.validate()?;
        Ok(event)
    }

    /// Checks every field: scores in 0..1, a decision that matches them,
    /// sane times, non-empty detector, bounded strings.
    pub fn validate(&self) -> Result<(), SafetyError> {
        unit_interval("score", self.score)?;
        unit_interval("threshold", self.threshold)?;
        let expected = SafetyDecision::from_score(self.score, self.threshold);
        if self.decision != expected {
            return Err(invalid(
                "decision",
                format!("{:?}", self.decision),
                format!("{expected:?} for score {} and threshold {}", self.score, self.threshold),
            ));
        }
        if let Some(participant) = &self.participant {
            bounded_name("participant", participant)?;
        }
        if let Some(t) = self.media_time_s {
            media_time("media_time_s", t)?;
        }
        if let Some(part) = self.part.filter(|n| !(2..=MAX_PARTS).contains(n)) {
            return Err(invalid(
                "part",
                part.to_string(),
                format!("2 to {MAX_PARTS}, or absent for a first recording"),
            ));
        }
        let detected = OffsetDateTime::parse(&self.detected_at, &Rfc3339).map_err(|e| {
            invalid("detected_at", format!("{:?}", self.detected_at), format!("an RFC 3339 time ({e})"))
        })?;
        let now = OffsetDateTime::now_utc();
        if detected.year() < 2000 || (detected - now).whole_seconds() > MAX_CLOCK_SKEW_S {
            return Err(invalid(
                "detected_at",
                self.detected_at.clone(),
                format!("a time after 2000 and not more than {MAX_CLOCK_SKEW_S} s in the future"),
            ));
        }
        bounded_name("detector.id", &self.detector.id)?;
        bounded_name("detector.version", &self.detector.version)?;
        if let Some(t) = self.evidence.frame_time_s {
            media_time("evidence.frame_time_s", t)?;
        }
        if let Some(details) = &self.evidence.details {
            let bytes = serde_json::to_vec(details).map_or(usize::MAX, |json| json.len());
            if bytes > MAX_DETAILS_BYTES {
                return Err(invalid(
                    "evidence.details",
                    format!("{bytes} bytes of JSON"),
                    format!("at most {MAX_DETAILS_BYTES} bytes: detector figures, not a payload"),
                ));
            }
        }
        if let Some(quote) = &self.evidence.quote {
            if quote.text.trim().is_empty() || quote.text.chars().count() > MAX_QUOTE_LEN {
                return Err(invalid(
                    "evidence.quote.text",
                    format!("{} characters", quote.text.chars().count()),
                    format!("1 to {MAX_QUOTE_LEN} characters"),
                ));
            }
            media_time("evidence.quote.start_s", quote.start_s)?;
            media_time("evidence.quote.end_s", quote.end_s)?;
            if quote.end_s < quote.start_s {
                return Err(invalid(
                    "evidence.quote.end_s",
                    quote.end_s.to_string(),
                    format!("not before start_s ({})", quote.start_s),
                ));
            }
        }
        Ok(())
    }

    /// The file name under `safety/`: `<UTC time>-<category>-<hash>.json`
    /// for realtime events (`20261124T120000.123Z-nudity-1a2b3c4d.json`,
    /// the hash making two events in one millisecond distinct and a resent
    /// event land on the same name), and `post-session-<media time>-<category>.json`
    /// for the post-session scan, so that a re-run replaces its own events.
    pub fn file_name(&self) -> String {
        match self.source {
            SafetySource::PostSession => {
                let ms = (self.media_time_s.unwrap_or(0.0).max(0.0) * 1000.0).round() as u64;
                match &self.participant {
                    Some(who) => {
                        let part = self.part.map(|n| format!("-part{n}")).unwrap_or_default();
                        format!("post-session-{}{part}-t{:09}ms-{}.json", file_safe(who), ms, self.category)
                    }
                    None => format!("post-session-t{:09}ms-{}.json", ms, self.category),
                }
            }
            SafetySource::RealtimeClient | SafetySource::RealtimeServer => {
                let stamp = OffsetDateTime::parse(&self.detected_at, &Rfc3339)
                    .map(|t| {
                        let t = t.to_offset(time::UtcOffset::UTC);
                        format!(
                            "{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z",
                            t.year(),
                            u8::from(t.month()),
                            t.day(),
                            t.hour(),
                            t.minute(),
                            t.second(),
                            t.millisecond()
                        )
                    })
                    .unwrap_or_else(|_| "unknown-time".into());
                let body = serde_json::to_string(self).unwrap_or_default();
                format!("{stamp}-{}-{:08x}.json", self.category, fnv1a32(body.as_bytes()))
            }
        }
    }
}

fn invalid(field: &'static str, value: impl Into<String>, expected: impl Into<String>) -> SafetyError {
    SafetyError::InvalidEvent { field, value: value.into(), expected: expected.into() }
}

fn unit_interval(field: &'static str, value: f64) -> Result<(), SafetyError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(field, value.to_string(), "a number from 0 to 1"))
    }
}

fn media_time(field: &'static str, value: f64) -> Result<(), SafetyError> {
    if value.is_finite() && (0.0..=MAX_MEDIA_TIME_S).contains(&value) {
        Ok(())
    } else {
        Err(invalid(field, value.to_string(), format!("seconds from 0 to {MAX_MEDIA_TIME_S}")))
    }
}

fn bounded_name(field: &'static str, value: &str) -> Result<(), SafetyError> {
    let len = value.chars().count();
    if value.trim().is_empty() || len > MAX_NAME_LEN || value.chars().any(char::is_control) {
        Err(invalid(
            field,
            format!("{:?}", value.chars().take(40).collect::<String>()),
            format!("1 to {MAX_NAME_LEN} printable characters"),
        ))
    } else {
        Ok(())
    }
}

/// A participant identity as a file-name part: letters, digits, `-` and `_` kept, the rest `_`.
fn file_safe(name: &str) -> String {
    name.chars().take(64).map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// FNV-1a: a stable 32-bit hash for file names (not for security).
fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nudity_event(score: f64) -> SafetyEvent {
        let detector = DetectorInfo { id: "nsfwjs-mobilenet-v2".into(), version: "4.4.0".into() };
        SafetyEvent::new(SafetyCategory::Nudity, score, 0.7, SafetySource::RealtimeClient, detector)
    }

    #[test]
    fn decision_follows_the_threshold() {
        assert_eq!(nudity_event(0.7).decision, SafetyDecision::Flagged);
        assert_eq!(nudity_event(0.69).decision, SafetyDecision::Clear);
        nudity_event(0.9).validate().unwrap();
    }

    #[test]
    fn json_round_trip_and_derived_decision() {
        let json = r#"{"category":"nudity","score":0.91,"threshold":0.8,"source":"realtime_client",
            "participant":"alice","media_time_s":12.5,"detected_at":"2026-11-24T10:00:00.250Z",
            "detector":{"id":"nsfwjs-mobilenet-v2","version":"4.4.0"},"evidence":{"frame_time_s":12.5}}"#;
        let event = SafetyEvent::from_json(json).unwrap();
        assert_eq!(event.decision, SafetyDecision::Flagged);
        assert_eq!(event.participant.as_deref(), Some("alice"));
        let again = SafetyEvent::from_json(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(again, event);
        let name = event.file_name();
        assert!(name.starts_with("20261124T100000.250Z-nudity-"), "{name}");
        assert!(name.ends_with(".json"));
        assert_eq!(name, again.file_name(), "a resent event keeps its name");
    }

    #[test]
    fn a_later_recording_of_a_participant_is_named_apart() {
        let detector = DetectorInfo { id: "nsfwjs-mobilenet-v2".into(), version: "4.4.0".into() };
        let mut event = SafetyEvent::new(SafetyCategory::Nudity, 0.9, 0.7, SafetySource::PostSession, detector);
        event.participant = Some("alice".into());
        event.media_time_s = Some(3.0);
        let first = event.file_name();
        event.part = Some(2);
        event.validate().unwrap();
        assert_eq!(event.file_name(), "post-session-alice-part2-t000003000ms-nudity.json");
        assert_ne!(event.file_name(), first, "two recordings never share an event file");
        for part in [0, 1, 1001] {
            event.part = Some(part);
            assert!(event.validate().unwrap_err().to_string().contains("`part`"), "{part}");
        }
    }

    #[test]
    fn unknown_category_names_the_known_ones() {
        let json = r#"{"category":"spam","score":0.5,"threshold":0.5,"source":"realtime_client",
            "detector":{"id":"x","version":"1"}}"#;
        let message = SafetyEvent::from_json(json).unwrap_err().to_string();
        assert!(message.contains("`category`") && message.contains("\"spam\""), "{message}");
        assert!(message.contains("suspicious_behavior"), "{message}");
    }

    #[test]
    fn out_of_range_values_are_rejected_with_the_field() {
        let cases = [
            (r#""score":1.5,"threshold":0.5"#, "`score`"),
            (r#""score":-0.1,"threshold":0.5"#, "`score`"),
            (r#""score":0.5,"threshold":2"#, "`threshold`"),
            (r#""score":0.5,"threshold":0.5,"media_time_s":-3"#, "`media_time_s`"),
            (r#""score":0.5,"threshold":0.5,"detected_at":"2099-01-01T00:00:00Z""#, "`detected_at`"),
            (r#""score":0.5,"threshold":0.5,"detected_at":"yesterday""#, "`detected_at`"),
            (r#""score":0.2,"threshold":0.5,"decision":"flagged""#, "`decision`"),
            (r#""score":0.5,"threshold":0.5,"participant":"""#, "`participant`"),
        ];
        for (fields, field) in cases {
            let json = format!(
                r#"{{"category":"nudity",{fields},"source":"realtime_client","detector":{{"id":"x","version":"1"}}}}"#
            );
            let message = SafetyEvent::from_json(&json).unwrap_err().to_string();
            assert!(message.contains(field), "{fields}: {message}");
        }
    }

    #[test]
    fn quote_times_must_be_ordered() {
        let mut event = nudity_event(0.2);
        event.category = SafetyCategory::Harassment;
        event.evidence.quote = Some(Quote { text: "go away".into(), start_s: 5.0, end_s: 4.0 });
        assert!(event.validate().unwrap_err().to_string().contains("evidence.quote.end_s"));
    }

    #[test]
    fn post_session_names_are_stable() {
        let mut event = nudity_event(0.9);
        event.source = SafetySource::PostSession;
        event.media_time_s = Some(83.25);
        assert_eq!(event.file_name(), "post-session-t000083250ms-nudity.json");
        event.participant = Some("alice@example.com".into());
        assert_eq!(event.file_name(), "post-session-alice_example_com-t000083250ms-nudity.json");
    }
}
