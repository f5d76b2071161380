//! The transcript on the session's timeline (participants' segments merged in time order), and
//! the anchors every moment on the page links to.

use serde_json::Value;

use crate::SessionDocuments;
use crate::html::{clock, esc, put};

/// One transcript segment on the session's timeline.
#[derive(Clone, Debug)]
pub(crate) struct Segment {
    pub participant: Option<String>,
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
}

/// Every transcript's segments, shifted by their offsets, in time order.
pub(crate) fn segments(documents: &SessionDocuments) -> Vec<Segment> {
    let mut all = Vec::new();
    for t in &documents.transcripts {
        let list = t.transcript.get("segments").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        for s in list {
            let (Some(start), Some(end)) =
                (s.get("start_s").and_then(Value::as_f64), s.get("end_s").and_then(Value::as_f64))
            else {
                continue;
            };
            let text = s.get("text").and_then(Value::as_str).unwrap_or("").trim().to_string();
            if text.is_empty() || !start.is_finite() || !end.is_finite() {
                continue;
            }
            all.push(Segment {
                participant: t.participant.clone(),
                start_s: start + t.offset_s,
                end_s: end.max(start) + t.offset_s,
                text,
            });
        }
    }
    all.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    all
}

/// The anchor of the segment at (or just before) `time_s`: where a click on a moment lands.
pub(crate) fn anchor_at(segments: &[Segment], time_s: f64) -> Option<String> {
    if segments.is_empty() {
        return None;
    }
    let index = segments.partition_point(|s| s.start_s <= time_s).saturating_sub(1);
    Some(format!("#seg-{index}"))
}

pub(crate) fn write(out: &mut String, documents: &SessionDocuments, segments: &[Segment]) {
    out.push_str(
        "<section id=\"transcript\" aria-labelledby=\"transcript-h\">\n<h2 id=\"transcript-h\">Transcript</h2>\n",
    );
    if segments.is_empty() {
        let reason = documents
            .stage_reason("transcribe")
            .or_else(|| documents.participants.iter().find_map(|p| documents.stage_reason(&p.stage("transcribe"))))
            .unwrap_or_else(|| {
                if documents.transcripts.is_empty() {
                    "transcript.json was not written for this session".into()
                } else {
                    "nothing was said".into()
                }
            });
        put!(out, "<p class=\"missing\">No transcript: {}.</p>\n</section>\n", esc(reason.trim_end_matches('.')));
        return;
    }
    out.push_str("<ol class=\"transcript\">\n");
    for (i, s) in segments.iter().enumerate() {
        let who =
            s.participant.as_deref().map(|p| format!("<span class=\"who\">{}</span> ", esc(p))).unwrap_or_default();
        put!(
            out,
            "<li id=\"seg-{i}\"><a class=\"ts\" href=\"#seg-{i}\" title=\"{} – {}\">{}</a> {who}<span class=\"said\">{}</span></li>\n",
            clock(s.start_s),
            clock(s.end_s),
            clock(s.start_s),
            esc(&s.text)
        );
    }
    out.push_str("</ol>\n</section>\n");
}
