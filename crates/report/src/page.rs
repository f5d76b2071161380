//! The whole page: head with the inline style sheet, then the sections in order.

use crate::SessionDocuments;
use crate::html::{esc, put};
use crate::{analysis, conversation, header, safety, scores, timeline, transcript};

const STYLE: &str = include_str!("style.css");

/// Renders `report.html` from a session's documents. Never fails: what is missing is said so
/// on the page, with the reason the manifest gives.
pub fn render(documents: &SessionDocuments) -> String {
    let segments = transcript::segments(documents);
    let mut out = String::with_capacity(64 * 1024);
    put!(
        out,
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="session_report {version}">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Session {id} — report</title>
<style>
{STYLE}</style>
</head>
<body>
<a class="skip" href="#transcript">Skip to the transcript</a>
<main>
"##,
        version = env!("CARGO_PKG_VERSION"),
        id = esc(&documents.session_id),
    );
    header::write(&mut out, documents);
    scores::write(&mut out, documents);
    timeline::write(&mut out, documents, &segments);
    conversation::write(&mut out, documents);
    safety::write(&mut out, documents, &segments);
    analysis::write(&mut out, documents, &segments);
    transcript::write(&mut out, documents, &segments);
    not_measured(&mut out, documents);
    put!(
        out,
        "</main>\n<footer><p>Rendered by session_report {} from the session's stored JSON (see docs/outputs.md).</p></footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// Every stage that was skipped or failed, with its reason, so a blank never goes unexplained.
fn not_measured(out: &mut String, documents: &SessionDocuments) {
    let stages = crate::json::list(documents.manifest.as_ref(), "/stages");
    let rows: Vec<(String, String)> = stages
        .iter()
        .filter_map(|s| {
            let name = s.get("name")?.as_str()?;
            let reason = documents.stage_reason(name)?;
            // A local recording needs no download: not a gap in the results.
            (!name.ends_with("fetch")).then(|| (name.to_string(), reason))
        })
        .collect();
    out.push_str("<section id=\"not-measured\" aria-labelledby=\"not-measured-h\">\n<h2 id=\"not-measured-h\">What was not measured</h2>\n");
    if rows.is_empty() {
        let known = documents.manifest.is_some();
        out.push_str(if known {
            "<p>Every stage ran.</p>\n"
        } else {
            "<p>The session's manifest.json is missing, so the stages that ran are unknown.</p>\n"
        });
    } else {
        out.push_str("<ul>\n");
        for (name, reason) in rows {
            put!(out, "<li><strong>{}</strong>: {}</li>\n", esc(&name), esc(&reason));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}
