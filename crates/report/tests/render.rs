//! The page from hand-made documents: well-formed HTML (html5ever reports no parse error), every
//! section, text escaped, evidence linked to the transcript, and reasons where data is missing.

use std::cell::RefCell;

use html5ever::tendril::TendrilSink;
use html5ever::{ParseOpts, parse_document};
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use serde_json::{Value, json};
use session_report::{ParticipantDocuments, SessionDocuments, TranscriptDocument, render};

/// Parses `html` as a browser would and returns the parser's errors (none for a valid page).
fn parse_errors(html: &str) -> (RcDom, Vec<String>) {
    let mut opts = ParseOpts::default();
    opts.tree_builder.exact_errors = true;
    opts.tokenizer.exact_errors = true;
    let dom = parse_document(RcDom::default(), opts).one(html);
    let errors = dom.errors.borrow().iter().map(|e| e.to_string()).collect();
    (dom, errors)
}

/// An element's name and its attributes.
type Element = (String, Vec<(String, String)>);

/// Every element's `(name, attributes)` in document order.
fn elements(dom: &RcDom) -> Vec<Element> {
    fn walk(node: &Handle, out: &RefCell<Vec<Element>>) {
        if let NodeData::Element { name, attrs, .. } = &node.data {
            let attrs = attrs.borrow().iter().map(|a| (a.name.local.to_string(), a.value.to_string())).collect();
            out.borrow_mut().push((name.local.to_string(), attrs));
        }
        for child in node.children.borrow().iter() {
            walk(child, out);
        }
    }
    let out = RefCell::new(Vec::new());
    walk(&dom.document, &out);
    out.into_inner()
}

fn manifest(stages: Value, participants: Value) -> Value {
    json!({
        "schema_version": 2, "session_id": "s", "status": "complete",
        "started_at": "2026-12-05T10:00:00Z", "finished_at": "2026-12-05T10:01:00Z",
        "input": {"kind": "local", "path": "x.mp4"}, "participants": participants,
        "media": {"duration_s": 30.0}, "stages": stages, "artifacts": [],
        "versions": {"session_processing": "0.1.0", "gstreamer": "1.22", "schema_version": 2}
    })
}

fn single() -> SessionDocuments {
    let stages = json!([
        {"name": "transcribe", "status": "ok", "duration_ms": 1},
        {"name": "analysis", "status": "ok", "duration_ms": 1},
    ]);
    SessionDocuments {
        session_id: "RM_<demo>".into(),
        manifest: Some(manifest(stages, json!([]))),
        quality: Some(json!({
            "score": 71.2,
            "audio": {"score": 64.0, "metrics": {"integrated_loudness_lufs": -31.5, "snr_db": 12.0},
                "sub_scores": {"loudness": {"score": 45.5}, "noise": {"score": 25.0}}},
            "video": {"score": null, "reason": "recording has no video stream", "metrics": null, "sub_scores": null},
            "issues": [{"code": "audio_noisy", "severity": "warning", "start_s": 3.0, "end_s": 9.0,
                "message": "Background noise <hum> from 0:03 to 0:09"}]
        })),
        engagement: Some(json!({
            "score": 88.0, "speech_ratio": 0.61,
            "voice": {"speech_segments": [{"start_s": 1.0, "end_s": 8.0}, {"start_s": 12.0, "end_s": 20.0}]},
            "components": {"participation": {"score": 100.0}, "fluency": {"score": null, "reason": "no transcript words"}}
        })),
        combined: Some(json!({"score": 77.7, "used": [], "missing": []})),
        analysis: Some(json!({
            "model": "gemini-test", "prompt_version": "session-analysis-v1", "summary": "A calm & clear talk.",
            "transcript_used": true,
            "scores": {"clarity": {"score": 82.5, "reason": "Clear steps.",
                "evidence": [{"quote": "first we open the file", "start_s": 12.0, "end_s": 15.0}]}}
        })),
        safety_scan: Some(json!({"categories": [
            {"category": "offensive", "score": 0.9, "threshold": 0.5, "decision": "flagged",
             "detectors": [{"id": "lexicon/en", "version": "1"}, {"id": "lexicon/en", "version": "1"}],
             "limitations": ["A word list.", "A word list."],
             "events": [{"category": "offensive", "score": 0.9, "decision": "flagged", "source": "post_session",
                "media_time_s": 12.0, "evidence": {"quote": {"text": "a rude word", "start_s": 12.5, "end_s": 13.0}}}]},
            {"category": "violence", "score": null, "reason": "no LLM provider is configured", "decision": null}
        ]})),
        timeline: Some(json!({
            "duration_s": 30.0, "step_s": 1.0,
            "tracks": [{"participant": null, "offset_s": 0.0, "loudness_lufs": [-20.0, null, -35.5],
                "speech": [[1.0, 8.0], [12.0, 20.0]],
                "video_flags": [{"flag": "covered", "start_s": 20.0, "end_s": 25.0}], "frames_sampled": 6}],
            "issues": [], "safety_events": []
        })),
        safety_events: vec![json!({"category": "nudity", "score": 0.8, "threshold": 0.7, "decision": "flagged",
            "source": "realtime_client", "media_time_s": 21.0, "detector": {"id": "nsfwjs", "version": "4"}})],
        transcripts: vec![TranscriptDocument {
            participant: None,
            offset_s: 0.0,
            transcript: json!({"segments": [
                {"start_s": 1.0, "end_s": 8.0, "text": " Hello <b>there</b> & welcome."},
                {"start_s": 12.0, "end_s": 20.0, "text": " First we open the file."}
            ]}),
        }],
        participants: Vec::new(),
    }
}

