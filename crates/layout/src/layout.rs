//! The session folder's layout, exactly as the seed specifies:
//! `sessions/<sessionId>/{recording.mp4, audio.wav, transcript.json, transcript.txt, quality.json,
//! engagement.json, combined-score.json, analysis.json, safety/<timestamp>.json}` plus `manifest.json`,
//! `safety-scan.json`, `timeline.json` and `report.html`.

/// The folder (key prefix) that holds one folder per session.
pub const SESSIONS_DIR: &str = "sessions";
pub const MANIFEST: &str = "manifest.json";
pub const AUDIO_WAV: &str = "audio.wav";
pub const TRANSCRIPT_JSON: &str = "transcript.json";
pub const TRANSCRIPT_TXT: &str = "transcript.txt";
pub const QUALITY: &str = "quality.json";
pub const ENGAGEMENT: &str = "engagement.json";
pub const COMBINED: &str = "combined-score.json";
pub const ANALYSIS: &str = "analysis.json";
pub const SAFETY_DIR: &str = "safety";
/// The post-session safety scan's per-category verdicts (`score` or `null` with a reason).
pub const SAFETY_SCAN: &str = "safety-scan.json";
/// What happened when: loudness, speech and video flags per track, issues and safety events.
pub const TIMELINE: &str = "timeline.json";
/// The page a person reads (`session_report`), rendered from the JSON beside it.
pub const REPORT_HTML: &str = "report.html";
/// Name prefix of the events the post-session scan writes into `safety/`; a re-run replaces
/// them, while realtime events stay.
pub const POST_SESSION_EVENT_PREFIX: &str = "post-session-";
/// One folder per participant when each has a recording: `participants/<id>/{recording.*, audio.wav,
/// transcript.*, quality.json, engagement.json}`.
pub const PARTICIPANTS_DIR: &str = "participants";

/// Artifacts a run derives from the recording; a new run removes them first, so a folder never
/// mixes results of two runs.
pub const DERIVED: &[&str] = &[
    AUDIO_WAV,
    TRANSCRIPT_JSON,
    TRANSCRIPT_TXT,
    QUALITY,
    ENGAGEMENT,
    COMBINED,
    ANALYSIS,
    SAFETY_SCAN,
    TIMELINE,
    REPORT_HTML,
];

/// A session's folder (key prefix) below the output root: `sessions/<sessionId>`.
pub fn session_folder(session_id: &str) -> String {
    format!("{SESSIONS_DIR}/{session_id}")
}

/// Name the recording is stored under: `recording.<ext>` with the input's own extension.
pub fn recording(extension: &str) -> String {
    format!("recording.{extension}")
}

/// The content type of a session artifact, by its extension; `None` for one this library does
/// not write (the bucket's or server's default applies).
pub fn content_type(name: &str) -> Option<&'static str> {
    match name.rsplit_once('.')?.1 {
        "json" => Some("application/json"),
        "txt" => Some("text/plain; charset=utf-8"),
        "html" => Some("text/html; charset=utf-8"),
        "wav" => Some("audio/wav"),
        "mp4" => Some("video/mp4"),
        _ => None,
    }
}
