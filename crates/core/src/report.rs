//! What a run reports: per-stage status, the manifest written last, and the result returned.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use session_media::MediaInfo;
use session_reasoning::Analysis;
use session_safety::CategoryAssessment;
use session_scoring::{CombinedScore, EngagementReport, QualityReport, SessionEngagement, SessionQuality};

use crate::ProcessingError;
use crate::storage::{ArtifactRecord, RecordingInput};

/// Version of every JSON layout this library writes.
/// 2: `timeline.json` and `report.html` added; every file of version 1 unchanged.
/// 3: `quality.json`'s noise and dropout measures redefined (docs/outputs.md).
/// 4: `engagement.json`'s filler words: discourse markers ("like", "kind of", …) counted only
///    where a pause sets them off.
/// 5: loudness over the original channels (ITU-R BS.1770 weights); RMS levels against a full-scale sine.
/// 6: `quality.json`'s video `metrics.compression` and `sub_scores.compression` (block coding on
///    the luma at coded size); a short clip judged from at least 10 sampled frames.
pub const SCHEMA_VERSION: u32 = 6;
/// This library's version, written into every artifact.
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How one stage ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    Ok,
    Skipped,
    Failed,
}

/// The error a failed stage or run carries, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErrorReport {
    pub code: String,
    pub kind: String,
    pub message: String,
}

impl From<&ProcessingError> for ErrorReport {
    fn from(e: &ProcessingError) -> Self {
        Self { code: e.code(), kind: e.kind().to_string(), message: e.to_string() }
    }
}

/// One stage of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StageReport {
    pub name: String,
    pub status: StageStatus,
    /// Why the stage was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why the stage failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
    pub duration_ms: u64,
}

/// Whether a run finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Written first: a reader that finds this knows the artifacts are being replaced.
    Running,
    Complete,
    Failed,
}

/// Software versions that produced a result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Versions {
    pub session_processing: String,
    pub gstreamer: String,
    pub schema_version: u32,
}

impl Versions {
    pub fn current() -> Self {
        Self {
            session_processing: LIBRARY_VERSION.to_string(),
            gstreamer: session_media::gstreamer_version(),
            schema_version: SCHEMA_VERSION,
        }
    }
}

/// `manifest.json`: written at the start of a run (status `running`) and again, last, when it ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Manifest {
    pub schema_version: u32,
    pub session_id: String,
    pub status: RunStatus,
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    pub input: RecordingInput,
    /// One entry per participant's recording when each has one (then `input` is the first one's);
    /// a participant who left and joined again has one entry per part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<ManifestParticipant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaInfo>,
    /// Which audio track of each recording was analysed, and how many it has; absent for
    /// recordings without audio.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audio_tracks: Vec<AudioTracks>,
    pub stages: Vec<StageReport>,
    pub artifacts: Vec<ArtifactRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
    pub versions: Versions,
}

/// The audio tracks of one recording: only the first is analysed, the others are counted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AudioTracks {
    /// The stored recording, as named in the session folder (`recording.mp4`,
    /// `participants/<id>/recording.webm`).
    pub recording: String,
    /// How many audio tracks the recording has.
    pub count: usize,
    /// The analysed track: its position among the recording's audio tracks, from 0 (always the
    /// first, in the container's order).
    pub analysed: usize,
    /// The analysed track's codec, as in `media.streams[].codec`.
    pub codec: String,
}

impl AudioTracks {
    /// The tracks of `recording`, stored as `name`; `None` without audio.
    pub fn of(name: &str, recording: &MediaInfo) -> Option<Self> {
        let mut audio = recording.streams.iter().filter(|s| s.kind == session_media::StreamKind::Audio);
        let first = audio.next()?;
        Some(Self { recording: name.to_string(), count: 1 + audio.count(), analysed: 0, codec: first.codec.clone() })
    }
}

/// One participant's recording in a session recorded per participant (the 1:1 matching flow).
/// A participant who left and joined again is given once per recording, each with its own
/// offset: their later recordings go to `participants/<participant>/part-2/`, … (see
/// `docs/outputs.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ParticipantInput {
    /// Participant identity: becomes the folder `participants/<participant>/`.
    pub participant: String,
    pub input: RecordingInput,
    /// Where this recording starts on the session's timeline, seconds (e.g. the difference of
    /// the egress start times), so that turns and overlaps line up.
    #[serde(default)]
    pub offset_s: f64,
}

