//! Safety in the pipeline: realtime events stored in the session layout, and the post-session
//! scan on real recordings.

mod support;

use std::path::Path;

use session_processing::{CancelFlag, SafetyCategory, SafetyEvent, SafetySource};
use support::{builder_for, fixture, json, local, read_json};

fn safety_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("safety"))
        .map(|entries| entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Detection times are wall-clock; everything else must repeat exactly on a re-run.
fn without_times(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            map.iter().filter(|(k, _)| *k != "detected_at").map(|(k, v)| (k.clone(), without_times(v))).collect()
        }
        serde_json::Value::Array(items) => items.iter().map(without_times).collect(),
        other => other.clone(),
    }
}

fn category<'a>(scan: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    scan["categories"].as_array().unwrap().iter().find(|c| c["category"] == name).unwrap_or_else(|| panic!("{name}"))
}

const CLIENT_EVENT: &str = r#"{"category":"nudity","score":0.93,"threshold":0.8,"source":"realtime_client",
    "participant":"alice","media_time_s":4.5,"detected_at":"2026-11-24T10:00:00.250Z",
    "detector":{"id":"nsfwjs-mobilenet-v2","version":"4.4.0"},"evidence":{"frame_time_s":4.5}}"#;

#[tokio::test(flavor = "multi_thread")]
async fn realtime_events_are_validated_and_stored_once() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let stored = processor.record_safety_event_json("RM_live", CLIENT_EVENT).await.unwrap();
    assert_eq!(stored.event.decision, session_processing::SafetyDecision::Flagged);
    assert!(stored.artifact.name.starts_with("safety/20261124T100000.250Z-nudity-"), "{}", stored.artifact.name);
    let again = processor.record_safety_event_json("RM_live", CLIENT_EVENT).await.unwrap();
    assert_eq!(again.artifact.name, stored.artifact.name);
    let dir = out.path().join("sessions/RM_live");
    assert_eq!(safety_files(&dir).len(), 1, "a resent event is stored once");
    let on_disk = read_json(&dir.join(&stored.artifact.name));
    assert_eq!(on_disk["score"], 0.93);
    assert_eq!(on_disk["participant"], "alice");

    let bad = CLIENT_EVENT.replace("0.93", "1.7");
    let error = processor.record_safety_event_json("RM_live", &bad).await.unwrap_err();
    assert_eq!((error.code().as_str(), error.kind()), ("safety.invalid_event", "input"));
    assert!(error.to_string().contains("`score`"), "{error}");
    let error = processor.record_safety_event_json("RM_live", &CLIENT_EVENT.replace("nudity", "spam")).await;
    assert!(error.unwrap_err().to_string().contains("category"));
    let error = processor.record_safety_event_json("../escape", CLIENT_EVENT).await.unwrap_err();
    assert_eq!(error.kind(), "input");
    assert_eq!(safety_files(&dir).len(), 1, "refused events leave nothing behind");

    let mut typed = SafetyEvent::from_json(CLIENT_EVENT).unwrap();
    typed.source = SafetySource::RealtimeServer;
    typed.category = SafetyCategory::SuspiciousBehavior;
    processor.record_safety_event("RM_live", typed).await.unwrap();
    assert_eq!(safety_files(&dir).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_event_cannot_claim_the_scans_source_or_carry_a_payload() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let dir = out.path().join("sessions/RM_forged");
    let forged = CLIENT_EVENT.replace("realtime_client", "post_session");
    let error = processor.record_safety_event_json("RM_forged", &forged).await.unwrap_err();
    assert_eq!((error.code().as_str(), error.kind()), ("safety.invalid_event", "input"));
    assert!(error.to_string().contains("`source`") && error.to_string().contains("post_session"), "{error}");
    let mut typed = SafetyEvent::from_json(CLIENT_EVENT).unwrap();
    typed.source = SafetySource::PostSession;
    assert_eq!(processor.record_safety_event("RM_forged", typed).await.unwrap_err().code(), "safety.invalid_event");

    let payload = "x".repeat(16 * 1024);
    let heavy = CLIENT_EVENT
        .replace(r#""evidence":{"frame_time_s":4.5}"#, &format!(r#""evidence":{{"details":{{"blob":"{payload}"}}}}"#));
    assert_ne!(heavy, CLIENT_EVENT, "the test event has the evidence it replaces");
    let error = processor.record_safety_event_json("RM_forged", &heavy).await.unwrap_err();
    assert_eq!(error.code(), "safety.invalid_event");
    assert!(error.to_string().contains("`evidence.details`") && error.to_string().contains("16384"), "{error}");
    assert!(safety_files(&dir).is_empty(), "refused events leave nothing behind");

    let figures = CLIENT_EVENT.replace(r#""evidence":{"frame_time_s":4.5}"#, r#""evidence":{"details":{"porn":0.91}}"#);
    processor.record_safety_event_json("RM_forged", &figures).await.unwrap();
    assert_eq!(safety_files(&dir).len(), 1, "small details are still accepted");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scan_flags_a_frozen_camera_and_rerun_replaces_only_its_own_events() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    processor.record_safety_event_json("RM_frozen", CLIENT_EVENT).await.unwrap();
    let result = processor.process("RM_frozen", local(&fixture("frozen.mp4")), &CancelFlag::new()).await.unwrap();
    let dir = out.path().join("sessions/RM_frozen");
    let scan = read_json(&dir.join("safety-scan.json"));
    assert_eq!(result.safety.as_ref().map(json).as_ref(), Some(&scan));
    let suspicious = category(&scan, "suspicious_behavior");
    assert_eq!(suspicious["decision"], "flagged", "{suspicious}");
    assert!(suspicious["score"].as_f64().unwrap() >= 0.9, "frozen for the whole recording: {suspicious}");
    for name in ["nudity", "violence"] {
        let verdict = category(&scan, name);
        assert!(verdict["score"].is_null(), "{name}: no working detector, so null: {verdict}");
        assert!(!verdict["reason"].as_str().unwrap().is_empty());
    }
    for name in ["offensive", "harassment"] {
        let reason = category(&scan, name)["reason"].as_str().unwrap().to_string();
        assert!(reason.contains("no transcript"), "{name}: {reason}");
    }
    let files = safety_files(&dir);
    let post: Vec<_> = files.iter().filter(|n| n.starts_with("post-session-")).collect();
    assert!(post.iter().any(|n| n.ends_with("-suspicious_behavior.json")), "{files:?}");
    let suspicious_event = post.iter().find(|n| n.ends_with("-suspicious_behavior.json")).unwrap();
    let event = read_json(&dir.join("safety").join(suspicious_event));
    assert_eq!(event["source"], "post_session");
    assert_eq!(event["evidence"]["details"]["signal"], "video_frozen");
    let manifest = read_json(&dir.join("manifest.json"));
    let stage = manifest["stages"].as_array().unwrap().iter().find(|s| s["name"] == "safety").unwrap().clone();
    assert_eq!(stage["status"], "ok");

    processor.process("RM_frozen", local(&fixture("frozen.mp4")), &CancelFlag::new()).await.unwrap();
    assert_eq!(safety_files(&dir), files, "a re-run gives the same events, and the realtime one stays");
    assert_eq!(
        without_times(&read_json(&dir.join("safety-scan.json"))["categories"]),
        without_times(&scan["categories"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn live_looking_recordings_are_not_flagged() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    for name in ["clean.mp4", "unlooped.mp4"] {
        processor.process("RM_live_look", local(&fixture(name)), &CancelFlag::new()).await.unwrap();
        let scan = read_json(&out.path().join("sessions/RM_live_look/safety-scan.json"));
        for category_name in ["suspicious_behavior", "ai_bot"] {
            let verdict = category(&scan, category_name);
            assert_eq!(verdict["decision"], "clear", "{name} {category_name}: {verdict}");
            assert!(verdict["score"].as_f64().unwrap() < 0.5, "{name} {category_name}: {verdict}");
        }
        let post_session: Vec<_> = safety_files(&out.path().join("sessions/RM_live_look"))
            .into_iter()
            .filter(|n| n.starts_with("post-session-"))
            .collect();
        assert!(post_session.is_empty(), "{name}: {post_session:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_loop_is_flagged_as_a_bot() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    processor.process("RM_loop", local(&fixture("looped.mp4")), &CancelFlag::new()).await.unwrap();
    let scan = read_json(&out.path().join("sessions/RM_loop/safety-scan.json"));
    let bot = category(&scan, "ai_bot");
    assert_eq!(bot["decision"], "flagged", "{bot}");
    assert!(bot["signals"]["looped_frame_ratio"].as_f64().unwrap() > 0.5, "{bot}");
    assert_eq!(bot["signals"]["still_frame_ratio"], 0.0, "the loop moves: {bot}");
    assert_eq!(category(&scan, "suspicious_behavior")["decision"], "clear");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_voice_in_a_one_person_track_is_flagged() {
    let out = tempfile::tempdir().unwrap();
    let one_person = session_processing::SafetySettings { one_person_recording: true, ..Default::default() };
    let processor = builder_for(out.path()).safety(one_person).build();
    for (name, flagged) in [("two-voices.wav", true), ("speech.wav", false), ("alice.mp4", false)] {
        processor.process("RM_voices", local(&fixture(name)), &CancelFlag::new()).await.unwrap();
        let scan = read_json(&out.path().join("sessions/RM_voices/safety-scan.json"));
        let verdict = category(&scan, "suspicious_behavior");
        let voices = &verdict["signals"]["second_voice"];
        let score = voices["score"].as_f64().unwrap_or_else(|| panic!("{name}: judged: {verdict}"));
        if flagged {
            assert_eq!(verdict["decision"], "flagged", "{name}: {verdict}");
            assert!(voices["separation_semitones"].as_f64().unwrap() > 6.0, "{name}: {voices}");
            let event =
                verdict["events"].as_array().unwrap().iter().find(|e| e["detector"]["id"] == "signals/second-voice");
            assert!(event.is_some(), "{name}: {verdict}");
        } else {
            assert!(score < 0.2, "{name}: one voice: {voices}");
            assert_eq!(verdict["decision"], "clear", "{name}: {verdict}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_voices_in_a_session_recording_are_not_suspicious_unless_one_person_was_expected() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    // A room composite of a 1:1 holds two voices: not checked, and said so.
    processor.process("RM_composite", local(&fixture("two-voices.wav")), &CancelFlag::new()).await.unwrap();
    let scan = read_json(&out.path().join("sessions/RM_composite/safety-scan.json"));
    let verdict = category(&scan, "suspicious_behavior");
    assert_ne!(verdict["decision"], "flagged", "{verdict}");
    assert!(verdict["signals"]["second_voice"].is_null(), "{verdict}");
    // Audio only: the category is not judged, and its reason says why the voices were not compared.
    let why = verdict["signals"]["second_voice_reason"].as_str().or(verdict["reason"].as_str()).unwrap();
    assert!(why.contains("one person's track"), "{verdict}");
    // The same audio as one participant's own track: one voice expected, so two are flagged.
    let participants = vec![session_processing::ParticipantInput {
        participant: "alice".into(),
        input: local(&fixture("two-voices.wav")),
        offset_s: 0.0,
    }];
    processor.process_participants("RM_track", participants, &CancelFlag::new()).await.unwrap();
    let scan = read_json(&out.path().join("sessions/RM_track/safety-scan.json"));
    assert_eq!(category(&scan, "suspicious_behavior")["decision"], "flagged", "{scan}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_english_word_list_does_not_clear_a_german_transcript() {
    let base = std::env::var_os("WHISPER_BASE_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .expect("WHISPER_BASE_MODEL_DIR: the multilingual Whisper base folder scripts/prepare-whisper-base prints");
    let whisper = session_processing::CandleWhisper::load(&base).expect("load Whisper base");
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).transcriber(std::sync::Arc::new(whisper)).build();
    processor.process("RM_de", local(&fixture("speech-de.wav")), &CancelFlag::new()).await.unwrap();
    let transcript = read_json(&out.path().join("sessions/RM_de/transcript.json"));
    assert_eq!(transcript["language"], "de", "Whisper base hears German");
    let scan = read_json(&out.path().join("sessions/RM_de/safety-scan.json"));
    for name in ["offensive", "harassment"] {
        let verdict = category(&scan, name);
        assert!(verdict["score"].is_null(), "{name}: not judged by an English list: {verdict}");
        assert!(verdict["reason"].as_str().unwrap().contains("transcript in \"de\""), "{verdict}");
    }
}
