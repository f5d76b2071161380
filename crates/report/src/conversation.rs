//! For a 1:1 session: who talked how much, turns, interruptions, response latency, monologues.

use serde_json::Value;

use crate::SessionDocuments;
use crate::html::{clock, esc, percent, put};
use crate::json::{list, num, text};

/// Colours of the participants, in order (also used by the timeline).
pub(crate) const PEOPLE: [&str; 4] = ["p0", "p1", "p2", "p3"];

pub(crate) fn write(out: &mut String, documents: &SessionDocuments) {
    let Some(conversation) =
        documents.engagement.as_ref().and_then(|e| e.get("conversation")).filter(|c| c.is_object())
    else {
        if !documents.participants.is_empty() {
            out.push_str("<section id=\"conversation\" aria-labelledby=\"conversation-h\">\n<h2 id=\"conversation-h\">Conversation</h2>\n");
            let reason = text(documents.engagement.as_ref(), "/conversation_reason")
                .map(str::to_string)
                .unwrap_or_else(|| "the conversation metrics need each participant's engagement report".into());
            put!(out, "<p class=\"missing\">Not measured: {}.</p>\n</section>\n", esc(&reason));
        }
        return;
    };
    let c = Some(conversation);
    let people = list(c, "/participants");
    out.push_str("<section id=\"conversation\" aria-labelledby=\"conversation-h\">\n<h2 id=\"conversation-h\">Conversation</h2>\n");
    talk_bar(out, people);
    out.push_str("<div class=\"table-wrap\"><table class=\"summary\">\n<thead><tr><th scope=\"col\">Who</th><th scope=\"col\">Talk time</th><th scope=\"col\">Turns</th><th scope=\"col\">Interruptions</th><th scope=\"col\">Longest turn</th><th scope=\"col\">Longest monologue</th></tr></thead>\n<tbody>\n");
    for p in people {
        let id = p.get("participant").and_then(Value::as_str).unwrap_or("?");
        let p = Some(p);
        put!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{:.0} s</td><td>{:.0}</td><td>{:.0}</td><td>{:.1} s</td><td>{}</td></tr>\n",
            esc(id),
            num(p, "/talk_time_s").unwrap_or(0.0),
            num(p, "/turns").unwrap_or(0.0),
            num(p, "/interruptions").unwrap_or(0.0),
            num(p, "/longest_turn_s").unwrap_or(0.0),
            monologue(documents, id)
        );
    }
    out.push_str("</tbody>\n</table></div>\n<dl class=\"facts\">\n");
    let fact = |out: &mut String, name: &str, value: String| {
        put!(out, "<div><dt>{}</dt><dd>{}</dd></div>\n", esc(name), esc(&value));
    };
    fact(
        out,
        "Turns",
        format!(
            "{:.0} ({:.1} per minute)",
            num(c, "/turn_count").unwrap_or(0.0),
            num(c, "/turns_per_minute").unwrap_or(0.0)
        ),
    );
    fact(out, "Interruptions", format!("{:.0}", num(c, "/interruption_count").unwrap_or(0.0)));
    let latency = match (num(c, "/response_latency/median_s"), num(c, "/response_latency/count")) {
        (Some(median), Some(count)) => format!("median {median:.2} s over {count:.0} replies"),
        _ => "no replies to measure".into(),
    };
    fact(out, "Response latency", latency);
    fact(out, "Talking at once", format!("{:.1} s", num(c, "/overlap_s").unwrap_or(0.0)));
    fact(out, "Both silent", format!("{:.1} s", num(c, "/mutual_silence_s").unwrap_or(0.0)));
    if let Some(balance) = num(c, "/balance") {
        fact(out, "Balance", format!("{balance:.2} (1 = equal shares)"));
    }
    out.push_str("</dl>\n</section>\n");
}

/// The talk ratio as one bar split by share, labelled in text as well.
fn talk_bar(out: &mut String, people: &[Value]) {
    let shares: Vec<(String, f64)> = people
        .iter()
        .map(|p| {
            let id = p.get("participant").and_then(Value::as_str).unwrap_or("?").to_string();
            (id, num(Some(p), "/talk_share").unwrap_or(0.0).clamp(0.0, 1.0))
        })
        .collect();
    let label: Vec<String> = shares.iter().map(|(id, s)| format!("{id} {}", percent(*s))).collect();
    put!(out, "<div class=\"talk-bar\" role=\"img\" aria-label=\"Talk ratio: {}\">", esc(&label.join(", ")));
    for (i, (id, share)) in shares.iter().enumerate() {
        put!(
            out,
            "<span class=\"{}\" style=\"width:{:.2}%\">{} {}</span>",
            PEOPLE[i % PEOPLE.len()],
            share * 100.0,
            esc(id),
            percent(*share)
        );
    }
    out.push_str("</div>\n");
}

/// A participant's longest monologue from their own engagement reports (the longest of their
/// recordings', for one who left and joined again).
fn monologue(documents: &SessionDocuments, id: &str) -> String {
    let longest = documents
        .participants
        .iter()
        .filter(|p| p.participant == id)
        .filter_map(|p| {
            let m = p.engagement.as_ref().and_then(|e| e.pointer("/voice/longest_monologue")).filter(|m| !m.is_null());
            Some((num(m, "/duration_s")?, num(m, "/start_s")? + p.offset_s))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match longest {
        Some((d, start)) => format!("{d:.0} s from {}", clock(start)),
        None => "—".into(),
    }
}
