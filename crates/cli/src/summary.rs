//! The human-readable tables printed at the end of a run.

use std::fmt::Write;
use std::path::Path;

use session_processing::{MediaInfo, SessionResult, StageStatus, StreamKind};

pub fn render(result: &SessionResult) -> String {
    let mut out = String::new();
    let score = |v: &Option<serde_json::Value>, path: &[&str]| -> String {
        let mut node = v.as_ref();
        for key in path {
            node = node.and_then(|n| n.get(key));
        }
        match node.and_then(serde_json::Value::as_f64) {
            Some(s) => format!("{s:.1}"),
            None => "n/a".into(),
        }
    };
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
    let _ = writeln!(out, "\n{:<24} {:>6}", "score (0-100)", "value");
    for (name, report, path) in [
        ("quality", &result.quality, &["score"][..]),
        ("  audio", &result.quality, &["audio", "score"][..]),
        ("  video", &result.quality, &["video", "score"][..]),
        ("engagement", &result.engagement, &["score"][..]),
        ("analysis (LLM)", &result.analysis, &["score"][..]),
        ("combined", &result.combined, &["score"][..]),
    ] {
        let _ = writeln!(out, "{:<24} {:>6}", name, score(report, path));
    }
    if let Some(issues) = result.quality.as_ref().and_then(|q| q.get("issues")).and_then(|i| i.as_array())
        && !issues.is_empty()
    {
        let _ = writeln!(out, "\nissues:");
        for issue in issues {
            let severity = issue.get("severity").and_then(|s| s.as_str()).unwrap_or("");
            let message = issue.get("message").and_then(|s| s.as_str()).unwrap_or("");
            let _ = writeln!(out, "  [{severity}] {message}");
        }
    }
    if let Some(categories) = result.safety.as_ref().and_then(|s| s.get("categories")).and_then(|c| c.as_array()) {
        let _ = writeln!(out, "\n{:<24} {:>6}  decision", "safety (0-1)", "score");
        for verdict in categories {
            let text = |key: &str| verdict.get(key).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let (score, decision) = match verdict.get("score").and_then(serde_json::Value::as_f64) {
                Some(score) => (format!("{score:.2}"), text("decision")),
                None => ("n/a".into(), text("reason")),
            };
            let _ = writeln!(out, "{:<24} {:>6}  {decision}", text("category"), score);
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
