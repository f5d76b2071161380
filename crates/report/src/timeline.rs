//! One timeline with aligned lanes: per participant speech, loudness and video flags; then
//! safety events, quality issues and the transcript's segments. Inline SVG: hover shows a
//! `<title>`, a click on a moment follows a link to the transcript there.

use serde_json::Value;

use crate::SessionDocuments;
use crate::conversation::PEOPLE;
use crate::html::{clock, esc, put};
use crate::json::{list, num, text};
use crate::transcript::{Segment, anchor_at};

/// Width of a lane in SVG units; times map onto 0..WIDTH.
const WIDTH: f64 = 1000.0;
/// The loudness lane spans this range, LUFS (quieter reads as the floor).
const LUFS_FLOOR: f64 = -60.0;

/// One track's lanes as the timeline data gives them (or as rebuilt from older reports).
struct Track {
    name: String,
    class: &'static str,
    speech: Vec<(f64, f64)>,
    loudness: Option<(f64, Vec<Option<f64>>)>,
    video_flags: Option<Vec<(String, f64, f64)>>,
}

/// A moment or a stretch on a lane.
struct Mark {
    start_s: f64,
    end_s: f64,
    class: String,
    title: String,
    link: Option<String>,
}

pub(crate) fn write(out: &mut String, documents: &SessionDocuments, segments: &[Segment]) {
    out.push_str("<section id=\"timeline\" aria-labelledby=\"timeline-h\">\n<h2 id=\"timeline-h\">Timeline</h2>\n");
    let Some(duration) = documents.duration_s().filter(|d| *d > 0.0) else {
        out.push_str("<p class=\"missing\">No timeline: the recording's duration is unknown.</p>\n</section>\n");
        return;
    };
    let tracks = tracks(documents);
    if documents.timeline.is_none() {
        out.push_str("<p class=\"note\">Loudness and video flags are shown from timeline.json, which the version that processed this session did not write.</p>\n");
    }
    out.push_str("<div class=\"timeline\">\n");
    axis(out, duration);
    for track in &tracks {
        let marks: Vec<Mark> = track
            .speech
            .iter()
            .map(|&(s, e)| Mark {
                start_s: s,
                end_s: e,
                class: track.class.to_string(),
                title: format!("{} speaks {} – {}", track.name, clock(s), clock(e)),
                link: anchor_at(segments, s),
            })
            .collect();
        let talk: f64 = track.speech.iter().map(|(s, e)| e - s).sum();
        let label = format!("{} speech", track.name);
        lane(out, &label, &format!("{label}: {} stretches, {talk:.0} s in all", marks.len()), duration, &marks);
        if let Some((step, values)) = &track.loudness {
            loudness_lane(out, &format!("{} loudness", track.name), duration, *step, values);
        }
        if let Some(flags) = &track.video_flags {
            let marks: Vec<Mark> = flags
                .iter()
                .map(|(flag, s, e)| Mark {
                    start_s: *s,
                    end_s: *e,
                    class: format!("flag-{flag}"),
                    title: format!("{} video {}: {} – {}", track.name, flag.replace('_', " "), clock(*s), clock(*e)),
                    link: anchor_at(segments, *s),
                })
                .collect();
            let summary =
                if marks.is_empty() { "no flags".to_string() } else { format!("{} flagged stretches", marks.len()) };
            let label = format!("{} video", track.name);
            let shown = if marks.is_empty() { format!("{label}: no flags") } else { label.clone() };
            lane(out, &shown, &format!("{label}: {summary}"), duration, &marks);
        }
    }
    let events = safety_marks(documents, segments);
    lane(out, "safety", &format!("safety events: {}", events.len()), duration, &events);
    let issues = issue_marks(documents, segments);
    lane(out, "issues", &format!("quality issues: {}", issues.len()), duration, &issues);
    let said: Vec<Mark> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| Mark {
            start_s: s.start_s,
            end_s: s.end_s,
            class: "said".into(),
            title: format!("{} {}", clock(s.start_s), short(&s.text)),
            link: Some(format!("#seg-{i}")),
        })
        .collect();
    lane(out, "transcript", &format!("transcript: {} segments", said.len()), duration, &said);
    out.push_str("</div>\n");
    legend(out);
    as_list(out, &events, &issues, &tracks);
    out.push_str("</section>\n");
}

