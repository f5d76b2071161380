//! The human-readable tables printed at the end of a run.

use std::fmt::Write;
use std::path::Path;

use session_processing::{Engagement, MediaInfo, Quality, SessionResult, StageStatus, StreamKind};

pub fn render(result: &SessionResult) -> String {
    let mut out = String::new();
    let score = |score: Option<f64>| score.map_or_else(|| "n/a".to_string(), |s| format!("{s:.1}"));
    let _ = writeln!(out, "Session {} → {}", result.session_id, result.output);
    let _ = writeln!(out, "\n{:<18} {:<8} {:>9}  note", "stage", "status", "time");
    for stage in &result.stages {
        let status = match stage.status {
            StageStatus::Ok => "ok",
            StageStatus::Skipped => "skipped",
            StageStatus::Failed => "FAILED",
        };
        let note = stage.reason.clone().or_else(|| stage.error.as_ref().map(|e| e.message.clone())).unwrap_or_default();
        let _ = writeln!(out, "{:<18} {:<8} {:>7}ms  {}", stage.name, status, stage.duration_ms, note);
    }
    let quality = result.quality.as_ref();
    let (audio, video, issues) = match quality {
        Some(Quality::Recording(q)) => (q.audio.score, q.video.score, &q.issues[..]),
        Some(Quality::Participants(q)) => (q.audio.score, q.video.score, &q.issues[..]),
        None => (None, None, &[][..]),
    };
    let _ = writeln!(out, "\n{:<24} {:>6}", "score (0-100)", "value");
    for (name, value) in [
        ("quality", quality.and_then(Quality::score)),
        ("  audio", audio),
        ("  video", video),
        ("engagement", result.engagement.as_ref().and_then(Engagement::score)),
        ("analysis (LLM)", result.analysis.as_ref().map(|a| a.score)),
        ("combined", result.combined.as_ref().and_then(|c| c.score)),
    ] {
        let _ = writeln!(out, "{:<24} {:>6}", name, score(value));
    }
    if !issues.is_empty() {
        let _ = writeln!(out, "\nissues:");
        for issue in issues {
            let severity = format!("{:?}", issue.severity).to_lowercase();
            let _ = writeln!(out, "  [{severity}] {}", issue.message);
        }
    }
    if let Some(safety) = &result.safety {
        let _ = writeln!(out, "\n{:<24} {:>6}  decision", "safety (0-1)", "score");
        for verdict in &safety.categories {
            let (score, decision) = match verdict.score {
                Some(score) => (
                    format!("{score:.2}"),
                    verdict.decision.map(|d| format!("{d:?}").to_lowercase()).unwrap_or_default(),
                ),
                None => ("n/a".into(), verdict.reason.clone().unwrap_or_default()),
            };
            let _ = writeln!(out, "{:<24} {:>6}  {decision}", verdict.category.as_str(), score);
        }
    }
    let _ = writeln!(out, "\nartifacts ({} in {:.1} s):", result.artifacts.len(), result.duration_ms as f64 / 1000.0);
    for artifact in &result.artifacts {
        let _ = writeln!(out, "  {}", artifact.location);
    }
    out
}

pub fn render_probe(path: &Path, info: &MediaInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} , {:.2} s, {} bytes",
        path.display(),
        info.container.as_deref().unwrap_or("unknown container"),
        info.duration_s.unwrap_or(0.0),
        info.size_bytes
    );
    for (i, s) in info.streams.iter().enumerate() {
        let detail = match s.kind {
            StreamKind::Video => format!(
                "{}x{} @ {} fps",
                s.width.unwrap_or(0),
                s.height.unwrap_or(0),
                s.frame_rate.map(|f| format!("{f:.2}")).unwrap_or_else(|| "?".into())
            ),
            StreamKind::Audio => format!("{} Hz, {} ch", s.sample_rate.unwrap_or(0), s.channels.unwrap_or(0)),
            _ => String::new(),
        };
        let _ = writeln!(out, "  #{i} {:?}: {} ({}) {}", s.kind, s.codec, s.media_type, detail);
    }
    out
}
