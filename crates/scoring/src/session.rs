//! Session-level reports for a session recorded one track per participant (the 1:1 matching
//! flow): each participant's quality and engagement, summarised, plus the conversation between them.

use serde::{Deserialize, Serialize};

use crate::scale::{round_to, round1};
use crate::stats::mean;
use crate::{ConversationReport, EngagementReport, Issue, QualityReport};

/// One participant's line in a session-level quality report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ParticipantQuality {
    pub participant: String,
    /// Which of the participant's recordings this line is, for one who left and joined again
    /// (`participants/<id>/part-2/`); absent for the first or only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    pub score: Option<f64>,
    pub audio_score: Option<f64>,
    pub video_score: Option<f64>,
}

/// A part of the session report that averages the participants' values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MeanScore {
    /// Mean over the participants that have one; `null` when none has.
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `quality.json` of a multi-participant session. Each participant's full report is in
/// `participants/<id>/quality.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SessionQuality {
    /// Mean of the participants' `score`.
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub audio: MeanScore,
    pub video: MeanScore,
    pub participants: Vec<ParticipantQuality>,
    /// Every participant's issues, each message prefixed with the participant.
    pub issues: Vec<Issue>,
}

/// One participant's line in a session-level engagement report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ParticipantEngagement {
    pub participant: String,
    /// As [`ParticipantQuality::part`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    pub score: Option<f64>,
    pub speech_ratio: Option<f64>,
    pub talk_time_s: Option<f64>,
}

/// `engagement.json` of a multi-participant session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SessionEngagement {
    /// Mean of the participants' `score`.
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Fraction of the session in which at least one participant speaks; `null` without audio.
    pub speech_ratio: Option<f64>,
    pub participants: Vec<ParticipantEngagement>,
    /// Talk ratio, turns, overlaps, interruptions and response latency.
    pub conversation: ConversationReport,
}

fn mean_of(values: impl Iterator<Item = Option<f64>>, what: &str) -> (Option<f64>, Option<String>) {
    let present: Vec<f64> = values.flatten().collect();
    match mean(&present) {
        Some(m) => (Some(round1(m)), None),
        None => (None, Some(format!("no participant has a {what}"))),
    }
}

/// Summarises the participants' quality reports.
pub fn session_quality(participants: &[(String, &QualityReport)]) -> SessionQuality {
    let (score, reason) = mean_of(participants.iter().map(|(_, q)| q.score), "quality score");
    let (audio, audio_reason) = mean_of(participants.iter().map(|(_, q)| q.audio.score), "audio score");
    let (video, video_reason) = mean_of(participants.iter().map(|(_, q)| q.video.score), "video score");
    let issues = participants
        .iter()
        .flat_map(|(who, q)| {
            q.issues.iter().map(move |i| Issue { message: format!("{who}: {}", i.message), ..i.clone() })
        })
        .collect();
    SessionQuality {
        score,
        reason,
        audio: MeanScore { score: audio, reason: audio_reason },
        video: MeanScore { score: video, reason: video_reason },
        participants: participants
            .iter()
            .map(|(who, q)| ParticipantQuality {
                participant: who.clone(),
                part: None,
                score: q.score,
                audio_score: q.audio.score,
                video_score: q.video.score,
            })
            .collect(),
        issues,
    }
}

/// Summarises the participants' engagement reports and adds the conversation between them.
pub fn session_engagement(
    participants: &[(String, &EngagementReport)],
    conversation: ConversationReport,
) -> SessionEngagement {
    let (score, reason) = mean_of(participants.iter().map(|(_, e)| e.score), "engagement score");
    let any_voice = participants.iter().any(|(_, e)| e.voice.is_some());
    let speech_ratio = (any_voice && conversation.duration_s > 0.0)
        .then(|| round_to((1.0 - conversation.mutual_silence_s / conversation.duration_s).clamp(0.0, 1.0), 4));
    SessionEngagement {
        score,
        reason,
        speech_ratio,
        participants: participants
            .iter()
            .map(|(who, e)| ParticipantEngagement {
                participant: who.clone(),
                part: None,
                score: e.score,
                speech_ratio: e.speech_ratio,
                talk_time_s: e.voice.as_ref().map(|v| v.talk_time_s),
            })
            .collect(),
        conversation,
    }
}
