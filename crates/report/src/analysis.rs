//! The LLM's reasoning scores with their quoted evidence, when an LLM ran.

use serde_json::Value;

use crate::SessionDocuments;
use crate::html::{clock, esc, put, score_bar};
use crate::json::{list, num, object, text};
use crate::transcript::{Segment, anchor_at};

pub(crate) fn write(out: &mut String, documents: &SessionDocuments, segments: &[Segment]) {
    out.push_str("<section id=\"analysis\" aria-labelledby=\"analysis-h\">\n<h2 id=\"analysis-h\">Analysis</h2>\n");
    let Some(a) = documents.analysis.as_ref() else {
        let reason = documents
            .stage_reason("analysis")
            .unwrap_or_else(|| "analysis.json was not written for this session".into());
        put!(out, "<p class=\"missing\">No analysis: {}.</p>\n</section>\n", esc(reason.trim_end_matches('.')));
        return;
    };
    let a = Some(a);
    if let Some(summary) = text(a, "/summary") {
        put!(out, "<p class=\"summary-text\">{}</p>\n", esc(summary));
    }
    put!(
        out,
        "<p class=\"note\">By {} ({}){}.</p>\n",
        esc(text(a, "/model").unwrap_or("an LLM")),
        esc(text(a, "/prompt_version").unwrap_or("unknown prompt")),
        if a.and_then(|v| v.get("transcript_used")).and_then(Value::as_bool) == Some(false) {
            "; no transcript was available, so the scores rest on the measurements alone"
        } else {
            ""
        }
    );
    let Some(scores) = object(a, "/scores") else {
        out.push_str("</section>\n");
        return;
    };
    out.push_str("<div class=\"table-wrap\"><table class=\"subs\">\n<tbody>\n");
    for (name, s) in scores {
        let label = name.replace('_', " ");
        put!(out, "<tr><th scope=\"row\">{}</th><td class=\"bar\">", esc(&label));
        score_bar(out, &label, num(Some(s), "/score"));
        put!(out, "</td><td class=\"why\">{}", esc(text(Some(s), "/reason").unwrap_or("")));
        let evidence = list(Some(s), "/evidence");
        if !evidence.is_empty() {
            out.push_str("<ul class=\"evidence\">");
            for quote in evidence {
                let start = num(Some(quote), "/start_s").unwrap_or(0.0);
                let link = anchor_at(segments, start).unwrap_or_else(|| "#transcript".into());
                put!(
                    out,
                    "<li><a class=\"ts\" href=\"{link}\">{}</a> <q>{}</q></li>",
                    clock(start),
                    esc(text(Some(quote), "/quote").unwrap_or(""))
                );
            }
            out.push_str("</ul>");
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}
