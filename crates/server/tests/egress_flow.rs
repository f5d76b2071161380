//! The whole platform flow with every part real: Postgres, Redis, livekit-server sending its
//! webhooks to our server, LiveKit Egress uploading to the S3 server, a participant publishing
//! camera and microphone with LiveKit's own SDK. Start Session → the participant joins with the
//! returned token → their egress starts from the `participant_joined` webhook → End Session →
//! the real `egress_ended` → queue → pipeline → artifacts in the bucket → the session complete.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use session_testkit::AvPublisher;
use support::stack::{BUCKET, Stack};
use support::{API_TOKEN, http_get, http_post};

/// Seconds of media recorded once the egress is active.
const RECORD_S: f64 = 6.0;

fn start_session(stack: &Stack, identity: &str) -> (String, String, String, String) {
    let (status, started) = http_post(
        &format!("{}/api/sessions", stack.platform.base_url()),
        &[("Authorization", format!("Bearer {API_TOKEN}")), ("Content-Type", "application/json".into())],
        json!({ "identity": identity }).to_string().as_bytes(),
    );
    assert_eq!(status, 201, "{started}");
    let field = |name: &str| started[name].as_str().expect(name).to_string();
    (field("session_id"), field("session_key"), field("livekit_url"), field("token"))
}

