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
/// A nudity threshold below any score the model gives: every frame the room monitor checks
/// flags (at most one event per 10 s of a track), so its whole path to a stored event runs.
const FLAG_EVERY_FRAME: &str = "0.000001";

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

/// The session's egresses that recorded; any other one is an egress that did not start in
/// time, stopped and replaced by the recording worker.
fn recorded(session: &Value) -> Vec<Value> {
    let egresses = session["egresses"].as_array().expect("egresses");
    for other in egresses.iter().filter(|e| e["status"] != "complete") {
        let reason = other["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("did not start within"), "an egress failed for another reason: {other:#}");
    }
    egresses.iter().filter(|e| e["status"] == "complete").cloned().collect()
}

/// A participant (`identity`, joining with `token`) publishing until their egress is active and
/// has recorded `seconds` of them; the participant and their egress id.
fn publish_until_recorded(
    stack: &Stack,
    (id, key): (&str, &str),
    (url, token): (&str, &str),
    identity: &str,
    seconds: f64,
) -> (AvPublisher, String) {
    let mut participant = AvPublisher::start(url, token, 120);
    participant.wait_for("published", Duration::from_secs(60));
    let egress_id = stack.wait_until_recording(id, key, identity);
    let from = participant.published_s;
    participant.wait_until_published(from + seconds, Duration::from_secs(60));
    (participant, egress_id)
}

/// End Session, answered 200; its answer.
fn end_session(stack: &Stack, id: &str, key: &str) -> Value {
    let (status, ended) = http_post(
        &format!("{}/api/sessions/{id}/end", stack.platform.base_url()),
        &[("X-Session-Key", key.to_string())],
        b"",
    );
    assert_eq!(status, 200, "{ended}");
    ended
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
    let stack = Stack::start_with(|platform| platform.with_room_monitor(Some(FLAG_EVERY_FRAME)));
    let (id, key, url, token) = start_session(&stack, "alice");
    let (alice, egress_id) = publish_until_recorded(&stack, (&id, &key), (&url, &token), "alice", RECORD_S);

    end_session(&stack, &id, &key);
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
    let egresses = recorded(&done);
    assert_eq!(egresses.len(), 1, "one recording for one person: {egresses:?}");
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
    // The same report through the API (what the page reads: same origin, no CORS on the bucket).
    let api_url = format!("{}{}", stack.platform.base_url(), link["api_url"].as_str().expect("api_url"));
    let (status, served) = http_get(&api_url, &[("X-Session-Key", key.clone())]);
    assert_eq!((status, &served), (200, &linked), "the API serves the bucket's copy");
    assert_eq!(http_get(&api_url, &[]).0, 404, "not without the session key");
    let summary = &done["session"]["score_summary"];
    assert!(summary["quality"].as_f64().is_some_and(|q| (0.0..=100.0).contains(&q)), "{summary}");
    server_side_check_stored_its_events(&stack, &id);
}

/// The hidden room monitor joined, scored alice's frames, stored its events in the bucket and
/// the database with source `realtime_server`, and left with its figures when the room closed.
fn server_side_check_stored_its_events(stack: &Stack, id: &str) {
    let left = stack.platform.wait_for_event(id, "monitor_left", Duration::from_secs(60));
    let (_, seen) = http_get(
        &format!("{}/api/sessions/{id}", stack.platform.base_url()),
        &[("Authorization", format!("Bearer {API_TOKEN}"))],
    );
    let kinds = event_kinds(&seen);
    assert_in_order(&kinds, &["session_started", "monitor_joined", "session_ended", "monitor_left"]);
    let figures = &left["payload"]["summary"];
    eprintln!("room monitor: {figures}");
    assert_eq!(figures["participants"], json!(["alice"]), "{left:#}");
    assert!(figures["frames_scored"].as_u64().unwrap_or(0) >= 3, "about a frame a second: {left:#}");
    assert!(figures["frame_to_score_ms"]["p95"].as_f64().is_some_and(|ms| ms > 0.0), "{left:#}");
    assert!(figures["frames_per_s_per_core"].as_f64().is_some_and(|f| f > 0.0), "{left:#}");
    let flagged: Vec<&Value> = seen["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["event_type"] == "safety_event")
        .map(|e| &e["payload"])
        .collect();
    assert!(!flagged.is_empty(), "a frame over the threshold stores an event: {kinds:?}");
    assert_eq!(figures["events"].as_u64(), Some(flagged.len() as u64), "{left:#}");
    for stored in flagged {
        let event = &stored["event"];
        assert_eq!(
            (event["source"].as_str(), event["category"].as_str(), event["participant"].as_str()),
            (Some("realtime_server"), Some("nudity"), Some("alice")),
            "{stored:#}"
        );
        assert_eq!(event["threshold"].as_f64(), FLAG_EVERY_FRAME.parse().ok(), "{stored:#}");
        let location = stored["artifact"]["location"].as_str().expect("location");
        let object = location.strip_prefix(&format!("s3://{BUCKET}/")).expect("in the bucket");
        assert!(object.starts_with(&format!("sessions/{id}/safety/")), "{location}");
        let saved: Value = serde_json::from_slice(&stack.object(object)).expect("event JSON");
        assert_eq!(saved["source"], "realtime_server");
    }
}

#[test]
fn a_two_person_session_gets_one_egress_each_and_is_processed_per_participant() {
    let stack = Stack::start_with(|platform| platform.with_room_monitor(None));
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

    let ended = end_session(&stack, &id, &key);
    assert_eq!(ended["stopping_egresses"], 2, "{ended}");
    let done = stack.platform.wait_for_status(&id, "complete", Duration::from_secs(300));
    drop((alice, bob));

    let egresses = recorded(&done);
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

    // At the default threshold the moving test pattern of both cameras flags nothing.
    let left = stack.platform.wait_for_event(&id, "monitor_left", Duration::from_secs(60));
    let figures = &left["payload"]["summary"];
    eprintln!("room monitor, two people: {figures}");
    assert_eq!(figures["participants"], json!(["alice", "bob"]), "{left:#}");
    assert_eq!(figures["events"], 0, "{left:#}");
    let (_, seen) = http_get(&format!("{}/api/sessions/{id}", stack.platform.base_url()), &[("X-Session-Key", key)]);
    assert!(!event_kinds(&seen).iter().any(|k| k == "safety_event"), "{seen:#}");
}

#[test]
fn a_participant_who_leaves_and_joins_again_is_recorded_in_two_parts_and_processed_as_one_person() {
    let stack = Stack::start();
    let (id, key, url, token) = start_session(&stack, "alice");
    let (mut first_stay, first_egress) = publish_until_recorded(&stack, (&id, &key), (&url, &token), "alice", RECORD_S);
    first_stay.stop(Duration::from_secs(30));
    // LiveKit ends the egress of a participant who left; they come back with the same token.
    stack.platform.wait_for_event(&id, "webhook.egress_ended", Duration::from_secs(60));
    let (second_stay, second_egress) = publish_until_recorded(&stack, (&id, &key), (&url, &token), "alice", RECORD_S);
    assert_ne!(first_egress, second_egress, "a new egress for the second stay");

    end_session(&stack, &id, &key);
    let done = stack.platform.wait_for_status(&id, "complete", Duration::from_secs(300));
    drop(second_stay);

    let egresses = recorded(&done);
    assert_eq!(egresses.len(), 2, "one recording per stay: {egresses:#?}");
    for (egress, (part, folder)) in egresses.iter().zip([(1, "alice"), (2, "alice/part-2")]) {
        assert_eq!(egress["participant_identity"], "alice");
        assert_eq!(egress["part"], part, "{egress:#}");
        let expected = format!("s3://{BUCKET}/sessions/{id}/participants/{folder}/recording.mp4");
        assert_eq!(egress["input_uri"], expected, "each stay its own file");
    }
    let kinds = event_kinds(&done);
    assert_eq!(kinds.iter().filter(|k| *k == "job_queued").count(), 1, "one job once both ended: {kinds:?}");

    let manifest: Value =
        serde_json::from_slice(&stack.object(&format!("sessions/{id}/manifest.json"))).expect("manifest");
    assert_eq!(manifest["status"], "complete", "{manifest:#}");
    let listed = manifest["participants"].as_array().expect("participants");
    assert_eq!(listed.len(), 2, "{manifest:#}");
    assert_eq!(listed[1]["part"], 2, "{manifest:#}");
    let rejoined_at = listed[1]["offset_s"].as_f64().expect("offset");
    assert!(rejoined_at >= RECORD_S, "the second stay starts after the first: {listed:?}");
    let part_two: Value =
        serde_json::from_slice(&stack.object(&format!("sessions/{id}/participants/alice/part-2/engagement.json")))
            .expect("the second stay's engagement");
    assert!(part_two["speech_ratio"].is_number(), "{part_two:#}");
    let engagement: Value =
        serde_json::from_slice(&stack.object(&format!("sessions/{id}/engagement.json"))).expect("engagement");
    let talkers = engagement["conversation"]["participants"].as_array().expect("talkers");
    assert_eq!(talkers.len(), 1, "one person, not two: {:#}", engagement["conversation"]);
    assert_eq!(talkers[0]["participant"], "alice");
    let duration = engagement["conversation"]["duration_s"].as_f64().expect("duration");
    assert!(duration > rejoined_at, "the conversation runs into the second stay: {duration} vs {rejoined_at}");
}

#[test]
fn a_recorder_that_never_starts_is_replaced_then_named_when_the_session_ends() {
    // Nothing published: LiveKit keeps the participant's egress EGRESS_STARTING. The recording
    // worker stops it after EGRESS_START_TIMEOUT_S and starts another, twice in all.
    let stack = Stack::start_with(|platform| {
        platform.env.insert("EGRESS_START_TIMEOUT_S".into(), "3".into());
        platform.env.insert("EGRESS_START_ATTEMPTS".into(), "2".into());
    });
    let (id, key, url, token) = start_session(&stack, "carol");
    let mut carol = AvPublisher::start_silent(&url, &token, 120);
    carol.wait_for("joined", Duration::from_secs(60));
    let gave_up = |stack: &Stack| {
        stack.platform.query(&format!(
            "SELECT payload FROM session_events WHERE session_id = '{id}' AND event_type = 'egress_start_timed_out' \
             ORDER BY id"
        ))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while gave_up(&stack).len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "two timed-out starts within 90 s: {:?}\n{}",
            gave_up(&stack),
            stack.logs()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let timed_out = gave_up(&stack);
    assert_eq!(timed_out[0]["payload"]["replaced"], true, "{timed_out:?}");
    assert_eq!(timed_out[1]["payload"]["replaced"], false, "the last attempt is not replaced: {timed_out:?}");
    assert_ne!(timed_out[0]["payload"]["egress_id"], timed_out[1]["payload"]["egress_id"]);
    // LiveKit was told to stop each one: its status leaves EGRESS_STARTING once the egress
    // process reports the stop (asynchronously, so it is awaited).
    for stopped in &timed_out {
        let egress_id = stopped["payload"]["egress_id"].as_str().expect("egress id");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (_, listed) = stack.livekit.twirp(
                "livekit.Egress/ListEgress",
                &stack.egress_token(),
                &json!({ "egress_id": egress_id }),
            );
            if listed["items"][0]["status"] != "EGRESS_STARTING" {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "egress {egress_id} still EGRESS_STARTING 30 s after it was stopped: {listed:#}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    end_session(&stack, &id, &key);
    let failed = stack.platform.wait_for_status(&id, "failed", Duration::from_secs(60));
    drop(carol);
    let reason = failed["session"]["status_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("did not start within 3 s"), "the session names why nothing was recorded: {reason}");
}

#[test]
fn an_egress_end_livekit_never_delivered_is_reconciled_and_the_session_processed() {
    // Every `egress_ended` is lost on its way; the reconciler asks LiveKit after 2 s.
    let stack = Stack::start_losing(&["egress_ended"], |platform| {
        platform.env.insert("RECONCILE_AFTER_S".into(), "2".into());
    });
    let (id, key, url, token) = start_session(&stack, "dave");
    let (dave, egress_id) = publish_until_recorded(&stack, (&id, &key), (&url, &token), "dave", RECORD_S / 2.0);
    end_session(&stack, &id, &key);
    let done = stack.platform.wait_for_status(&id, "complete", Duration::from_secs(240));
    drop(dave);

    let lost = stack.relay.as_ref().expect("relay").lost();
    assert!(lost.iter().any(|e| e["egressInfo"]["egressId"] == egress_id.as_str()), "its delivery was lost: {lost:?}");
    let kinds = event_kinds(&done);
    assert!(!kinds.iter().any(|k| k == "webhook.egress_ended"), "{kinds:?}");
    assert_in_order(&kinds, &["session_ended", "reconciled.egress_ended", "job_queued", "processing_complete"]);
    let egresses = recorded(&done);
    assert_eq!(egresses.len(), 1, "{egresses:?}");
    assert_eq!(egresses[0]["input_uri"], format!("s3://{BUCKET}/sessions/{id}/participants/dave/recording.mp4"));
}
