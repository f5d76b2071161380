//! Quality and engagement with their sub-scores, each with the figure that explains it.

use serde_json::Value;

use crate::SessionDocuments;
use crate::html::{clock, esc, percent, put, score, score_bar};
use crate::json::{list, num, object, text};

pub(crate) fn write(out: &mut String, documents: &SessionDocuments) {
    out.push_str("<section id=\"scores\" aria-labelledby=\"scores-h\">\n<h2 id=\"scores-h\">Scores</h2>\n");
    if documents.participants.is_empty() {
        out.push_str("<div class=\"grid\">\n");
        quality_card(out, "Quality", documents.quality.as_ref(), || documents.stage_reason("quality"));
        engagement_card(out, "Engagement", documents.engagement.as_ref(), || documents.stage_reason("engagement"));
        out.push_str("</div>\n");
    } else {
        session_summary(out, documents);
        for p in &documents.participants {
            put!(out, "<h3 class=\"person\">{}</h3>\n<div class=\"grid\">\n", esc(&p.label()));
            let stage = |name: &str| documents.stage_reason(&p.stage(name));
            quality_card(out, "Quality", p.quality.as_ref(), || stage("quality"));
            engagement_card(out, "Engagement", p.engagement.as_ref(), || stage("engagement"));
            out.push_str("</div>\n");
        }
    }
    out.push_str("</section>\n");
}