#[test]
fn a_full_session_renders_every_section_as_well_formed_html() {
    let (_, broken) = parse_errors("<!DOCTYPE html><html><head><title>x</title></head><body><p></div></body></html>");
    assert!(!broken.is_empty(), "the checker itself reports a stray end tag");
    let html = render(&single());
    let (dom, errors) = parse_errors(&html);
    assert!(errors.is_empty(), "parse errors: {errors:?}");
    for id in ["title", "scores", "timeline", "safety", "analysis", "transcript", "not-measured"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    assert!(!html.contains("id=\"conversation\""), "one recording has no conversation section");
    let elements = elements(&dom);
    // Self-contained: nothing is fetched.
    for (name, attrs) in &elements {
        assert!(!matches!(name.as_str(), "script" | "img" | "link" | "iframe" | "object"), "<{name}> found");
        for (key, value) in attrs {
            assert!(!value.contains("//"), "<{name} {key}={value}> points outside the page");
        }
    }
    // Every in-page link lands on an element that exists.
    let ids: Vec<&str> =
        elements.iter().flat_map(|(_, a)| a.iter().filter(|(k, _)| k == "id").map(|(_, v)| v.as_str())).collect();
    for (_, attrs) in &elements {
        for (_, target) in attrs.iter().filter(|(k, _)| k == "href") {
            let target = target.strip_prefix('#').expect("in-page link");
            assert!(ids.contains(&target), "#{target} has no element");
        }
    }
    // Charts have text alternatives.
    let charts: Vec<_> = elements.iter().filter(|(n, _)| n == "svg").collect();
    assert!(charts.len() >= 5, "speech, loudness, video, safety, issues, transcript lanes");
    assert!(charts.iter().all(|(_, a)| a.iter().any(|(k, v)| k == "aria-label" && !v.is_empty())));
}

#[test]
fn figures_come_from_the_documents_and_text_is_escaped() {
    let html = render(&single());
    for figure in [">77.7<", ">71.2<", ">45.5<", ">25.0<", ">88.0<", ">82.5<"] {
        assert!(html.contains(figure), "{figure}");
    }
    assert!(html.contains("Integrated loudness -31.5 LUFS"));
    assert!(html.contains("Speaking 61 % of the time."));
    assert!(html.contains("Hello &lt;b&gt;there&lt;/b&gt; &amp; welcome."), "transcript escaped");
    assert!(html.contains("Background noise &lt;hum&gt;"), "issue escaped");
    assert!(html.contains("RM_&lt;demo&gt;"), "session id escaped");
    assert!(!html.contains("<b>there</b>"));
    assert!(html.contains("no transcript words"), "a null component gives its reason");
    assert!(html.contains("recording has no video stream"), "a missing half gives its reason");
    assert!(html.contains("no LLM provider is configured"), "an unjudged category gives its reason");
    // The offensive quote at 12.5 s links to the segment that starts at 12 s.
    assert!(html.contains("<a class=\"ts\" href=\"#seg-1\">0:12</a>"), "evidence links to the transcript");
    assert!(html.contains("realtime client"), "realtime events listed");
    assert_eq!(html.matches("A word list.").count(), 1, "a limitation merged from two participants is shown once");
    assert!(html.contains("Detectors: lexicon/en 1.</p>"), "a detector is named once");
    assert!(html.contains("flag-covered"), "video flag lane");
    assert!(html.contains("-35.5 LUFS"), "loudness values in hover titles");
}

#[test]
fn a_one_to_one_session_shows_each_person_and_the_talk_ratio() {
    let mut documents = single();
    documents.manifest = Some(manifest(
        json!([{"name": "bob/transcribe", "status": "skipped", "reason": "bob muted", "duration_ms": 0}]),
        json!([{"participant": "alice", "offset_s": 0.0}, {"participant": "bob", "offset_s": 5.0}]),
    ));
    documents.timeline = None;
    documents.engagement = Some(json!({"score": 90.0, "conversation": {
    "turn_count": 4, "turns_per_minute": 8.0, "interruption_count": 1, "overlap_s": 0.5, "mutual_silence_s": 2.0,
    "balance": 0.8, "response_latency": {"count": 3, "mean_s": 0.4, "median_s": 0.35},
    "participants": [
        {"participant": "alice", "talk_share": 0.6, "talk_time_s": 12.0, "turns": 2, "interruptions": 1, "longest_turn_s": 7.0},
        {"participant": "bob", "talk_share": 0.4, "talk_time_s": 8.0, "turns": 2, "interruptions": 0, "longest_turn_s": 5.0}
    ]}}));
    documents.participants = ["alice", "bob"]
        .iter()
        .enumerate()
        .map(|(i, id)| ParticipantDocuments {
            participant: id.to_string(),
            part: None,
            offset_s: i as f64 * 5.0,
            quality: Some(json!({"score": 60.0 + i as f64, "issues": []})),
            engagement: Some(json!({"score": 70.0 + i as f64,
                "voice": {"speech_segments": [{"start_s": 1.0, "end_s": 4.0}],
                          "longest_monologue": {"start_s": 1.0, "end_s": 4.0, "duration_s": 3.0}}})),
        })
        .collect();
    documents.transcripts[0].participant = Some("alice".into());
    let html = render(&documents);
    let (_, errors) = parse_errors(&html);
    assert!(errors.is_empty(), "parse errors: {errors:?}");
    assert!(html.contains("id=\"conversation\""));
    assert!(html.contains("alice 60 %") && html.contains("bob 40 %"), "talk ratio");
    assert!(html.contains("median 0.35 s over 3 replies"));
    assert!(html.contains(">60.0<") && html.contains(">61.0<"), "each person's quality");
    assert!(html.contains("3 s from 0:06"), "bob's monologue on the session clock (offset 5 s)");
    assert!(html.contains("bob muted"), "a participant's skipped stage gives its reason");
    assert!(html.contains("alice speech") && html.contains("bob speech"), "speech lanes rebuilt without timeline.json");
}

#[test]
fn an_empty_session_still_renders_and_says_what_is_missing() {
    let html = render(&SessionDocuments { session_id: "empty".into(), ..SessionDocuments::default() });
    let (_, errors) = parse_errors(&html);
    assert!(errors.is_empty(), "parse errors: {errors:?}");
    assert!(html.contains("No combined score"));
    assert!(html.contains("quality.json was not written"));
    assert!(html.contains("No timeline: the recording's duration is unknown."));
    assert!(html.contains("No transcript"));
    assert!(html.contains("manifest.json is missing"));
}

#[test]
fn the_compression_sub_score_says_how_strong_the_block_edges_are() {
    let mut documents = single();
    documents.quality = Some(json!({
        "score": 60.0,
        "audio": {"score": null, "reason": "recording has no audio stream", "metrics": null, "sub_scores": null},
        "video": {"score": 60.0,
            "metrics": {"width": 640, "height": 360, "compression": {"frames_measured": 10, "block_edge_factor": 1.724, "blur": 0.31}},
            "sub_scores": {"compression": {"score": 0.0}}},
        "issues": []
    }));
    let html = render(&documents);
    assert!(html.contains(">compression<"), "the sub-score is listed");
    assert!(html.contains("Luma steps at 8-pixel block edges 1.72× those inside blocks (1 = no blocks)."));
}