/// The tracks from `timeline.json`, or speech rebuilt from the engagement reports.
fn tracks(documents: &SessionDocuments) -> Vec<Track> {
    if let Some(timeline) = documents.timeline.as_ref() {
        return list(Some(timeline), "/tracks")
            .iter()
            .enumerate()
            .map(|(i, t)| Track {
                name: text(Some(t), "/participant").map_or_else(
                    || "recording".to_string(),
                    |who| crate::documents::label(who, num(Some(t), "/part").map(|n| n as u32)),
                ),
                class: PEOPLE[i % PEOPLE.len()],
                speech: pairs(t.get("speech")),
                loudness: t.get("loudness_lufs").and_then(Value::as_array).map(|values| {
                    let step = num(Some(timeline), "/step_s").unwrap_or(1.0);
                    let start = num(Some(t), "/offset_s").unwrap_or(0.0);
                    starting_at(step, values.iter().map(Value::as_f64).collect(), start)
                }),
                video_flags: t.get("video_flags").and_then(Value::as_array).map(|flags| {
                    flags
                        .iter()
                        .filter_map(|f| {
                            Some((
                                f.get("flag")?.as_str()?.to_string(),
                                f.get("start_s")?.as_f64()?,
                                f.get("end_s")?.as_f64()?,
                            ))
                        })
                        .collect()
                }),
            })
            .collect();
    }
    if documents.participants.is_empty() {
        let speech = documents.engagement.as_ref().and_then(|e| e.pointer("/voice/speech_segments"));
        return vec![Track {
            name: "recording".into(),
            class: PEOPLE[0],
            speech: segments_of(speech, 0.0),
            loudness: None,
            video_flags: None,
        }];
    }
    documents
        .participants
        .iter()
        .enumerate()
        .map(|(i, p)| Track {
            name: p.label(),
            class: PEOPLE[i % PEOPLE.len()],
            speech: segments_of(p.engagement.as_ref().and_then(|e| e.pointer("/voice/speech_segments")), p.offset_s),
            loudness: None,
            video_flags: None,
        })
        .collect()
}

/// Loudness values from the track's offset on, padded with gaps in front so every lane shares
/// the session's time axis.
fn starting_at(step: f64, values: Vec<Option<f64>>, start_s: f64) -> (f64, Vec<Option<f64>>) {
    let step = if step > 0.0 { step } else { 1.0 };
    let lead = (start_s / step).round().clamp(0.0, 1e6) as usize;
    let mut shifted = vec![None; lead];
    shifted.extend(values);
    (step, shifted)
}

fn pairs(value: Option<&Value>) -> Vec<(f64, f64)> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                .filter(|(s, e)| s.is_finite() && e.is_finite() && e >= s)
                .collect()
        })
        .unwrap_or_default()
}

/// `[{start_s, end_s}]` shifted onto the session timeline.
fn segments_of(value: Option<&Value>, offset_s: f64) -> Vec<(f64, f64)> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|s| Some((s.get("start_s")?.as_f64()? + offset_s, s.get("end_s")?.as_f64()? + offset_s)))
                .collect()
        })
        .unwrap_or_default()
}

fn safety_marks(documents: &SessionDocuments, segments: &[Segment]) -> Vec<Mark> {
    let mut events: Vec<&Value> =
        list(documents.safety_scan.as_ref(), "/categories").iter().flat_map(|c| list(Some(c), "/events")).collect();
    events.extend(
        documents
            .safety_events
            .iter()
            .filter(|e| e.get("source").and_then(Value::as_str).is_some_and(|s| s.starts_with("realtime"))),
    );
    events
        .into_iter()
        .filter_map(|e| {
            let shift = documents.offset_of_value(Some(e));
            let time = num(Some(e), "/evidence/quote/start_s").or_else(|| num(Some(e), "/media_time_s"))? + shift;
            let end = num(Some(e), "/evidence/quote/end_s").map_or(time, |t| t + shift);
            let category = text(Some(e), "/category").unwrap_or("?").replace('_', " ");
            let decision = text(Some(e), "/decision").unwrap_or("flagged");
            let who = text(Some(e), "/participant").map(|p| format!(" ({p})")).unwrap_or_default();
            Some(Mark {
                start_s: time,
                end_s: end,
                class: format!("ev-{decision}"),
                title: format!(
                    "{} {category} {decision}{who}, score {:.2}, {}",
                    clock(time),
                    num(Some(e), "/score").unwrap_or(0.0),
                    text(Some(e), "/source").unwrap_or("").replace('_', " ")
                ),
                link: anchor_at(segments, time),
            })
        })
        .collect()
}

fn issue_marks(documents: &SessionDocuments, segments: &[Segment]) -> Vec<Mark> {
    // Each recording's issues, with who it was and where it starts on the session's timeline.
    let mut sources: Vec<(Option<String>, f64, &Value)> = Vec::new();
    if let Some(q) = documents.quality.as_ref() {
        sources.push((None, 0.0, q));
    }
    for p in &documents.participants {
        if let Some(q) = p.quality.as_ref() {
            sources.push((Some(p.label()), p.offset_s, q));
        }
    }
    sources
        .iter()
        .flat_map(|(who, shift, q)| list(Some(q), "/issues").iter().map(move |i| (who.as_deref(), *shift, i)))
        .filter_map(|(who, shift, i)| {
            let (start, end) = (num(Some(i), "/start_s")? + shift, num(Some(i), "/end_s")? + shift);
            let severity = text(Some(i), "/severity").unwrap_or("info");
            let prefix = who.map(|w| format!("{w}: ")).unwrap_or_default();
            Some(Mark {
                start_s: start,
                end_s: end.max(start),
                class: format!("sev-{severity}"),
                title: format!("{prefix}{}", text(Some(i), "/message").unwrap_or("")),
                link: anchor_at(segments, start),
            })
        })
        .collect()
}