fn event_kinds(session: &Value) -> Vec<String> {
    session["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["event_type"].as_str().map(str::to_string))
        .collect()
}

/// `kinds` holds `expected` in this order (other events may come between).
fn assert_in_order(kinds: &[String], expected: &[&str]) {
    let mut rest = kinds.iter();
    for wanted in expected {
        assert!(rest.any(|k| k == wanted), "{wanted} missing or out of order in {kinds:?}");
    }
}

#[test]
fn a_session_started_here_is_recorded_by_real_egress_and_processed_to_the_end() {
    let stack = Stack::start();
    let (id, key, url, token) = start_session(&stack, "alice");
    let mut alice = AvPublisher::start(&url, &token, 120);
    alice.wait_for("published", Duration::from_secs(60));
    let egress_id = stack.wait_until_recording(&id, &key, "alice");
    let from = alice.published_s;
    alice.wait_until_published(from + RECORD_S, Duration::from_secs(60));

    let (status, ended) = http_post(
        &format!("{}/api/sessions/{id}/end", stack.platform.base_url()),
        &[("X-Session-Key", key.clone())],
        b"",
    );
    assert_eq!(status, 200, "{ended}");
    let done = stack.platform.wait_for_status(&id, "complete", Duration::from_secs(240));
    drop(alice);

    let kinds = event_kinds(&done);
    assert_in_order(
        &kinds,
        &[
            "session_started",
            "webhook.participant_joined",
            "egress_requested",
            "session_ended",
            "webhook.egress_ended",
            "job_queued",
            "processing_started",
            "processing_complete",
        ],
    );
    let egresses = done["egresses"].as_array().expect("egresses");
    assert_eq!(egresses.len(), 1, "one egress for one person: {egresses:?}");
    assert_eq!(egresses[0]["egress_id"], egress_id.as_str());
    assert_eq!(egresses[0]["status"], "complete");
    assert_eq!(egresses[0]["input_uri"], format!("s3://{BUCKET}/sessions/{id}/participants/alice/recording.mp4"));
    let recorded_s = egresses[0]["duration_ns"].as_f64().unwrap_or(0.0) / 1e9;
    assert!(recorded_s >= RECORD_S / 2.0, "egress recorded {recorded_s} s");

    let manifest: Value =
        serde_json::from_slice(&stack.object(&format!("sessions/{id}/manifest.json"))).expect("manifest");
    assert_eq!(manifest["status"], "complete", "{manifest:#}");
    for stage in ["alice/audio", "alice/video"] {
        let found = manifest["stages"].as_array().into_iter().flatten().find(|s| s["name"] == stage);
        assert_eq!(
            found.map(|s| s["status"].clone()),
            Some(json!("ok")),
            "egress recorded audio and video: {manifest:#}"
        );
    }
    let quality: Value =
        serde_json::from_slice(&stack.object(&format!("sessions/{id}/participants/alice/quality.json")))
            .expect("quality");
    assert_eq!(quality["session_id"], id.as_str());
    let summary: Value =
        serde_json::from_slice(&stack.object(&format!("sessions/{id}/quality.json"))).expect("summary");
    assert_eq!(summary["participants"][0]["participant"], "alice", "{summary:#}");
    let link =
        done["artifacts"].as_array().into_iter().flatten().find(|a| a["name"] == "quality.json").expect("a link");
    let url = link["url"].as_str().expect("url");
    assert!(url.starts_with(&stack.s3.endpoint) && url.contains("X-Amz-Signature="), "a presigned S3 link: {url}");
    let (status, linked) = http_get(url, &[]);
    assert_eq!((status, &linked["session_id"]), (200, &json!(id)), "the link opens without credentials");
    let summary = &done["session"]["score_summary"];
    assert!(summary["quality"].as_f64().is_some_and(|q| (0.0..=100.0).contains(&q)), "{summary}");
}

#[test]
fn a_two_person_session_gets_one_egress_each_and_is_processed_per_participant() {
    let stack = Stack::start();
    let (id, key, url, alice_token) = start_session(&stack, "alice");
    let (status, invited) = http_post(
        &format!("{}/api/sessions/{id}/participants", stack.platform.base_url()),
        &[("X-Session-Key", key.clone()), ("Content-Type", "application/json".into())],
        json!({ "identity": "bob" }).to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{invited}");
    let mut alice = AvPublisher::start(&url, &alice_token, 120);
    let mut bob = AvPublisher::start(&url, invited["token"].as_str().expect("bob's token"), 120);
    alice.wait_for("published", Duration::from_secs(60));
    bob.wait_for("published", Duration::from_secs(60));
    let egress_ids = [stack.wait_until_recording(&id, &key, "alice"), stack.wait_until_recording(&id, &key, "bob")];
    assert_ne!(egress_ids[0], egress_ids[1]);
    let (from_alice, from_bob) = (alice.published_s, bob.published_s);
    alice.wait_until_published(from_alice + RECORD_S, Duration::from_secs(60));
    bob.wait_until_published(from_bob + RECORD_S, Duration::from_secs(60));

    let (status, ended) = http_post(
        &format!("{}/api/sessions/{id}/end", stack.platform.base_url()),
        &[("X-Session-Key", key.clone())],
        b"",
    );
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["stopping_egresses"], 2, "{ended}");
    let done = stack.platform.wait_for_status(&id, "complete", Duration::from_secs(300));
    drop((alice, bob));

    let egresses = done["egresses"].as_array().expect("egresses");
    let mut people: Vec<&str> = egresses.iter().filter_map(|e| e["participant_identity"].as_str()).collect();
    people.sort();
    assert_eq!(people, ["alice", "bob"], "one egress each: {egresses:?}");
    assert!(egresses.iter().all(|e| e["status"] == "complete"), "{egresses:?}");
    for person in ["alice", "bob"] {
        let recorded = egresses.iter().find(|e| e["participant_identity"] == person).expect("egress");
        let expected = format!("s3://{BUCKET}/sessions/{id}/participants/{person}/recording.mp4");
        assert_eq!(recorded["input_uri"], expected, "each person's own file");
    }
    let kinds = event_kinds(&done);
    assert_eq!(kinds.iter().filter(|k| *k == "job_queued").count(), 1, "one job once both ended: {kinds:?}");

    let manifest: Value =
        serde_json::from_slice(&stack.object(&format!("sessions/{id}/manifest.json"))).expect("manifest");
    assert_eq!(manifest["status"], "complete", "{manifest:#}");
    let mut processed: Vec<&str> =
        manifest["participants"].as_array().into_iter().flatten().filter_map(|p| p["participant"].as_str()).collect();
    processed.sort();
    assert_eq!(processed, ["alice", "bob"], "{manifest:#}");
    let engagement: Value =
        serde_json::from_slice(&stack.object(&format!("sessions/{id}/engagement.json"))).expect("engagement");
    let mut talkers: Vec<&str> = engagement["conversation"]["participants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["participant"].as_str())
        .collect();
    talkers.sort();
    assert_eq!(talkers, ["alice", "bob"], "{:#}", engagement["conversation"]);
}
