//! The whole pipeline on real recordings, into a local folder.

mod support;

use std::sync::{Arc, Mutex};

use session_processing::{CancelFlag, ProcessingError, RunStatus, StageStatus};
use support::{builder_for, fixture, json, local, number, read_json};

fn stage<'a>(result: &'a session_processing::SessionResult, name: &str) -> &'a session_processing::StageReport {
    result.stages.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no stage {name}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_the_seed_layout_with_a_complete_manifest() {
    let out = tempfile::tempdir().unwrap();
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    let processor = builder_for(out.path()).on_progress(move |p| seen.lock().unwrap().push(p.fraction)).build();
    let result = processor.process("RM_clean-1", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();

    let dir = out.path().join("sessions/RM_clean-1");
    for name in
        ["recording.mp4", "audio.wav", "quality.json", "engagement.json", "combined-score.json", "manifest.json"]
    {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    assert!(!dir.join("transcript.json").exists(), "no transcriber configured: no transcript may be written");
    assert_eq!(std::fs::read(dir.join("recording.mp4")).unwrap(), std::fs::read(fixture("clean.mp4")).unwrap());

    let manifest = read_json(&dir.join("manifest.json"));
    assert_eq!(manifest["status"], "complete");
    assert_eq!(manifest["session_id"], "RM_clean-1");
    let stages = manifest["stages"].as_array().unwrap();
    let transcribe = stages.iter().find(|s| s["name"] == "transcribe").unwrap();
    assert_eq!(transcribe["status"], "skipped");
    assert!(transcribe["reason"].as_str().unwrap().contains("no transcriber"));
    assert!(stages.iter().filter(|s| s["status"] == "failed").count() == 0, "{stages:?}");

    for name in ["quality.json", "engagement.json", "combined-score.json"] {
        let report = read_json(&dir.join(name));
        assert_eq!(report["schema_version"], session_processing::SCHEMA_VERSION, "{name}");
        assert_eq!(report["session_id"], "RM_clean-1", "{name}");
        assert!(report["generated_at"].as_str().unwrap().ends_with('Z'), "{name}");
        assert!(report["library_version"].is_string(), "{name}");
        let score = number(&report, &["score"]).unwrap_or_else(|| panic!("{name} has no score"));
        assert!((0.0..=100.0).contains(&score), "{name}: {score}");
    }
    let quality = read_json(&dir.join("quality.json"));
    assert!(number(&quality, &["audio", "score"]).unwrap() >= 80.0, "clean speech: {quality}");
    assert!(number(&quality, &["video", "score"]).is_some());
    let engagement = read_json(&dir.join("engagement.json"));
    let speech_ratio = number(&engagement, &["speech_ratio"]).unwrap();
    assert!((0.6..=1.0).contains(&speech_ratio), "five spoken sentences with short pauses: {speech_ratio}");
    let combined = read_json(&dir.join("combined-score.json"));
    assert!(combined["missing"].as_array().unwrap().iter().any(|m| m["name"] == "analysis"));

    let wav = std::fs::read(dir.join("audio.wav")).unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 16_000);
    let seconds = (wav.len() - 44) as f64 / 32_000.0;
    assert!((seconds - result.media.as_ref().unwrap().duration_s.unwrap()).abs() < 0.2, "audio.wav lasts {seconds} s");

    assert_eq!(result.status, RunStatus::Complete);
    for artifact in &result.artifacts {
        let on_disk = std::fs::metadata(&artifact.location).unwrap().len();
        assert_eq!(artifact.bytes, on_disk, "{}", artifact.name);
    }
    assert_eq!(stage(&result, "audio").status, StageStatus::Ok);
    let fractions = progress.lock().unwrap().clone();
    assert!(fractions.len() >= 5 && fractions.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{fractions:?}");
    assert!((fractions.last().unwrap() - 1.0).abs() < 1e-9);
}

#[tokio::test(flavor = "multi_thread")]
async fn rerunning_a_session_replaces_it_with_the_same_scores() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let first = processor.process("same", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    let second = processor.process("same", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    for (a, b) in [
        (json(&first.quality), json(&second.quality)),
        (json(&first.engagement), json(&second.engagement)),
        (json(&first.combined), json(&second.combined)),
    ] {
        let strip = |v: serde_json::Value| {
            let mut v = v;
            v.as_object_mut().unwrap().remove("generated_at");
            v
        };
        assert_eq!(strip(a), strip(b));
    }
    // A stale artifact from an earlier run disappears when the new run does not produce it.
    let dir = out.path().join("sessions/same");
    std::fs::write(dir.join("transcript.json"), "{}").unwrap();
    processor.process("same", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert!(!dir.join("transcript.json").exists());
    let expected = [
        "recording.mp4",
        "audio.wav",
        "quality.json",
        "engagement.json",
        "combined-score.json",
        "safety-scan.json",
        "safety",
        "timeline.json",
        "report.html",
        "manifest.json",
        // The session's lease: a lock file locally, where the OS lock is what counts (decision 014).
        ".lease.json",
    ];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(expected.contains(&name.as_str()), "no temporary files left behind: {name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_egress_format_is_processed() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    for (name, audio, video) in [
        ("opus.mp4", true, true),
        ("vp8.webm", true, true),
        ("vp9.webm", true, true),
        ("audio.ogg", true, false),
        ("audio.m4a", true, false),
        ("video-only.mp4", false, true),
    ] {
        let id = name.replace('.', "-");
        let result = processor
            .process(&id, local(&fixture(name)), &CancelFlag::new())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let expect = |present| {
            if present { StageStatus::Ok } else { StageStatus::Skipped }
        };
        assert_eq!(stage(&result, "audio").status, expect(audio), "{name}");
        assert_eq!(stage(&result, "video").status, expect(video), "{name}");
        let dir = out.path().join("sessions").join(&id);
        let extension = name.rsplit('.').next().unwrap();
        assert!(dir.join(format!("recording.{extension}")).is_file(), "{name}: recording kept with its own extension");
        assert_eq!(dir.join("audio.wav").is_file(), audio, "{name}");
        let quality = read_json(&dir.join("quality.json"));
        assert_eq!(number(&quality, &["audio", "score"]).is_some(), audio, "{name}");
        assert_eq!(number(&quality, &["video", "score"]).is_some(), video, "{name}");
        let missing = if audio { &quality["video"] } else { &quality["audio"] };
        if !(audio && video) {
            assert!(missing["reason"].as_str().unwrap().contains("no "), "{name}: {missing}");
        }
        assert!(number(&quality, &["score"]).is_some(), "{name}: the present half still scores");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_recording_fails_with_a_typed_error_and_a_failed_manifest() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    for (name, code) in [
        ("truncated.mp4", "media.input_truncated"),
        ("empty.mp4", "media.input_empty"),
        ("not-media.mp4", "media.input_not_media"),
        ("does-not-exist.mp4", "media.input_not_found"),
    ] {
        let id = format!("broken-{}", name.replace('.', "-"));
        let input = fixture("clean.mp4").with_file_name(name);
        let err = processor.process(&id, local(&input), &CancelFlag::new()).await.unwrap_err();
        assert_eq!(err.code(), code, "{name}: {err}");
        assert_eq!(err.kind(), "input", "{name}");
        assert!(err.to_string().contains(name), "the message names the file: {err}");
        let dir = out.path().join("sessions").join(&id);
        let manifest = read_json(&dir.join("manifest.json"));
        assert_eq!(manifest["status"], "failed", "{name}");
        assert_eq!(manifest["error"]["code"], code, "{name}");
        assert!(!dir.join("quality.json").exists(), "{name}: a failed run writes no scores");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_session_ids_are_rejected_before_anything_is_written() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    for id in ["../escape", "a/b", "", "tab\tid"] {
        let err = processor.process(id, local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap_err();
        assert!(matches!(err, ProcessingError::Input(_)), "{id:?}: {err}");
    }
    assert!(
        !out.path().join("sessions").exists() || std::fs::read_dir(out.path().join("sessions")).unwrap().count() == 0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_stops_the_run_and_marks_it_failed() {
    let out = tempfile::tempdir().unwrap();
    let cancel = CancelFlag::new();
    let trigger = cancel.clone();
    let processor = builder_for(out.path())
        .on_progress(move |p| {
            if p.stage == "media" {
                trigger.cancel();
            }
        })
        .build();
    let err = processor.process("cancelled", local(&fixture("clean.mp4")), &cancel).await.unwrap_err();
    assert_eq!(err.kind(), "cancelled", "{err}");
    // Cancelled inside the decoder, it is the one cancellation variant, naming the session.
    assert!(err.is_cancelled(), "{err:?}");
    assert_eq!(err.to_string(), "processing of session cancelled was cancelled");
    let dir = out.path().join("sessions/cancelled");
    let manifest = read_json(&dir.join("manifest.json"));
    assert_eq!(manifest["status"], "failed");
    assert_eq!(manifest["error"]["code"], "cancelled");
    assert!(!dir.join("combined-score.json").exists());
}

#[test]
fn the_blocking_entry_point_runs_on_the_library_runtime() {
    let out = tempfile::tempdir().unwrap();
    let result = builder_for(out.path())
        .build()
        .process_blocking("blocking", local(&fixture("audio.ogg")), &CancelFlag::new())
        .unwrap();
    assert_eq!(result.status, RunStatus::Complete);
    assert!(result.artifacts.iter().any(|a| a.name == "recording.ogg"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_to_one_session_scores_each_participant_and_the_conversation() {
    use session_processing::ParticipantInput;
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let participants = vec![
        ParticipantInput { participant: "alice".into(), input: local(&fixture("alice.mp4")), offset_s: 0.0 },
        ParticipantInput { participant: "bob".into(), input: local(&fixture("bob.mp4")), offset_s: 0.0 },
    ];
    let result = processor.process_participants("match-42", participants, &CancelFlag::new()).await.unwrap();
    let dir = out.path().join("sessions/match-42");
    for who in ["alice", "bob"] {
        for name in ["recording.mp4", "audio.wav", "quality.json", "engagement.json"] {
            assert!(dir.join("participants").join(who).join(name).is_file(), "{who}/{name}");
        }
        assert!(result.stages.iter().any(|s| s.name == format!("{who}/audio") && s.status == StageStatus::Ok));
    }
    let engagement = read_json(&dir.join("engagement.json"));
    let conversation = &engagement["conversation"];
    let turns = conversation["turn_count"].as_u64().unwrap();
    assert!((3..=6).contains(&turns), "four alternating turns: {conversation}");
    for talk in conversation["participants"].as_array().unwrap() {
        let share = talk["talk_share"].as_f64().unwrap();
        assert!((0.3..=0.7).contains(&share), "balanced conversation: {talk}");
    }
    assert!(conversation["overlap_s"].as_f64().unwrap() < 1.0, "{conversation}");
    assert!(number(&engagement, &["speech_ratio"]).unwrap() > 0.6);
    let quality = read_json(&dir.join("quality.json"));
    assert_eq!(quality["participants"].as_array().unwrap().len(), 2);
    assert!(number(&quality, &["score"]).is_some() && number(&quality, &["audio", "score"]).is_some());
    assert!(number(&read_json(&dir.join("combined-score.json")), &["score"]).is_some());
    let manifest = read_json(&dir.join("manifest.json"));
    assert_eq!(manifest["participants"].as_array().unwrap().len(), 2);
    assert_eq!(manifest["status"], "complete");

    let duplicate = vec![
        ParticipantInput { participant: "alice".into(), input: local(&fixture("alice.mp4")), offset_s: 0.0 },
        ParticipantInput { participant: "alice".into(), input: local(&fixture("bob.mp4")), offset_s: 0.0 },
    ];
    let err = processor.process_participants("dup", duplicate, &CancelFlag::new()).await.unwrap_err();
    assert!(err.to_string().contains("appears twice"), "{err}");
    let bad = vec![ParticipantInput { participant: "../bob".into(), input: local(&fixture("bob.mp4")), offset_s: 0.0 }];
    assert!(
        processor
            .process_participants("bad", bad, &CancelFlag::new())
            .await
            .unwrap_err()
            .to_string()
            .contains("participant id")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_over_a_media_limit_fails_with_the_limit_named_and_kind_input() {
    let out = tempfile::tempdir().unwrap();
    // clean.mp4 is 640x360: a limit of 320x180 pixels refuses it before any decoder runs.
    let limits = session_processing::Limits { max_frame_pixels: 320 * 180, ..Default::default() };
    let processor = builder_for(out.path()).limits(limits).build();
    let error = processor.process("limited", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap_err();
    assert_eq!(error.code(), "media.limit_frame_size", "{error}");
    assert_eq!(error.kind(), "input", "a file over a limit is the input's problem, not the decoder's");
    assert!(error.to_string().contains("max_frame_pixels"), "names the limit to raise: {error}");
    let manifest = read_json(&out.path().join("sessions/limited/manifest.json"));
    assert_eq!(manifest["status"], "failed");
    assert_eq!(manifest["error"]["code"], "media.limit_frame_size");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_cut_short_keeps_its_playable_part_and_says_it_is_damaged() {
    let out = tempfile::tempdir().unwrap();
    let whole = std::fs::read(fixture("vp8.webm")).unwrap();
    let cut = out.path().join("cut.webm");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let processor = builder_for(out.path()).build();
    processor.process("cut", local(&cut), &CancelFlag::new()).await.unwrap();
    let quality = read_json(&out.path().join("sessions/cut/quality.json"));
    let damaged: Vec<&serde_json::Value> =
        quality["issues"].as_array().unwrap().iter().filter(|i| i["code"] == "media_damaged").collect();
    assert!(!damaged.is_empty(), "the missing end is reported: {}", quality["issues"]);
    let end = damaged.iter().map(|i| i["end_s"].as_f64().unwrap()).fold(0.0, f64::max);
    let start = damaged[0]["start_s"].as_f64().unwrap();
    assert!(start > 3.0 && end > start, "the playable part is kept, the rest is named: {damaged:?}");
    let intact = builder_for(out.path()).build();
    intact.process("whole", local(&fixture("vp8.webm")), &CancelFlag::new()).await.unwrap();
    let quality = read_json(&out.path().join("sessions/whole/quality.json"));
    assert!(!quality["issues"].as_array().unwrap().iter().any(|i| i["code"] == "media_damaged"), "{quality}");
}