/// The session's blended scores and each participant's, in one table.
fn session_summary(out: &mut String, documents: &SessionDocuments) {
    let (quality, engagement) = (documents.quality.as_ref(), documents.engagement.as_ref());
    out.push_str("<div class=\"table-wrap\"><table class=\"summary\">\n<caption>The session's scores are the mean of the participants'.</caption>\n<thead><tr><th scope=\"col\">Who</th><th scope=\"col\">Quality</th><th scope=\"col\">Audio</th><th scope=\"col\">Video</th><th scope=\"col\">Engagement</th></tr></thead>\n<tbody>\n");
    put!(
        out,
        "<tr><th scope=\"row\">Session</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        score(num(quality, "/score")),
        score(num(quality, "/audio/score")),
        score(num(quality, "/video/score")),
        score(num(engagement, "/score"))
    );
    for p in &documents.participants {
        let (q, e) = (p.quality.as_ref(), p.engagement.as_ref());
        put!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&p.label()),
            score(num(q, "/score")),
            score(num(q, "/audio/score")),
            score(num(q, "/video/score")),
            score(num(e, "/score"))
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn quality_card(out: &mut String, title: &str, quality: Option<&Value>, reason: impl Fn() -> Option<String>) {
    card(out, title, quality, reason, "quality.json", |out, q| {
        out.push_str("<div class=\"halves\">\n");
        for (half, name) in [("audio", "Audio"), ("video", "Video")] {
            put!(out, "<div>\n<h4>{name}</h4>\n");
            score_line(out, name, num(Some(q), &format!("/{half}/score")), text(Some(q), &format!("/{half}/reason")));
            let metrics = q.pointer(&format!("/{half}/metrics"));
            if let Some(subs) = object(Some(q), &format!("/{half}/sub_scores")) {
                out.push_str("<div class=\"table-wrap\"><table class=\"subs\">\n<tbody>\n");
                for (sub, value) in subs {
                    let why = match half {
                        "audio" => audio_why(sub, metrics),
                        _ => video_why(sub, metrics),
                    };
                    sub_row(out, sub, value, why);
                }
                out.push_str("</tbody>\n</table></div>\n");
            }
            out.push_str("</div>\n");
        }
        out.push_str("</div>\n");
        issues(out, list(Some(q), "/issues"));
    });
}

fn engagement_card(out: &mut String, title: &str, engagement: Option<&Value>, reason: impl Fn() -> Option<String>) {
    card(out, title, engagement, reason, "engagement.json", |out, e| {
        if let Some(components) = object(Some(e), "/components") {
            out.push_str("<div class=\"table-wrap\"><table class=\"subs\">\n<tbody>\n");
            for (name, value) in components {
                sub_row(out, name, value, engagement_why(name, e));
            }
            out.push_str("</tbody>\n</table></div>\n");
        }
        if let Some(m) = e.pointer("/voice/longest_monologue").filter(|m| !m.is_null()) {
            let (start, dur) = (num(Some(m), "/start_s").unwrap_or(0.0), num(Some(m), "/duration_s").unwrap_or(0.0));
            put!(out, "<p class=\"note\">Longest monologue: {dur:.0} s from {}.</p>\n", clock(start));
        }
    });
}

/// A score card: its title, the report's score (or why the report is missing), then `body`.
fn card(
    out: &mut String,
    title: &str,
    report: Option<&Value>,
    reason: impl Fn() -> Option<String>,
    file: &str,
    body: impl FnOnce(&mut String, &Value),
) {
    out.push_str("<article class=\"card\">\n");
    put!(out, "<h3>{}</h3>\n", esc(title));
    match report {
        Some(report) => {
            score_line(out, title, num(Some(report), "/score"), text(Some(report), "/reason"));
            body(out, report);
        }
        None => missing(out, reason(), file),
    }
    out.push_str("</article>\n");
}

fn missing(out: &mut String, reason: Option<String>, file: &str) {
    let reason = reason.unwrap_or_else(|| format!("{file} was not written for this session"));
    put!(out, "<p class=\"missing\">Not measured: {}.</p>\n", esc(reason.trim_end_matches('.')));
}

fn score_line(out: &mut String, label: &str, value: Option<f64>, reason: Option<&str>) {
    out.push_str("<p class=\"score-line\">");
    score_bar(out, label, value);
    if let (None, Some(reason)) = (value, reason) {
        put!(out, " <span class=\"why\">{}</span>", esc(reason));
    }
    out.push_str("</p>\n");
}

fn sub_row(out: &mut String, name: &str, value: &Value, why: Option<String>) {
    let value_score = value.get("score").and_then(Value::as_f64);
    let why = match value_score {
        None => value.get("reason").and_then(Value::as_str).map(str::to_string).or(why),
        Some(_) => why,
    };
    let label = name.replace('_', " ");
    put!(out, "<tr><th scope=\"row\">{}</th><td class=\"bar\">", esc(&label));
    score_bar(out, &label, value_score);
    put!(out, "</td><td class=\"why\">{}</td></tr>\n", esc(&why.unwrap_or_default()));
}

fn issues(out: &mut String, issues: &[Value]) {
    if issues.is_empty() {
        out.push_str("<p class=\"note\">No quality issues found.</p>\n");
        return;
    }
    put!(out, "<h4>Issues ({})</h4>\n<ul class=\"issues\">\n", issues.len());
    for issue in issues {
        let severity = issue.get("severity").and_then(Value::as_str).unwrap_or("info");
        let message = issue.get("message").and_then(Value::as_str).unwrap_or("");
        put!(
            out,
            "<li class=\"sev-{sev}\"><span class=\"tag\">{sev}</span> {msg}</li>\n",
            sev = esc(severity),
            msg = esc(message)
        );
    }
    out.push_str("</ul>\n");
}

fn audio_why(sub: &str, m: Option<&Value>) -> Option<String> {
    Some(match sub {
        "loudness" => format!(
            "Integrated loudness {:.1} LUFS; speech is comfortable between −26 and −14 LUFS.",
            num(m, "/integrated_loudness_lufs")?
        ),
        "clipping" => format!("{} of samples clipped.", fine_percent(num(m, "/clipping_ratio")?)),
        "noise" => format!("Speech stands {:.0} dB above the noise between words.", num(m, "/snr_db")?),
        "silence" => format!("{} of the audio is silent.", percent(num(m, "/silence_ratio")?)),
        "dropouts" => format!(
            "{:.0} drop-outs to digital silence, {:.2} s in total.",
            num(m, "/dropout_count")?,
            num(m, "/dropout_total_s")?
        ),
        _ => return None,
    })
}

fn video_why(sub: &str, m: Option<&Value>) -> Option<String> {
    Some(match sub {
        "resolution" => format!("{:.0} × {:.0} pixels.", num(m, "/width")?, num(m, "/height")?),
        "frame_rate" => format!(
            "{:.1} frames per second delivered, interval variation {:.2}.",
            num(m, "/timing/measured_fps")?,
            num(m, "/timing/frame_interval_cv").unwrap_or(0.0)
        ),
        "freezes" => format!(
            "{:.0} freezes ({:.1} s); {} of sampled frames repeat the previous one.",
            num(m, "/timing/freeze_count").unwrap_or(0.0),
            num(m, "/timing/freeze_total_s").unwrap_or(0.0),
            percent(num(m, "/picture/frozen_ratio").unwrap_or(0.0))
        ),
        "covered" => format!("{} of sampled frames black or covered.", percent(num(m, "/picture/covered_ratio")?)),
        "brightness" => format!(
            "Mean brightness {:.0} of 255; {} of pixels under-exposed, {} over-exposed.",
            num(m, "/picture/mean_luma")?,
            percent(num(m, "/picture/underexposed_ratio").unwrap_or(0.0)),
            percent(num(m, "/picture/overexposed_ratio").unwrap_or(0.0))
        ),
        "contrast" => format!("Brightness spread (standard deviation) {:.0} levels.", num(m, "/picture/contrast")?),
        "sharpness" => format!("Detail (Laplacian variance, noise removed) {:.0}.", num(m, "/picture/sharpness")?),
        "noise" => format!("Picture noise σ {:.1} levels.", num(m, "/picture/noise_sigma")?),
        "compression" => format!(
            "Luma steps at 8-pixel block edges {:.2}× those inside blocks (1 = no blocks).",
            num(m, "/compression/block_edge_factor")?
        ),
        _ => return None,
    })
}

fn engagement_why(component: &str, e: &Value) -> Option<String> {
    let e = Some(e);
    Some(match component {
        "participation" => format!("Speaking {} of the time.", percent(num(e, "/speech_ratio")?)),
        "speech_rate" => {
            let how = match text(e, "/speech_rate/method") {
                Some("transcript") => "from the transcript",
                _ => "estimated from syllables",
            };
            format!(
                "{:.0} words per minute ({how}); 110–190 is easy to follow.",
                num(e, "/speech_rate/words_per_minute")?
            )
        }
        "prosody" => match num(e, "/prosody/pitch_std_semitones") {
            Some(st) => format!(
                "Pitch varies by {st:.1} semitones, loudness by {:.0} dB.",
                num(e, "/prosody/energy_std_db").unwrap_or(0.0)
            ),
            None => format!("Loudness varies by {:.0} dB.", num(e, "/prosody/energy_std_db")?),
        },
        "presence" => format!(
            "On camera in {} of {:.0} sampled frames (picture content; faces are not detected).",
            percent(num(e, "/presence/ratio")?),
            num(e, "/presence/frames_sampled").unwrap_or(0.0)
        ),
        "fluency" => format!(
            "{:.0} filler words ({:.1} per minute of talk).",
            num(e, "/transcript/filler_words/count")?,
            num(e, "/transcript/filler_words/per_minute").unwrap_or(0.0)
        ),
        _ => return None,
    })
}

/// A small share with enough digits to tell 0 from 0.004 %.
fn fine_percent(share: f64) -> String {
    if share == 0.0 { "0 %".into() } else { format!("{:.3} %", share * 100.0) }
}
