//! The web page in a real browser: Debian's Chromium driven by playwright-core 1.64
//! (`crates/server/web/tests/browser.mjs`), a fake camera and microphone from generated files,
//! against the whole platform (Postgres, livekit-server, Egress, the S3 server, the server with
//! its workers and Whisper tiny). Start → LiveKit records the published tracks → End → processed
//! → the page shows the scores and the transcript of the spoken file; a second page joins through
//! the invite link (1:1, one egress each, conversation metrics); safety events posted from the
//! page; a denied camera; the server gone. Screenshots of each state go to
//! `$CARGO_TARGET_DIR/test-artifacts/web/` (else the system temp folder).
//! Nothing here is skipped: a missing Chromium, npm package or fixture fails the test.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use session_testkit::fixture;
use support::stack::Stack;

/// Seconds the page publishes once LiveKit's egress is recording.
const RECORD_S: u32 = 12;
/// Words of `speech.wav` (scripts/make-fixtures) that Whisper tiny should hear in any 12 s of it.
const SPOKEN_WORDS: &[&str] = &[
    "morning",
    "thank",
    "joining",
    "interview",
    "project",
    "proud",
    "scheduling",
    "service",
    "waiting",
    "hardest",
    "data",
    "traffic",
    "month",
];

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web")
}

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM_BIN").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into());
    assert!(path.exists(), "{} is missing: install Debian's chromium (scripts/setup does)", path.display());
    path
}

fn artifacts_dir() -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join("test-artifacts").join("web");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// Runs `program args` in the web folder; panics with its output unless it succeeds.
fn run(what: &str, program: &Path, args: &[&str], envs: &[(&str, String)]) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(web_dir())
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {}: {e}", program.display()));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{what} failed ({}):\n{text}", output.status);
    text
}

