//! The result's typed reports serialise to exactly the artifacts written (byte for byte), and
//! the result reads back from its own JSON.

mod support;

use std::path::Path;

use session_processing::{CancelFlag, Engagement, ParticipantInput, Quality, SessionResult};
use support::{assert_stored_as, builder_for, fixture, json, local, read_json};

/// Every report of `result` against its file in the session folder `dir`.
fn assert_reports_stored(result: &SessionResult, dir: &Path) {
    assert_stored_as(result.quality.as_ref().expect("quality"), &dir.join("quality.json"));
    assert_stored_as(result.engagement.as_ref().expect("engagement"), &dir.join("engagement.json"));
    assert_stored_as(result.combined.as_ref().expect("combined"), &dir.join("combined-score.json"));
    assert_stored_as(result.safety.as_ref().expect("safety"), &dir.join("safety-scan.json"));
    let whole = json(result);
    for (key, file) in [("quality", "quality.json"), ("engagement", "engagement.json"), ("safety", "safety-scan.json")]
    {
        assert_eq!(whole[key], read_json(&dir.join(file)), "the result's {key} is {file}");
    }
    let text = serde_json::to_string(result).unwrap();
    let back: SessionResult = serde_json::from_str(&text).expect("the result reads back");
    assert_eq!(&back, result);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recordings_reports_serialise_as_the_stored_files() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let result = processor.process("typed-1", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert!(matches!(result.quality, Some(Quality::Recording(_))), "{:?}", result.quality);
    assert!(matches!(result.engagement, Some(Engagement::Recording(_))), "{:?}", result.engagement);
    assert_reports_stored(&result, &out.path().join("sessions/typed-1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sessions_reports_per_participant_serialise_as_the_stored_files() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let participants = vec![
        ParticipantInput { participant: "alice".into(), input: local(&fixture("alice.mp4")), offset_s: 0.0 },
        ParticipantInput { participant: "bob".into(), input: local(&fixture("bob.mp4")), offset_s: 0.5 },
    ];
    let result = processor.process_participants("typed-2", participants, &CancelFlag::new()).await.unwrap();
    assert!(matches!(result.quality, Some(Quality::Participants(_))), "{:?}", result.quality);
    assert!(matches!(result.engagement, Some(Engagement::Participants(_))), "{:?}", result.engagement);
    assert_reports_stored(&result, &out.path().join("sessions/typed-2"));
}