fn axis(out: &mut String, duration: f64) {
    let step = [1.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0]
        .into_iter()
        .find(|s| duration / s <= 8.0)
        .unwrap_or(7200.0);
    out.push_str(
        "<div class=\"lane axis\" aria-hidden=\"true\"><span class=\"lane-label\"></span><span class=\"ticks\">",
    );
    let mut t = 0.0;
    while t <= duration + 1e-9 {
        put!(out, "<span style=\"left:{:.2}%\">{}</span>", t / duration * 100.0, clock(t));
        t += step;
    }
    out.push_str("</span></div>\n");
}

/// Opens a lane: its label, and an SVG with `aria` as its text alternative.
fn open_lane(out: &mut String, label: &str, aria: &str) {
    put!(
        out,
        "<div class=\"lane\"><span class=\"lane-label\">{}</span><svg class=\"lane-svg\" viewBox=\"0 0 {WIDTH} 20\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        esc(label),
        esc(aria)
    );
}

fn lane(out: &mut String, label: &str, aria: &str, duration: f64, marks: &[Mark]) {
    open_lane(out, label, aria);
    for m in marks {
        let x = (m.start_s / duration * WIDTH).clamp(0.0, WIDTH);
        let w = ((m.end_s - m.start_s) / duration * WIDTH).max(2.0).min(WIDTH - x + 2.0);
        let rect = format!(
            "<rect class=\"{}\" x=\"{x:.2}\" y=\"2\" width=\"{w:.2}\" height=\"16\"><title>{}</title></rect>",
            esc(&m.class),
            esc(&m.title)
        );
        match &m.link {
            Some(link) => put!(out, "<a href=\"{}\">{rect}</a>", esc(link)),
            None => out.push_str(&rect),
        }
    }
    out.push_str("</svg></div>\n");
}

fn loudness_lane(out: &mut String, label: &str, duration: f64, step: f64, values: &[Option<f64>]) {
    let measured: Vec<f64> = values.iter().flatten().copied().collect();
    let aria = match (measured.iter().copied().reduce(f64::min), measured.iter().copied().reduce(f64::max)) {
        (Some(lo), Some(hi)) => format!("{label}: momentary loudness from {lo:.0} to {hi:.0} LUFS"),
        _ => format!("{label}: below the measuring gate throughout"),
    };
    open_lane(out, label, &aria);
    // One bar per step: height from the floor (−60 LUFS) to 0 LUFS.
    for (i, value) in values.iter().enumerate() {
        let Some(lufs) = value else { continue };
        let x = i as f64 * step / duration * WIDTH;
        if x >= WIDTH {
            break;
        }
        let h = ((lufs - LUFS_FLOOR) / -LUFS_FLOOR).clamp(0.0, 1.0) * 18.0;
        let w = (step / duration * WIDTH).max(0.5);
        put!(
            out,
            "<rect class=\"loud\" x=\"{x:.2}\" y=\"{:.2}\" width=\"{w:.2}\" height=\"{h:.2}\"><title>{} {lufs:.1} LUFS</title></rect>",
            19.0 - h,
            clock(i as f64 * step)
        );
    }
    out.push_str("</svg></div>\n");
}

fn legend(out: &mut String) {
    out.push_str("<ul class=\"legend\" aria-label=\"Legend\">");
    for (class, name) in [
        ("p0", "speech"),
        ("loud", "loudness (−60 to 0 LUFS)"),
        ("flag-dark", "dark"),
        ("flag-covered", "covered"),
        ("flag-frozen", "frozen"),
        ("flag-blurred", "blurred"),
        ("flag-nobody", "nobody on camera"),
        ("ev-flagged", "safety flag"),
        ("sev-warning", "warning"),
        ("sev-critical", "critical"),
        ("said", "transcript"),
    ] {
        put!(out, "<li><span class=\"swatch {class}\"></span>{}</li>", esc(name));
    }
    out.push_str("</ul>\n");
}

/// The same lanes as text, for screen readers and for print.
fn as_list(out: &mut String, events: &[Mark], issues: &[Mark], tracks: &[Track]) {
    out.push_str("<details class=\"as-list\"><summary>The timeline as a list</summary>\n<ul>\n");
    for t in tracks {
        let talk: f64 = t.speech.iter().map(|(s, e)| e - s).sum();
        put!(out, "<li>{}: {} stretches of speech, {talk:.0} s in all.</li>\n", esc(&t.name), t.speech.len());
        for (flag, s, e) in t.video_flags.iter().flatten() {
            put!(
                out,
                "<li>{} video {} from {} to {}.</li>\n",
                esc(&t.name),
                esc(&flag.replace('_', " ")),
                clock(*s),
                clock(*e)
            );
        }
    }
    for m in events.iter().chain(issues) {
        put!(out, "<li>{}</li>\n", esc(&m.title));
    }
    out.push_str("</ul>\n</details>\n");
}

/// A transcript segment shortened for a hover title.
fn short(text: &str) -> String {
    if text.chars().count() <= 120 {
        return text.to_string();
    }
    let cut: String = text.chars().take(117).collect();
    format!("{cut}…")
}