/// Type-checks the page's TypeScript and bundles it into `out` with the installed npm packages.
fn build_page(out: &Path) {
    let modules = web_dir().join("node_modules");
    for package in ["playwright-core", "livekit-client", "esbuild", "typescript"] {
        assert!(
            modules.join(package).exists(),
            "npm package {package} is missing in {}: run scripts/build-web (npm ci)",
            modules.display()
        );
    }
    run("tsc --noEmit", &modules.join(".bin/tsc"), &["--noEmit", "-p", "."], &[]);
    run("the page's bundle", Path::new("node"), &["build.mjs", &out.display().to_string()], &[]);
    for file in ["index.html", "app.js", "app.css"] {
        assert!(out.join(file).exists(), "the build wrote no {file}");
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

#[test]
fn the_page_records_a_session_in_chromium_and_shows_its_result() {
    let chromium = chromium();
    let shots = artifacts_dir();
    let work = tempfile::Builder::new().prefix("web-page-").tempdir().expect("temp folder");
    let page_dir = work.path().join("page");
    build_page(&page_dir);
    let stack = Stack::start_with(|platform| {
        // As scripts/start runs it for a person: no API token, the page served from WEB_DIR,
        // Whisper behind Silero VAD, and the hidden room monitor at its default threshold.
        platform.env.remove("API_TOKEN");
        platform.env.insert("WEB_DIR".into(), page_dir.display().to_string());
        platform.with_transcription();
        platform.with_room_monitor(None);
    });
    let result_path = work.path().join("browser-result.json");
    let envs = [
        ("BASE_URL", stack.platform.base_url()),
        ("SCREENSHOTS_DIR", shots.display().to_string()),
        ("RESULT_PATH", result_path.display().to_string()),
        ("RECORD_S", RECORD_S.to_string()),
        ("LIVEKIT_HTTP_URL", stack.livekit.ws_url().replacen("ws://", "http://", 1)),
        ("EGRESS_TOKEN", stack.egress_token()),
        ("CAMERA_Y4M", fixture("camera.y4m").display().to_string()),
        ("MICROPHONE_WAV", fixture("microphone.wav").display().to_string()),
        ("CHROMIUM_BIN", chromium.display().to_string()),
        ("LIVEKIT_API_KEY", support::API_KEY.to_string()),
        ("LIVEKIT_API_SECRET", support::API_SECRET.to_string()),
    ];
    let output = Command::new("node")
        .arg("tests/browser.mjs")
        .current_dir(web_dir())
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run node tests/browser.mjs");
    let log = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let seen: Value = std::fs::read(&result_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| panic!("the browser script wrote no result:\n{log}"));
    let context = || {
        format!(
            "browser saw: {seen:#}\nbrowser log:\n{log}\nserver log:\n{}\n{}",
            stack.server.log_text(),
            stack.logs()
        )
    };
    assert!(output.status.success() && seen.get("error").is_none(), "the browser script failed: {}", context());

    // A denied camera is named, with Retry focused; Retry after allowing it brings the preview.
    assert_eq!(seen["denied_kind"], "denied", "{}", context());
    assert!(text(&seen["denied_message"]).contains("denied"), "{}", context());
    assert_eq!((&seen["retry_focused"], &seen["start_disabled_when_denied"]), (&Value::Bool(true), &Value::Bool(true)));
    assert_eq!(seen["retry_recovered"], true);
    // No camera or microphone at all: said so.
    assert_eq!(seen["missing_kind"], "missing", "{}", context());
    assert!(text(&seen["missing_message"]).contains("No camera or microphone was found"), "{}", context());
    // The server gone: a sentence saying so, and the page stays ready to try again.
    assert!(text(&seen["server_down_message"]).contains("cannot be reached"), "{}", context());
    assert_eq!(seen["server_down_phase"], "ready");
    // A token LiveKit refuses (expired an hour ago): said so, and a new session offered.
    let expired = text(&seen["expired_message"]);
    assert!(expired.contains("refused this session's access token"), "{expired}\n{}", context());
    // The room closed under a live session: said so, with End still there to finish it.
    let lost = text(&seen["disconnected_message"]);
    assert!(lost.contains("room was closed"), "{lost}\n{}", context());
    assert_eq!(seen["disconnected_end_enabled"], true);

    // Start: the page published camera and microphone, LiveKit recorded them (egress active).
    let id = text(&seen["session_id"]);
    assert_eq!(seen["published"], "audio,video", "{}", context());
    assert_eq!(seen["focus_after_start"], "end", "End takes the focus once live");
    assert_eq!(seen["invite_link_has_session"], true);
    let recorders: Vec<String> = seen["egress_ids"].as_array().into_iter().flatten().map(text).collect();
    assert!(recorders.len() == 2 && recorders.iter().all(|e| e.starts_with("EG_")), "{recorders:?}");
    assert_ne!(recorders[0], recorders[1], "one egress each");
    // The invite link: a second page previews, joins as "guest" and publishes too.
    assert_eq!(seen["guest_button"], "Join session");
    assert_eq!(seen["guest_published"], "audio,video", "{}", context());

    // Safety events: the valid one stored and listed; the invalid one refused with the field named.
    assert_eq!(seen["valid_event"]["stored"], true, "{}", context());
    assert_eq!(seen["invalid_event"]["stored"], false);
    let refusal = text(&seen["safety_message"]);
    assert!(refusal.contains("refused") && refusal.contains("score"), "a clear refusal: {refusal}");
    let stored = stack.platform.query(&format!(
        "SELECT payload FROM session_events WHERE session_id = '{id}' AND event_type = 'safety_event'"
    ));
    // The hidden server-side participant checked both people's cameras and flagged nothing.
    let left = stack.platform.wait_for_event(&id, "monitor_left", Duration::from_secs(60));
    let monitor = &left["payload"]["summary"];
    assert_eq!(monitor["participants"], serde_json::json!(["guest", "host"]), "{left:#}\n{}", context());
    assert!(monitor["frames_scored"].as_u64().is_some_and(|n| n >= 4), "{left:#}");
    // The in-browser nudity check scored frames of the neutral test scene and flagged none.
    assert!(seen["nudity_frames"].as_u64().is_some_and(|n| n >= 2), "{}", seen["nudity_status"]);
    assert_eq!(seen["nudity_backend"], "wasm", "TensorFlow.js runs on its WebAssembly backend");
    assert_eq!(stored.len(), 1, "only the valid posted event is stored, no nudity flag: {stored:?}");
    assert_eq!(stored[0]["payload"]["event"]["source"], "realtime_client");

    // End → processed; the page followed it and shows the result.
    assert_eq!(seen["phase"], "complete", "{}", context());
    let statuses: Vec<String> = seen["statuses_seen"].as_array().into_iter().flatten().map(text).collect();
    assert_eq!(statuses.last().map(String::as_str), Some("complete"), "{statuses:?}");
    let session = stack.platform.query(&format!("SELECT status FROM sessions WHERE id = '{id}'"));
    assert_eq!(session[0]["status"], "complete", "{session:?}");
    let egresses = stack
        .platform
        .query(&format!("SELECT participant_identity, status FROM session_egresses WHERE session_id = '{id}'"));
    for person in ["host", "guest"] {
        let recorded = egresses.iter().any(|e| e["participant_identity"] == person && e["status"] == "complete");
        assert!(recorded, "{person} recorded: {egresses:?}");
    }
    // Both pages show both people and the conversation between them.
    for participants in [&seen["participants"], &seen["guest_participants"]] {
        assert_eq!(participants, &serde_json::json!(["guest", "host"]), "{}", context());
    }
    assert_eq!(seen["guest_phase"], "complete");
    assert!(text(&seen["conversation"]).contains("Turns"), "conversation metrics shown: {}", seen["conversation"]);
    let scores = &seen["scores"];
    for name in ["combined", "quality", "engagement"] {
        let shown = text(&scores[name]);
        assert!(shown.parse::<f64>().is_ok_and(|s| (0.0..=100.0).contains(&s)), "{name} score shown as {shown:?}");
    }
    let subs: Vec<String> = seen["sub_scores"].as_array().into_iter().flatten().map(text).collect();
    for sub in ["loudness", "sharpness", "participation"] {
        assert!(subs.iter().any(|s| s.starts_with(sub)), "sub-score {sub} in {subs:?}");
    }
    let transcript = text(&seen["transcript"]).to_lowercase();
    let heard: Vec<&&str> = SPOKEN_WORDS.iter().filter(|w| transcript.contains(**w)).collect();
    assert!(heard.len() >= 3, "the transcript holds words of the spoken file; heard {heard:?} in {transcript:?}");
    let links: Vec<String> = seen["artifact_links"].as_array().into_iter().flatten().map(text).collect();
    assert!(
        links.iter().any(|l| l == "quality.json") && links.iter().any(|l| l.ends_with("transcript.json")),
        "{links:?}"
    );
    assert!(seen["safety_categories"].as_array().is_some_and(|c| !c.is_empty()), "safety verdicts shown");
    assert_eq!(seen["history_lists_session"], true);
    assert_eq!(seen["foreign_requests"], serde_json::json!([]), "the pages fetch only from the server and LiveKit");
    assert!(seen["phone_overflow_px"].as_i64().is_some_and(|px| px <= 0), "no sideways scrolling at 390 px");

    let restarted = stack.platform.query(&format!(
        "SELECT payload FROM session_events WHERE session_id = '{id}' AND event_type = 'egress_start_timed_out'"
    ));
    eprintln!(
        "web page: nudity check on {} took {} ms a frame ({} frames); room monitor {monitor}; recorders \
         replaced after staying EGRESS_STARTING: {}; screenshots in {}",
        seen["nudity_backend"],
        seen["nudity_check_ms"],
        seen["nudity_frames"],
        restarted.len(),
        shots.display()
    );
    let names = ["01-preview", "02-live", "03-processing", "04-result", "05-phone-width", "06-camera-denied"];
    let more =
        ["06-no-devices", "07-server-down", "08-guest-live", "08-guest-result", "09-token-expired", "10-disconnected"];
    for name in names.into_iter().chain(more) {
        let shot = shots.join(format!("{name}.png"));
        assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 1000), "screenshot {} missing", shot.display());
    }
}
