//! A participant who leaves and joins again is recorded in parts: one recording per part, each in
//! a folder of its own, and one person in the conversation, the safety verdicts and the report.

mod support;

use session_processing::{CancelFlag, ParticipantInput};
use support::{builder_for, fixture, local, number, read_json};

/// Where alice's second recording starts: after her first (18 s) and bob's (18 s from 1.5 s).
const REJOINED_AT_S: f64 = 30.0;

fn recording(who: &str, file: &str, offset_s: f64) -> ParticipantInput {
    ParticipantInput { participant: who.into(), input: local(&fixture(file)), offset_s }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_participant_who_rejoined_is_one_person_recorded_in_two_parts() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let participants = vec![
        recording("alice", "alice.mp4", 0.0),
        recording("bob", "bob.mp4", 1.5),
        recording("alice", "alice.mp4", REJOINED_AT_S),
    ];
    let result = processor.process_participants("rejoin-1", participants, &CancelFlag::new()).await.unwrap();
    let dir = out.path().join("sessions/rejoin-1");
    for folder in ["participants/alice", "participants/alice/part-2", "participants/bob"] {
        for name in ["recording.mp4", "audio.wav", "quality.json", "engagement.json"] {
            assert!(dir.join(folder).join(name).is_file(), "{folder}/{name}");
        }
    }
    assert!(!dir.join("participants/bob/part-2").exists());
    assert!(result.stages.iter().any(|s| s.name == "alice/part-2/audio"), "{:?}", result.stages);

    let manifest = read_json(&dir.join("manifest.json"));
    let listed = manifest["participants"].as_array().unwrap();
    assert_eq!(listed.len(), 3, "{manifest:#}");
    assert_eq!(listed[2]["participant"], "alice");
    assert_eq!(listed[2]["part"], 2);
    assert!(listed[0].get("part").is_none() && listed[1].get("part").is_none(), "{listed:?}");

    // The conversation has two people; alice's talk is the sum of her two recordings'.
    let engagement = read_json(&dir.join("engagement.json"));
    let talkers = engagement["conversation"]["participants"].as_array().unwrap();
    let names: Vec<&str> = talkers.iter().filter_map(|p| p["participant"].as_str()).collect();
    assert_eq!(names, ["alice", "bob"], "{:#}", engagement["conversation"]);
    let talk_of = |folder: &str| {
        number(&read_json(&dir.join(folder).join("engagement.json")), &["voice", "talk_time_s"]).unwrap()
    };
    let (first, second) = (talk_of("participants/alice"), talk_of("participants/alice/part-2"));
    assert!(first > 1.0 && second > 1.0, "{first} {second}");
    let alice_talk = talkers[0]["talk_time_s"].as_f64().unwrap();
    assert!((alice_talk - (first + second)).abs() < 0.01, "{alice_talk} vs {first} + {second}");
    let duration = engagement["conversation"]["duration_s"].as_f64().unwrap();
    assert!(duration > REJOINED_AT_S + 17.0, "the session runs to the end of alice's second part: {duration}");
    let lines = engagement["participants"].as_array().unwrap();
    assert_eq!(lines.len(), 3, "one line per recording: {lines:?}");
    assert_eq!(lines[2]["part"], 2);

    let quality = read_json(&dir.join("quality.json"));
    assert_eq!(quality["participants"][2]["part"], 2, "{quality:#}");
    let timeline = read_json(&dir.join("timeline.json"));
    let tracks = timeline["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 3);
    assert_eq!((&tracks[2]["participant"], &tracks[2]["part"]), (&"alice".into(), &2.into()));
    assert_eq!(tracks[2]["offset_s"], REJOINED_AT_S);
    let scan = read_json(&dir.join("safety-scan.json"));
    let judged: Vec<&String> = scan["participants"].as_object().unwrap().keys().collect();
    assert_eq!(judged, ["alice", "bob"], "one verdict per person");
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(page.contains("alice (part 2)"), "the report names the second recording");

    // Run again with alice's second part given from where the first run stored it: it stays
    // part 2 (its folder says so), is kept, and the results are the same.
    let stored = dir.join("participants/alice/part-2/recording.mp4");
    let again = vec![
        recording("alice", "alice.mp4", 0.0),
        recording("bob", "bob.mp4", 1.5),
        ParticipantInput { participant: "alice".into(), input: local(&stored), offset_s: REJOINED_AT_S },
    ];
    processor.process_participants("rejoin-1", again, &CancelFlag::new()).await.unwrap();
    assert!(stored.is_file(), "an input in place is never removed");
    let engagement_again = read_json(&dir.join("engagement.json"));
    assert_eq!(engagement_again["conversation"], engagement["conversation"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_in_a_part_folder_keeps_its_number() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("sessions/rejoin-2/participants/alice/part-3");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("alice.mp4"), dir.join("recording.mp4")).unwrap();
    let processor = builder_for(out.path()).build();
    // Part 2 failed to record (an egress that never started): the third part keeps its folder,
    // and the first is numbered 1.
    let participants = vec![
        ParticipantInput { participant: "alice".into(), input: local(&dir.join("recording.mp4")), offset_s: 40.0 },
        recording("alice", "alice.mp4", 0.0),
    ];
    processor.process_participants("rejoin-2", participants, &CancelFlag::new()).await.unwrap();
    let session = out.path().join("sessions/rejoin-2");
    let manifest = read_json(&session.join("manifest.json"));
    assert_eq!(manifest["participants"][0]["part"], 3, "{manifest:#}");
    assert!(manifest["participants"][1].get("part").is_none());
    assert!(session.join("participants/alice/part-3/quality.json").is_file());
    assert!(session.join("participants/alice/quality.json").is_file());
    assert!(!session.join("participants/alice/part-2").exists());

    let twice = vec![recording("alice", "alice.mp4", 0.0), recording("alice", "bob.mp4", 0.0)];
    let error = processor.process_participants("rejoin-3", twice, &CancelFlag::new()).await.unwrap_err();
    assert!(error.to_string().contains("appears twice at offset 0 s"), "{error}");
    assert!(!out.path().join("sessions/rejoin-3").exists(), "refused before the folder is made");
}
