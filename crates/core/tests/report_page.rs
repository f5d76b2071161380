//! `timeline.json` and `report.html` from real processed sessions: every section present, the
//! figures on the page equal to the JSON beside it, skipped stages explained, and the stored
//! report re-rendered byte for byte by `render_report`.

mod support;

use std::path::Path;
use std::sync::Arc;

use session_processing::{CancelFlag, CandleWhisper, ParticipantInput, StoredSession, render_report, write_report};
use support::{builder_for, fixture, local, model_dir, number, read_json};

const SECTIONS: [&str; 8] = [
    "id=\"title\"",
    "id=\"scores\"",
    "id=\"timeline\"",
    "id=\"safety\"",
    "id=\"analysis\"",
    "id=\"transcript\"",
    "id=\"not-measured\"",
    "</html>",
];

fn report(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("report.html")).expect("report.html written")
}

/// The page shows `value` as the page formats scores: one decimal.
fn shows(html: &str, value: f64) -> bool {
    html.contains(&format!(">{value:.1}<"))
}

#[tokio::test(flavor = "multi_thread")]
async fn one_recording_gets_a_timeline_and_a_report_that_match_its_json() {
    let out = tempfile::tempdir().unwrap();
    let whisper = CandleWhisper::load(&model_dir()).expect("load Whisper tiny.en");
    let processor = builder_for(out.path()).transcriber(Arc::new(whisper)).build();
    let result = processor.process("report-1", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    let dir = out.path().join("sessions/report-1");

    let timeline = read_json(&dir.join("timeline.json"));
    assert_eq!(timeline["schema_version"], session_processing::SCHEMA_VERSION);
    assert_eq!(timeline["step_s"], 1.0);
    let track = &timeline["tracks"][0];
    assert!(track["participant"].is_null());
    let duration = number(&timeline, &["duration_s"]).unwrap();
    let loudness = track["loudness_lufs"].as_array().unwrap();
    assert_eq!(loudness.len(), duration.floor() as usize, "one value per whole second of {duration} s");
    let measured: Vec<f64> = loudness.iter().filter_map(|v| v.as_f64()).collect();
    assert!(measured.len() * 2 > loudness.len(), "speech most of the time: {loudness:?}");
    assert!(measured.iter().all(|l| (-70.0..=0.0).contains(l)), "{measured:?}");
    let engagement = read_json(&dir.join("engagement.json"));
    let segments = engagement["voice"]["speech_segments"].as_array().unwrap();
    let speech = track["speech"].as_array().unwrap();
    assert_eq!(speech.len(), segments.len(), "the speech lane is engagement's segments");
    assert_eq!(speech[0][0], segments[0]["start_s"]);
    assert!(track["video_flags"].is_array(), "the clip has video: {track}");
    assert!(number(track, &["frames_sampled"]).unwrap() >= 1.0);
    let bytes = std::fs::metadata(dir.join("timeline.json")).unwrap().len();
    assert!(bytes < 20_000, "a short clip's timeline stays small: {bytes} bytes");

    let html = report(&dir);
    for section in SECTIONS {
        assert!(html.contains(section), "{section} missing");
    }
    let combined = read_json(&dir.join("combined-score.json"));
    assert!(shows(&html, number(&combined, &["score"]).unwrap()), "the combined score is shown");
    let quality = read_json(&dir.join("quality.json"));
    for (half, sub) in [("audio", "loudness"), ("audio", "noise"), ("video", "sharpness"), ("video", "brightness")] {
        let value = number(&quality, &[half, "sub_scores", sub, "score"]).unwrap();
        assert!(shows(&html, value), "{half}.{sub} = {value} is shown");
    }
    let lufs = number(&quality, &["audio", "metrics", "integrated_loudness_lufs"]).unwrap();
    assert!(
        html.contains(&format!("Integrated loudness {lufs:.1} LUFS")),
        "the sentence behind the loudness sub-score"
    );
    let transcript = read_json(&dir.join("transcript.json"));
    for segment in transcript["segments"].as_array().unwrap() {
        let text = segment["text"].as_str().unwrap().trim();
        assert!(html.contains(&text.replace('\'', "&#39;")), "transcript segment {text:?} shown");
    }
    assert!(html.contains("no LLM provider is configured"), "the skipped analysis says why");
    assert!(!html.contains("http://") && !html.contains("https://"), "no network reference");
    assert!(!html.contains("<script"), "no script");
    assert!(result.artifacts.iter().any(|a| a.name == "report.html"));
    assert!(read_json(&dir.join("manifest.json"))["stages"].as_array().unwrap().iter().any(|s| s["name"] == "report"));

    // Rendered again from the stored JSON, the page is the same.
    let folder = dir.display().to_string();
    let again = render_report(&StoredSession::parse(&folder).unwrap(), &Default::default()).await.unwrap();
    assert_eq!(again, html, "render_report reproduces the stored report");
    let elsewhere = out.path().join("copy.html");
    let written =
        write_report(&StoredSession::parse(&folder).unwrap(), &Default::default(), Some(&elsewhere)).await.unwrap();
    assert_eq!(written, elsewhere.display().to_string());
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), html);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_to_one_session_shows_both_people_and_the_conversation() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let participants = vec![
        ParticipantInput { participant: "alice".into(), input: local(&fixture("alice.mp4")), offset_s: 0.0 },
        ParticipantInput { participant: "bob".into(), input: local(&fixture("bob.mp4")), offset_s: 2.0 },
    ];
    processor.process_participants("report-1on1", participants, &CancelFlag::new()).await.unwrap();
    let dir = out.path().join("sessions/report-1on1");

    let timeline = read_json(&dir.join("timeline.json"));
    let tracks = timeline["tracks"].as_array().unwrap();
    assert_eq!(tracks.iter().map(|t| t["participant"].as_str().unwrap()).collect::<Vec<_>>(), ["alice", "bob"]);
    let bob_engagement = read_json(&dir.join("participants/bob/engagement.json"));
    let own_start = number(&bob_engagement["voice"]["speech_segments"][0], &["start_s"]).unwrap();
    let lane_start = tracks[1]["speech"][0][0].as_f64().unwrap();
    assert!((lane_start - (own_start + 2.0)).abs() < 0.011, "bob's lane is on the session clock: {lane_start}");

    let html = report(&dir);
    assert!(html.contains("id=\"conversation\""), "the conversation section");
    assert!(html.contains("alice speech") && html.contains("bob speech"), "one lane per person");
    let engagement = read_json(&dir.join("engagement.json"));
    for p in engagement["conversation"]["participants"].as_array().unwrap() {
        let share = number(p, &["talk_share"]).unwrap();
        let label = format!("{} {:.0} %", p["participant"].as_str().unwrap(), share * 100.0);
        assert!(html.contains(&label), "talk ratio {label} shown");
    }
    for who in ["alice", "bob"] {
        let quality = read_json(&dir.join(format!("participants/{who}/quality.json")));
        assert!(shows(&html, number(&quality, &["score"]).unwrap()), "{who}'s quality shown");
    }
    assert!(html.contains("no transcriber is configured"), "the missing transcript says why");
}

