//! The safety verdict per category with its evidence, or the reason it was not judged; then
//! the realtime events clients and servers sent while the session was live.

use serde_json::Value;

use crate::SessionDocuments;
use crate::html::{clock, esc, put};
use crate::json::{list, num, text};
use crate::transcript::{Segment, anchor_at};

pub(crate) fn write(out: &mut String, documents: &SessionDocuments, segments: &[Segment]) {
    out.push_str("<section id=\"safety\" aria-labelledby=\"safety-h\">\n<h2 id=\"safety-h\">Safety</h2>\n");
    let categories = list(documents.safety_scan.as_ref(), "/categories");
    if categories.is_empty() {
        let reason = documents
            .stage_reason("safety")
            .unwrap_or_else(|| "safety-scan.json was not written for this session".into());
        put!(out, "<p class=\"missing\">Not judged: {}.</p>\n", esc(reason.trim_end_matches('.')));
    } else {
        out.push_str("<div class=\"table-wrap\"><table class=\"safety\">\n<thead><tr><th scope=\"col\">Category</th><th scope=\"col\">Verdict</th><th scope=\"col\">Score / threshold</th><th scope=\"col\">Evidence and limits</th></tr></thead>\n<tbody>\n");
        for category in categories {
            category_row(out, documents, category, segments);
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
    realtime(out, documents, segments);
    out.push_str("</section>\n");
}

fn category_row(out: &mut String, documents: &SessionDocuments, c: &Value, segments: &[Segment]) {
    let c = Some(c);
    let name = text(c, "/category").unwrap_or("?").replace('_', " ");
    let decision = text(c, "/decision");
    let (class, verdict) = match decision {
        Some("flagged") => ("flagged", "Flagged"),
        Some(_) => ("clear", "Clear"),
        None => ("unjudged", "Not judged"),
    };
    put!(
        out,
        "<tr class=\"{class}\"><th scope=\"row\">{}</th><td><span class=\"tag {class}\">{verdict}</span></td>",
        esc(&name)
    );
    match (num(c, "/score"), num(c, "/threshold")) {
        (Some(s), Some(t)) => put!(out, "<td>{s:.2} / {t:.2}</td>"),
        (Some(s), None) => put!(out, "<td>{s:.2}</td>"),
        _ => out.push_str("<td>—</td>"),
    }
    out.push_str("<td>");
    if decision.is_none() {
        let reason = text(c, "/reason").unwrap_or("no detector could judge this category");
        put!(out, "<p>{}</p>", esc(reason));
    }
    let events = list(c, "/events");
    if !events.is_empty() {
        out.push_str("<ul class=\"evidence\">");
        for event in events {
            out.push_str("<li>");
            evidence(out, documents, event, segments);
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    // Merged verdicts (one per participant) can name a detector or a limitation more than once.
    let mut detectors: Vec<String> = Vec::new();
    for d in list(c, "/detectors") {
        let (Some(id), version) = (text(Some(d), "/id"), text(Some(d), "/version").unwrap_or("")) else { continue };
        let named = format!("{id} {version}");
        if !detectors.contains(&named) {
            detectors.push(named);
        }
    }
    if !detectors.is_empty() {
        put!(out, "<p class=\"note\">Detectors: {}.</p>", esc(detectors.join(", ").trim()));
    }
    let mut limitations: Vec<&str> = Vec::new();
    for limitation in list(c, "/limitations").iter().filter_map(Value::as_str) {
        if !limitations.contains(&limitation) {
            limitations.push(limitation);
            put!(out, "<p class=\"note\">{}</p>", esc(limitation));
        }
    }
    out.push_str("</td></tr>\n");
}

/// One event's evidence: when on the session's timeline (a link to the transcript there), who,
/// the quote, the figures.
fn evidence(out: &mut String, documents: &SessionDocuments, event: &Value, segments: &[Segment]) {
    let e = Some(event);
    let time = num(e, "/evidence/quote/start_s")
        .or_else(|| num(e, "/evidence/frame_time_s"))
        .or_else(|| num(e, "/media_time_s"))
        .map(|t| t + documents.offset_of_value(e));
    if let Some(t) = time {
        match anchor_at(segments, t) {
            Some(anchor) => put!(out, "<a class=\"ts\" href=\"{anchor}\">{}</a> ", clock(t)),
            None => put!(out, "<span class=\"ts\">{}</span> ", clock(t)),
        }
    }
    if let Some(p) = text(e, "/participant") {
        put!(out, "<span class=\"who\">{}</span> ", esc(p));
    }
    if let Some(detector) = text(e, "/detector/id") {
        put!(out, "<span class=\"det\">{}</span> ", esc(detector));
    }
    if let Some(score) = num(e, "/score") {
        put!(out, "score {score:.2} ");
    }
    if let Some(quote) = text(e, "/evidence/quote/text") {
        put!(out, "<q>{}</q> ", esc(quote));
    }
    if let Some(details) = event.pointer("/evidence/details").and_then(Value::as_object) {
        let figures = flat_figures(details);
        if !figures.is_empty() {
            put!(out, "<span class=\"figures\">{}</span>", esc(&figures.join(", ")));
        }
    }
}

/// The scalar figures of an event's details, one level of nesting deep, at most eight.
fn flat_figures(details: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut figures = Vec::new();
    let mut add = |key: &str, value: &Value| match value {
        Value::Number(n) => figures.push(format!("{}: {n}", key.replace('_', " "))),
        Value::String(s) if s.len() <= 80 => figures.push(format!("{}: {s}", key.replace('_', " "))),
        _ => {}
    };
    for (key, value) in details {
        match value.as_object() {
            Some(inner) => inner.iter().for_each(|(k, v)| add(k, v)),
            None => add(key, value),
        }
    }
    figures.truncate(8);
    figures
}

/// Events sent while the session was live (browsers, the server-side checker).
fn realtime(out: &mut String, documents: &SessionDocuments, segments: &[Segment]) {
    let live: Vec<&Value> = documents
        .safety_events
        .iter()
        .filter(|e| e.get("source").and_then(Value::as_str).is_some_and(|s| s.starts_with("realtime")))
        .collect();
    out.push_str("<h3>Realtime events</h3>\n");
    if live.is_empty() {
        out.push_str("<p class=\"note\">No realtime event was stored while the session was live.</p>\n");
        return;
    }
    out.push_str("<ul class=\"evidence\">\n");
    for event in live {
        let category = text(Some(event), "/category").unwrap_or("?").replace('_', " ");
        let decision = text(Some(event), "/decision").unwrap_or("?");
        let source = text(Some(event), "/source").unwrap_or("?").replace('_', " ");
        put!(out, "<li><strong>{}</strong> {} ({}) ", esc(&category), esc(decision), esc(&source));
        evidence(out, documents, event, segments);
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}
