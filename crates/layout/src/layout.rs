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
/// Name prefix of the folder that holds a participant's later recordings, one per rejoin:
/// `participants/<id>/part-2/`, `part-3/`, … (the first stays in `participants/<id>/`).
pub const PART_PREFIX: &str = "part-";

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

/// The folder of a participant's `part`-th recording (a participant who leaves and rejoins is
/// recorded in parts): `participants/<id>` for the first, `participants/<id>/part-<n>` after.
pub fn participant_folder(participant: &str, part: u32) -> String {
    match part {
        0 | 1 => format!("{PARTICIPANTS_DIR}/{participant}"),
        n => format!("{PARTICIPANTS_DIR}/{participant}/{PART_PREFIX}{n}"),
    }
}

/// The session id and the name inside its folder, from a key or path holding a
/// `sessions/<id>/<name…>` run of segments (a prefix before it is fine):
/// `s3://b/tenant/sessions/abc/participants/a/recording.mp4` → `("abc", "participants/a/recording.mp4")`.
pub fn in_session_folder(key: &str) -> Option<(&str, &str)> {
    let mut rest = key;
    loop {
        // Where a segment named `sessions` begins.
        let i = match rest.starts_with(&format!("{SESSIONS_DIR}/")) {
            true => 0,
            false => rest.find(&format!("/{SESSIONS_DIR}/"))? + 1,
        };
        let after = &rest[i + SESSIONS_DIR.len() + 1..];
        if let Some((id, name)) = after.split_once('/')
            && !id.is_empty()
            && !name.is_empty()
            && !name.starts_with('/')
        {
            return Some((id, name));
        }
        rest = after;
    }
}

/// The participant and part of a name inside a participant's folder
/// (`participants/<id>/recording.mp4` → `("<id>", 1)`, `participants/<id>/part-2/recording.mp4`
/// → `("<id>", 2)`); `None` for any other name.
pub fn participant_part_of(name: &str) -> Option<(&str, u32)> {
    let rest = name.strip_prefix(PARTICIPANTS_DIR)?.strip_prefix('/')?;
    let (participant, rest) = rest.split_once('/')?;
    let part = match rest.split_once('/') {
        Some((folder, file)) if !file.contains('/') => {
            folder.strip_prefix(PART_PREFIX)?.parse().ok().filter(|n| *n >= 2)?
        }
        Some(_) => return None,
        None => 1,
    };
    Some((participant, part))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_inside_a_session_folder() {
        assert_eq!(in_session_folder("sessions/abc/recording.mp4"), Some(("abc", "recording.mp4")));
        assert_eq!(
            in_session_folder("s3://b/tenant/sessions/abc/participants/a/part-2/recording.mp4"),
            Some(("abc", "participants/a/part-2/recording.mp4"))
        );
        assert_eq!(in_session_folder("/rec/mysessions/x/sessions/abc/r.mp4"), Some(("abc", "r.mp4")));
        assert_eq!(in_session_folder("sessions//x.mp4"), None);
        assert_eq!(in_session_folder("sessions/abc"), None);
        assert_eq!(in_session_folder("recordings/abc.mp4"), None);
    }

    #[test]
    fn a_participants_parts_have_folders_of_their_own() {
        assert_eq!(participant_folder("alice", 1), "participants/alice");
        assert_eq!(participant_folder("alice", 3), "participants/alice/part-3");
        assert_eq!(participant_part_of("participants/alice/recording.mp4"), Some(("alice", 1)));
        assert_eq!(participant_part_of("participants/alice/part-2/recording.mp4"), Some(("alice", 2)));
        for other in [
            "recording.mp4",
            "participants/alice",
            "participants/alice/part-1/recording.mp4",
            "participants/alice/part-x/recording.mp4",
            "participants/alice/misc/recording.mp4",
            "participants/alice/part-2/a/recording.mp4",
        ] {
            assert_eq!(participant_part_of(other), None, "{other}");
        }
    }
}