#[tokio::test(flavor = "multi_thread")]
async fn disabled_stages_write_no_report_and_a_missing_session_is_a_clear_error() {
    let out = tempfile::tempdir().unwrap();
    let stages = session_processing::Stages { report: false, ..Default::default() };
    let processor = builder_for(out.path()).stages(stages).build();
    processor.process("no-report", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    let dir = out.path().join("sessions/no-report");
    assert!(!dir.join("report.html").exists() && !dir.join("timeline.json").exists());
    let manifest = read_json(&dir.join("manifest.json"));
    let report = manifest["stages"].as_array().unwrap().iter().find(|s| s["name"] == "report").unwrap().clone();
    assert_eq!(report["status"], "skipped");

    // An older session (no timeline.json) still renders, and says what it lacks.
    let html =
        render_report(&StoredSession::parse(&dir.display().to_string()).unwrap(), &Default::default()).await.unwrap();
    assert!(html.contains("did not write"), "the page says the timeline data is missing");

    let missing = out.path().join("sessions/nobody");
    let error = render_report(&StoredSession::parse(&missing.display().to_string()).unwrap(), &Default::default())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "input");
    assert!(error.to_string().contains("does not exist"), "{error}");
    assert!(!missing.exists(), "reading a report creates no folder");
}

/// Runs `crates/report/tests/browser/check-report.mjs` on the given pages; its JSON.
fn check_in_chromium(shots: &Path, pages: &[(&str, &Path)]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../report/tests/browser/check-report.mjs");
    let mut command = std::process::Command::new("node");
    command.arg(&script).arg(shots);
    for (name, page) in pages {
        command.arg(format!("{name}={}", page.display()));
    }
    let output = command.output().expect("node (Node.js 20) runs the browser check: run scripts/setup");
    assert!(
        output.status.success(),
        "the browser check failed (Chromium and crates/server/web's playwright-core come from scripts/setup and scripts/build-web): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the check prints JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_renders_the_report_without_errors_or_requests_at_desktop_and_phone_width() {
    let out = tempfile::tempdir().unwrap();
    let whisper = CandleWhisper::load(&model_dir()).expect("load Whisper tiny.en");
    let processor = builder_for(out.path()).transcriber(Arc::new(whisper)).build();
    processor.process("browser-1", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    let participants = vec![
        ParticipantInput { participant: "alice".into(), input: local(&fixture("alice.mp4")), offset_s: 0.0 },
        ParticipantInput { participant: "bob".into(), input: local(&fixture("bob.mp4")), offset_s: 0.0 },
    ];
    processor.process_participants("browser-1on1", participants, &CancelFlag::new()).await.unwrap();

    // Kept as test artifacts: look at them as a person would.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"), std::path::PathBuf::from);
    let shots = target.join("test-artifacts/report");
    std::fs::create_dir_all(&shots).unwrap();
    let single = out.path().join("sessions/browser-1/report.html");
    let one_on_one = out.path().join("sessions/browser-1on1/report.html");
    let seen = check_in_chromium(&shots, &[("single", &single), ("1on1", &one_on_one)]);
    for (view, page) in seen.as_object().unwrap() {
        let problems: Vec<&str> = page["console"]
            .as_array()
            .unwrap()
            .iter()
            .chain(page["errors"].as_array().unwrap())
            .filter_map(|m| m.as_str())
            .filter(|m| !m.starts_with("log:") && !m.starts_with("debug:"))
            .collect();
        assert!(problems.is_empty(), "{view}: console errors or warnings: {problems:?}");
        assert_eq!(page["requests"].as_array().unwrap().len(), 0, "{view} made requests: {}", page["requests"]);
        let width = page["width"].as_u64().unwrap();
        assert!(
            page["scrollWidth"].as_u64().unwrap() <= width,
            "{view}: wider than the {width} px viewport: {}",
            page["overflowing"]
        );
        let sections = page["sections"].as_array().unwrap();
        assert!(sections.len() >= 7, "{view}: {sections:?}");
        let shot = std::fs::metadata(page["screenshot"].as_str().unwrap()).unwrap().len();
        assert!(shot > 20_000, "{view}: a screenshot with content ({shot} bytes)");
    }
    assert!(seen["1on1-desktop"]["sections"].as_array().unwrap().iter().any(|s| s == "conversation"));
    let jumped = seen["single-desktop"]["jumped"].as_str().expect("a transcript moment was clicked");
    assert!(jumped.starts_with("seg-"), "the click landed on a transcript segment: {jumped}");
}
