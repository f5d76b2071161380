//! The header card: who, when, how long, the combined score and a one-line verdict.

use crate::SessionDocuments;
use crate::html::{band, clock, duration, esc, put, score};
use crate::json::{list, num, text};

pub(crate) fn write(out: &mut String, documents: &SessionDocuments) {
    let manifest = documents.manifest.as_ref();
    let combined = num(documents.combined.as_ref(), "/score");
    let participants = participant_names(documents);
    put!(out, "<header class=\"card head\" aria-labelledby=\"title\">\n");
    put!(
        out,
        "<div class=\"head-main\">\n<p class=\"eyebrow\">Session report</p>\n<h1 id=\"title\">{}</h1>\n<p class=\"verdict\">{}</p>\n",
        esc(&documents.session_id),
        esc(&verdict(documents, combined))
    );
    out.push_str("<dl class=\"facts\">\n");
    let date = text(manifest, "/started_at").map(date_of).unwrap_or_else(|| "unknown".into());
    put!(out, "<div><dt>Date</dt><dd>{}</dd></div>\n", esc(&date));
    let length = documents.duration_s().map_or_else(|| "unknown".into(), |d| format!("{} ({})", duration(d), clock(d)));
    put!(out, "<div><dt>Duration</dt><dd>{}</dd></div>\n", esc(&length));
    let who = if participants.is_empty() { "one recording".to_string() } else { participants.join(", ") };
    put!(out, "<div><dt>Participants</dt><dd>{}</dd></div>\n", esc(&who));
    if let Some(status) = text(manifest, "/status") {
        let failure = text(manifest, "/error/message").map(|m| format!(": {m}")).unwrap_or_default();
        put!(out, "<div><dt>Run</dt><dd>{}{}</dd></div>\n", esc(status), esc(&failure));
    }
    out.push_str("</dl>\n</div>\n");
    put!(
        out,
        "<div class=\"big-score {}\" role=\"img\" aria-label=\"Combined score {}\"><span class=\"num\">{}</span><span class=\"of\">combined score (0–100)</span></div>\n",
        band(combined),
        combined.map_or_else(|| "not computed".into(), |c| format!("{c:.1} of 100")),
        score(combined)
    );
    out.push_str("</header>\n");
}

/// The participants' identities, from the manifest (the 1:1 flow); empty for one recording.
fn participant_names(documents: &SessionDocuments) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (id, _, _) in documents.participant_offsets() {
        if !names.contains(&id) {
            names.push(id); // a participant who rejoined is still one person
        }
    }
    names
}

/// `2026-12-05 00:49 UTC` from an RFC 3339 time.
fn date_of(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// One sentence: how good the session was, and what stands out.
fn verdict(documents: &SessionDocuments, combined: Option<f64>) -> String {
    let mut sentence = match combined {
        Some(c) if c >= 80.0 => format!("A good session ({c:.0}/100)"),
        Some(c) if c >= 60.0 => format!("A fair session ({c:.0}/100)"),
        Some(c) => format!("A poor session ({c:.0}/100)"),
        None => {
            let reason = text(documents.combined.as_ref(), "/reason")
                .map(str::to_string)
                .or_else(|| documents.stage_reason("combined"))
                .unwrap_or_else(|| "no combined score was computed".into());
            format!("No combined score: {reason}")
        }
    };
    let quality = num(documents.quality.as_ref(), "/score");
    let engagement = num(documents.engagement.as_ref(), "/score");
    let parts: Vec<String> = [("quality", quality), ("engagement", engagement)]
        .into_iter()
        .filter_map(|(name, s)| s.map(|s| format!("{name} {s:.0}")))
        .collect();
    if combined.is_some() && !parts.is_empty() {
        sentence.push_str(&format!(": {}", parts.join(", ")));
    }
    let flagged: Vec<String> = list(documents.safety_scan.as_ref(), "/categories")
        .iter()
        .filter(|c| c.get("decision").and_then(|d| d.as_str()) == Some("flagged"))
        .filter_map(|c| c.get("category").and_then(|d| d.as_str()).map(|s| s.replace('_', " ")))
        .collect();
    match flagged.len() {
        0 if documents.safety_scan.is_some() => sentence.push_str("; no safety flags."),
        0 => sentence.push('.'),
        _ => sentence.push_str(&format!("; safety flagged: {}.", flagged.join(", "))),
    }
    sentence
}
