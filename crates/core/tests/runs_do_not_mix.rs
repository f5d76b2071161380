//! Nothing lost, nothing mixed (issue 14), on a local folder: a run never removes its own input,
//! two runs of one session never write it at once, and what a killed run left is cleared.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use session_processing::{CancelFlag, ParticipantInput, StageStatus};
use support::{builder_for, fixture, hold_first_stage, local, read_json};

/// The named stage of a manifest.
fn stage<'a>(manifest: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let stages = manifest["stages"].as_array().expect("stages");
    stages.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no stage {name}: {manifest}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_input_inside_the_session_folder_is_refused_before_anything_is_removed() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    processor.process("dl", local(&fixture("opus.mp4")), &CancelFlag::new()).await.unwrap();
    let dir = out.path().join("sessions/dl");
    let wav = dir.join("audio.wav");
    let before = std::fs::read(&wav).unwrap();

    let elsewhere = tempfile::tempdir().unwrap();
    let link = elsewhere.path().join("link.wav");
    std::os::unix::fs::symlink(&wav, &link).unwrap();
    for input in [wav.clone(), link] {
        let error = processor.process("dl", local(&input), &CancelFlag::new()).await.unwrap_err();
        assert_eq!((error.code().as_str(), error.kind()), ("input.in_session_folder", "input"), "{error}");
        let message = error.to_string();
        assert!(message.contains("audio.wav") && message.contains("session dl"), "{message}");
        assert_eq!(std::fs::read(&wav).unwrap(), before, "{} must be left as it was", input.display());
        assert_eq!(read_json(&dir.join("manifest.json"))["status"], "complete", "a refused run writes nothing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_participant_run_on_its_own_stored_recordings_keeps_them() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let participant =
        |id: &str, path: &Path| ParticipantInput { participant: id.into(), input: local(path), offset_s: 0.0 };
    let first = vec![participant("alice", &fixture("alice.mp4")), participant("bob", &fixture("bob.mp4"))];
    processor.process_participants("pair", first, &CancelFlag::new()).await.unwrap();
    let dir = out.path().join("sessions/pair/participants");
    let stored = [dir.join("alice/recording.mp4"), dir.join("bob/recording.mp4")];
    let bytes: Vec<Vec<u8>> = stored.iter().map(|p| std::fs::read(p).unwrap()).collect();

    let again = vec![participant("alice", &stored[0]), participant("bob", &stored[1])];
    let result = processor.process_participants("pair", again, &CancelFlag::new()).await.unwrap();
    for (path, original) in stored.iter().zip(&bytes) {
        assert_eq!(&std::fs::read(path).unwrap(), original, "{} must survive its own re-run", path.display());
    }
    let kept = result.stages.iter().find(|s| s.name == "alice/store_recording").expect("alice/store_recording");
    assert_eq!(kept.status, StageStatus::Skipped, "{kept:?}");
    assert!(dir.join("alice/quality.json").is_file() && dir.join("bob/engagement.json").is_file());

    // Another participant's recording is not this participant's to keep: refused, nothing removed.
    let swapped = vec![participant("alice", &stored[1])];
    let error = processor.process_participants("pair", swapped, &CancelFlag::new()).await.unwrap_err();
    assert_eq!(error.code(), "input.in_session_folder", "{error}");
    assert!(error.to_string().contains("participants/bob/recording.mp4"), "{error}");
    assert_eq!(std::fs::read(&stored[1]).unwrap(), bytes[1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_an_interrupted_run_left_is_cleared_and_a_kept_recording_stays() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("sessions/left");
    std::fs::create_dir_all(dir.join("participants/ghost")).unwrap();
    // As a run killed mid-upload leaves them: staged pieces, a recording of another extension,
    // a participant folder of another flow.
    for (name, body) in [
        ("recording.mp4#1", &b"half an upload"[..]),
        ("audio.wav#3", b"half a wav"),
        ("recording.webm", b"an older recording"),
        ("participants/ghost/quality.json", b"{}"),
        ("participants/ghost/recording.mp4#2", b"half"),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let processor = builder_for(out.path()).build();
    processor.process("left", local(&fixture("opus.mp4")), &CancelFlag::new()).await.unwrap();
    let mut names = Vec::new();
    let mut folders = vec![dir.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                names.push(path.strip_prefix(&dir).unwrap().display().to_string());
            }
        }
    }
    for gone in ["recording.mp4#1", "audio.wav#3", "recording.webm", "participants/ghost/quality.json"] {
        assert!(!names.iter().any(|n| n == gone), "{gone} survived: {names:?}");
    }
    assert!(!names.iter().any(|n| n.contains('#')), "staged pieces survived: {names:?}");
    assert!(names.iter().any(|n| n == "recording.mp4") && names.iter().any(|n| n == "audio.wav"), "{names:?}");
    assert_eq!(read_json(&dir.join("manifest.json"))["status"], "complete");

    // The recording already in place is the input: kept, and the old one of the same name is it.
    let in_place = dir.join("recording.mp4");
    let bytes = std::fs::read(&in_place).unwrap();
    processor.process("left", local(&in_place), &CancelFlag::new()).await.unwrap();
    assert_eq!(std::fs::read(&in_place).unwrap(), bytes);
    let manifest = read_json(&dir.join("manifest.json"));
    assert_eq!(stage(&manifest, "store_recording")["status"], "skipped", "{manifest}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_of_a_busy_session_fails_fast_and_the_first_is_not_mixed() {
    let out = tempfile::tempdir().unwrap();
    let (builder, entered, release) = hold_first_stage(builder_for(out.path()));
    let first = builder.build();
    // On its own thread and the library's runtime, as another worker would run it.
    let first_run =
        std::thread::spawn(move || first.process_blocking("busy", local(&fixture("opus.mp4")), &CancelFlag::new()));
    entered.recv_timeout(Duration::from_secs(60)).expect("the first run reached its first stage within 60 s");
    let dir = out.path().join("sessions/busy");
    assert_eq!(read_json(&dir.join("manifest.json"))["status"], "running");

    let second = builder_for(out.path()).build();
    let started = Instant::now();
    let error = second.process("busy", local(&fixture("vp8.webm")), &CancelFlag::new()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "busy took {:?}", started.elapsed());
    assert_eq!((error.code().as_str(), error.kind()), ("session.busy", "storage"), "{error}");
    assert!(error.to_string().contains("session busy") && error.to_string().contains("pid "), "{error}");
    assert_eq!(read_json(&dir.join("manifest.json"))["status"], "running", "the busy run wrote nothing");
    assert!(!dir.join("recording.webm").exists(), "the busy run wrote nothing");

    release.send(()).unwrap();
    let result = first_run.join().unwrap().unwrap();
    assert_eq!(result.session_id, "busy");
    let manifest = read_json(&dir.join("manifest.json"));
    assert_eq!(manifest["status"], "complete");
    assert!(manifest["input"]["path"].as_str().unwrap().ends_with("opus.mp4"), "{}", manifest["input"]);
    assert_eq!(std::fs::read(dir.join("recording.mp4")).unwrap(), std::fs::read(fixture("opus.mp4")).unwrap());

    // Released: the next run goes ahead.
    second.process("busy", local(&fixture("vp8.webm")), &CancelFlag::new()).await.unwrap();
    assert!(dir.join("recording.webm").is_file() && !dir.join("recording.mp4").exists());
}