/// A participant's recording as `manifest.json` lists it: the input as given, and which of the
/// participant's recordings it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ManifestParticipant {
    #[serde(flatten)]
    pub recording: ParticipantInput,
    /// For a participant who left and joined again, which of their recordings this is: 2 for
    /// `participants/<id>/part-2/`, …; absent for the first (or only) one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
}

/// What [`crate::SessionProcessor::process`] returns for a finished session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SessionResult {
    pub session_id: String,
    pub status: RunStatus,
    /// The session folder: a local path or an `s3://` URI.
    pub output: String,
    /// The recording's streams; `None` for a session with one recording per participant (see
    /// `participants/<id>/` and the manifest).
    pub media: Option<MediaInfo>,
    pub stages: Vec<StageReport>,
    pub artifacts: Vec<ArtifactRecord>,
    /// `quality.json`.
    pub quality: Option<Quality>,
    /// `engagement.json`.
    pub engagement: Option<Engagement>,
    /// `combined-score.json`.
    pub combined: Option<Stored<CombinedScore>>,
    /// `safety-scan.json`: one verdict per safety category (`null` score with a reason when no
    /// detector could judge it) and the flagged post-session events.
    pub safety: Option<Stored<SafetyScan>>,
    /// `analysis.json`, when an LLM provider is configured and answered.
    pub analysis: Option<Stored<Analysis>>,
    pub duration_ms: u64,
}

/// A JSON artifact as stored: the header every artifact carries, followed by the report's own
/// fields. It serialises as the file is written (keys in alphabetical order at every level).
#[derive(Clone, Debug, PartialEq, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "Stored{T}")]
pub struct Stored<T> {
    pub schema_version: u32,
    pub session_id: String,
    /// When the run began, RFC 3339 UTC (the same in every artifact of one run).
    pub generated_at: String,
    pub library_version: String,
    #[serde(flatten)]
    pub report: T,
}

impl<T: Serialize> Serialize for Stored<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let envelope = Envelope {
            schema_version: self.schema_version,
            session_id: &self.session_id,
            generated_at: &self.generated_at,
            library_version: &self.library_version,
            report: &self.report,
        };
        // Through a `Value`, whose maps are sorted: the artifacts have always been written so.
        serde_json::to_value(&envelope).map_err(serde::ser::Error::custom)?.serialize(serializer)
    }
}

impl<T> std::ops::Deref for Stored<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.report
    }
}

/// The header of every JSON artifact, borrowed, with the report's fields after it.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    schema_version: u32,
    session_id: &'a str,
    generated_at: &'a str,
    library_version: &'a str,
    #[serde(flatten)]
    report: &'a T,
}

/// `quality.json`: the recording's own report, or, with one recording per participant, theirs
/// summed up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // one per result: a box would only add a deref to every match
pub enum Quality {
    Participants(Stored<SessionQuality>),
    Recording(Stored<QualityReport>),
}

/// `engagement.json`: the recording's own report, or, with one recording per participant, theirs
/// summed up with the conversation between them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // one per result: a box would only add a deref to every match
pub enum Engagement {
    Participants(Stored<SessionEngagement>),
    Recording(Stored<EngagementReport>),
}

macro_rules! session_report {
    ($session:ident: $($variant:ident($report:ty)),*) => {
        impl $session {
            /// The 0–100 score; `None` with [`Self::reason`] when it could not be computed.
            pub fn score(&self) -> Option<f64> {
                match self { $(Self::$variant(stored) => stored.score,)* }
            }

            /// Why the score is `None`.
            pub fn reason(&self) -> Option<&str> {
                match self { $(Self::$variant(stored) => stored.reason.as_deref(),)* }
            }
        }
        $(impl From<Stored<$report>> for $session {
            fn from(stored: Stored<$report>) -> Self {
                Self::$variant(stored)
            }
        })*
    };
}
session_report!(Quality: Participants(SessionQuality), Recording(QualityReport));
session_report!(Engagement: Participants(SessionEngagement), Recording(EngagementReport));

/// `safety-scan.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SafetyScan {
    /// One verdict per category; with several participants, the strongest of theirs.
    pub categories: Vec<CategoryAssessment>,
    /// Each participant's verdicts, when the session has one recording per participant (over
    /// all their recordings, for one who left and joined again).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub participants: BTreeMap<String, Vec<CategoryAssessment>>,
}

/// Now, as RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}
