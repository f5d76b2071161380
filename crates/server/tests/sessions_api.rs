//! The session API against the real livekit-server (rooms, tokens, the egress call) and a real
//! S3 server: Start, join, End, read, list, realtime safety events, and who may do each.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use session_processing::livekit::{AccessToken, VideoGrants};
use session_testkit::S3Server;
use session_testkit::livekit_server::LiveKitServer;
use support::{API_KEY, API_SECRET, API_TOKEN, Platform, http_get, http_post};

const BUCKET: &str = "recordings";

struct Stack {
    livekit: LiveKitServer,
    s3: S3Server,
    platform: Platform,
    _server: support::ServerProcess,
}

fn stack() -> Stack {
    let livekit = LiveKitServer::start();
    let s3 = S3Server::start();
    s3.create_bucket(BUCKET);
    let mut platform = Platform::start(&livekit.url.replace("http://", "ws://"));
    platform.env.remove("RECORDINGS_DIR");
    platform.env.remove("OUTPUT_DIR");
    for (name, value) in [
        ("RECORDINGS_S3_BUCKET", format!("arn:aws:s3:::{BUCKET}")),
        ("S3_ENDPOINT", s3.endpoint.clone()),
        ("AWS_REGION", S3Server::REGION.to_string()),
        ("AWS_ACCESS_KEY_ID", S3Server::ACCESS_KEY_ID.to_string()),
        ("AWS_SECRET_ACCESS_KEY", S3Server::SECRET_ACCESS_KEY.to_string()),
    ] {
        platform.env.insert(name.into(), value);
    }
    let server = platform.serve(&[]);
    Stack { livekit, s3, platform, _server: server }
}

fn operator() -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {API_TOKEN}"))]
}

fn with_key(key: &str) -> Vec<(&'static str, String)> {
    vec![("X-Session-Key", key.to_string())]
}

fn start(stack: &Stack, identity: &str) -> Value {
    let url = format!("{}/api/sessions", stack.platform.base_url());
    let (status, body) = http_post(
        &url,
        &[operator(), vec![("Content-Type", "application/json".into())]].concat(),
        json!({ "identity": identity }).to_string().as_bytes(),
    );
    assert_eq!(status, 201, "Start Session: {body}");
    body
}

fn rooms(stack: &Stack) -> Vec<String> {
    let token = AccessToken::new(API_KEY, API_SECRET)
        .with_grants(VideoGrants { room_list: true, ..Default::default() })
        .to_jwt()
        .expect("token");
    let (status, body) = stack.livekit.twirp("livekit.RoomService/ListRooms", &token, &json!({}));
    assert_eq!(status, 200, "{body}");
    body["rooms"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["name"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[test]
fn start_creates_a_room_and_a_token_and_only_the_key_holder_may_end_or_read_it() {
    let stack = stack();
    let base = stack.platform.base_url();
    let (status, body) = http_post(&format!("{base}/api/sessions"), &[], b"{}");
    assert_eq!(status, 401, "Start Session needs the API token when one is set: {body}");

    let a = start(&stack, "alice");
    let b = start(&stack, "bob");
    let (id_a, key_a) = (a["session_id"].as_str().expect("id"), a["session_key"].as_str().expect("key"));
    let (id_b, key_b) = (b["session_id"].as_str().expect("id"), b["session_key"].as_str().expect("key"));
    assert_ne!(id_a, id_b);
    assert_eq!(a["livekit_url"].as_str().map(|u| u.starts_with("ws://")), Some(true), "{a}");
    let live = rooms(&stack);
    assert!(live.iter().any(|r| r == id_a) && live.iter().any(|r| r == id_b), "both rooms exist on LiveKit: {live:?}");
    let claims = jwt_claims(a["token"].as_str().expect("token"));
    assert_eq!((claims["sub"].as_str(), claims["video"]["room"].as_str()), (Some("alice"), Some(id_a)), "{claims}");
    assert_eq!(claims["video"]["roomJoin"], true);

    let (status, _) = http_get(&format!("{base}/api/sessions/{id_a}"), &with_key(key_b));
    assert_eq!(status, 404, "another session's key reads nothing");
    let (status, _) = http_get(&format!("{base}/api/sessions/{id_a}"), &[]);
    assert_eq!(status, 404, "no key reads nothing");
    let (status, _) = http_get(&format!("{base}/api/sessions/s-guessed"), &with_key(key_a));
    assert_eq!(status, 404);
    let (status, seen) = http_get(&format!("{base}/api/sessions/{id_a}"), &with_key(key_a));
    assert_eq!((status, seen["session"]["status"].as_str()), (200, Some("active")), "{seen}");

    let (status, _) = http_post(&format!("{base}/api/sessions/{id_a}/end"), &with_key(key_b), b"");
    assert_eq!(status, 404, "another session's key cannot end it");
    let (status, _) = http_post(&format!("{base}/api/sessions/{id_a}/end"), &[], b"");
    assert_eq!(status, 404);
    let (status, ended) = http_post(&format!("{base}/api/sessions/{id_a}/end"), &with_key(key_a), b"");
    assert_eq!(status, 200, "{ended}");
    // Nobody joined, so nothing was recorded: the session fails and says why.
    let failed = stack.platform.wait_for_status(id_a, "failed", Duration::from_secs(30));
    let reason = failed["session"]["status_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("no recording was made"), "{reason}");
    assert!(!rooms(&stack).iter().any(|r| r == id_a), "End closed the room");

    let (status, page) = http_get(&format!("{base}/api/sessions?limit=1"), &operator());
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["sessions"].as_array().map(Vec::len), Some(1));
    let next = page["next"].as_str().expect("a next cursor");
    let (status, rest) = http_get(&format!("{base}/api/sessions?limit=5&before={next}"), &operator());
    assert_eq!(status, 200, "{rest}");
    let mut seen: Vec<&str> = [&page, &rest]
        .iter()
        .flat_map(|p| p["sessions"].as_array().into_iter().flatten())
        .filter_map(|s| s["id"].as_str())
        .collect();
    seen.sort();
    let mut expected = vec![id_a, id_b];
    expected.sort();
    assert_eq!(seen, expected, "two pages list each session once");
    let (status, _) = http_get(&format!("{base}/api/sessions"), &with_key(key_a));
    assert_eq!(status, 401, "listing everyone's sessions needs the API token");
}

#[test]
fn a_browsers_safety_event_is_validated_stored_in_the_bucket_and_listed() {
    let stack = stack();
    let base = stack.platform.base_url();
    let started = start(&stack, "alice");
    let (id, key) = (started["session_id"].as_str().expect("id"), started["session_key"].as_str().expect("key"));
    let event = json!({
        "category": "nudity", "score": 0.91, "threshold": 0.7, "source": "realtime_client",
        "participant": "alice", "media_time_s": 12.5, "detected_at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339).expect("time"),
        "detector": { "id": "nsfwjs-mobilenet-v2", "version": "4.4.0" },
        "evidence": { "frame_time_s": 12.5 }
    });
    let url = format!("{base}/api/sessions/{id}/safety-events");
    let (status, _) = http_post(&url, &[], event.to_string().as_bytes());
    assert_eq!(status, 404, "no key, no event");
    let mut invalid = event.clone();
    invalid["score"] = json!(1.7);
    let (status, answer) = http_post(&url, &with_key(key), invalid.to_string().as_bytes());
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("score"), "names the field: {answer}");
    for source in ["realtime_server", "post_session"] {
        let mut claimed = event.clone();
        claimed["source"] = json!(source);
        let (status, answer) = http_post(&url, &with_key(key), claimed.to_string().as_bytes());
        assert_eq!(status, 400, "a browser cannot speak for {source}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("realtime_client"), "{answer}");
    }
    let (status, stored) = http_post(&url, &with_key(key), event.to_string().as_bytes());
    assert_eq!(status, 201, "{stored}");
    let location = stored["artifact"]["location"].as_str().expect("location");
    assert!(location.starts_with(&format!("s3://{BUCKET}/sessions/{id}/safety/")), "{location}");

    let object = location.trim_start_matches(&format!("s3://{BUCKET}/"));
    let store = stack.s3.store(BUCKET);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let bytes = runtime
        .block_on(async { store.get(&object_store::path::Path::from(object)).await?.bytes().await })
        .expect("the event is in the bucket");
    let saved: Value = serde_json::from_slice(&bytes).expect("event JSON");
    assert_eq!((saved["category"].as_str(), saved["decision"].as_str()), (Some("nudity"), Some("flagged")));

    let (_, seen) = http_get(&format!("{base}/api/sessions/{id}"), &with_key(key));
    let events: Vec<&str> =
        seen["events"].as_array().expect("events").iter().filter_map(|e| e["event_type"].as_str()).collect();
    assert_eq!(events, ["session_started", "safety_event"], "{seen}");
}

#[test]
fn a_participant_joining_queues_their_recording_and_a_failed_egress_start_is_reported() {
    let stack = stack();
    let base = stack.platform.base_url();
    let started = start(&stack, "alice");
    let (id, key) = (started["session_id"].as_str().expect("id"), started["session_key"].as_str().expect("key"));
    let joined = json!({
        "event": "participant_joined", "id": "EV_join_1", "createdAt": "1764800000",
        "room": { "sid": "RM_1", "name": id },
        "participant": { "sid": "PA_1", "identity": "alice", "state": "ACTIVE" }
    });
    let (status, answer) = stack.platform.deliver(&joined);
    assert_eq!((status, answer["action"].as_str()), (200, Some("recording queued")), "{answer}");
    let mut recorder = joined.clone();
    recorder["id"] = "EV_join_recorder".into();
    recorder["participant"] = json!({ "sid": "PA_2", "identity": "EG_abc", "kind": "EGRESS", "state": "ACTIVE" });
    let (status, answer) = stack.platform.deliver(&recorder);
    assert_eq!((status, answer["action"].as_str()), (200, Some("not counted: a recorder or monitor")), "{answer}");
    let mut rejoined = joined.clone();
    rejoined["id"] = "EV_join_2".into();
    let (status, again) = stack.platform.deliver(&rejoined);
    assert_eq!((status, again["action"].as_str()), (200, Some("already recorded")), "{again}");

    // This livekit-server runs without Redis, so it has no egress service: the start fails and
    // the session shows why.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let reason = loop {
        let (_, seen) = http_get(&format!("{base}/api/sessions/{id}"), &with_key(key));
        let failed = seen["events"].as_array().into_iter().flatten().find(|e| e["event_type"] == "egress_start_failed");
        if let Some(event) = failed {
            break event["payload"]["reason"].as_str().unwrap_or_default().to_string();
        }
        assert!(std::time::Instant::now() < deadline, "no egress_start_failed event within 60 s: {seen:#}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(reason.contains("alice") && reason.contains("StartParticipantEgress"), "{reason}");
    let (status, _) = http_post(&format!("{base}/api/sessions/{id}/end"), &with_key(key), b"");
    assert_eq!(status, 200);
    let failed = stack.platform.wait_for_status(id, "failed", Duration::from_secs(30));
    let why = failed["session"]["status_reason"].as_str().unwrap_or_default();
    assert!(why.contains("could not start"), "{why}");
}

/// The claims of a JWT, unverified (our own token, read back).
fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("JSON")
}

#[test]
fn a_one_to_one_session_is_processed_per_participant_once_both_egresses_end() {
    let stack = stack();
    let base = stack.platform.base_url();
    let started = start(&stack, "alice");
    let (id, key) = (started["session_id"].as_str().expect("id"), started["session_key"].as_str().expect("key"));
    let (status, bob) = http_post(
        &format!("{base}/api/sessions/{id}/participants"),
        &[with_key(key), vec![("Content-Type", "application/json".into())]].concat(),
        json!({ "identity": "bob" }).to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{bob}");
    assert_eq!(jwt_claims(bob["token"].as_str().expect("token"))["sub"], "bob");

    // Each person's egress as LiveKit reports it: started, then (after End) ended with a file in
    // the bucket. The egress itself is simulated here; crates/server's egress test runs the real one.
    let store = stack.s3.store(BUCKET);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut ended = Vec::new();
    for (n, person) in ["alice", "bob"].into_iter().enumerate() {
        let key_name = format!("sessions/{id}/participants/{person}/recording.mp4");
        let bytes = std::fs::read(session_testkit::fixture(&format!("{person}.mp4"))).expect("fixture");
        runtime
            .block_on(store.put(&object_store::path::Path::from(key_name.as_str()), bytes.into()))
            .expect("upload the recording");
        let mut event =
            support::egress_ended(&format!("EV_end_{person}"), &format!("EG_{person}"), id, &key_name, person);
        event["egressInfo"]["startedAt"] = format!("{}", 1_764_800_000_000_000_000i64 + n as i64 * 500_000_000).into();
        let mut started = event.clone();
        started["event"] = "egress_started".into();
        started["id"] = format!("EV_start_{person}").into();
        started["egressInfo"]["status"] = "EGRESS_ACTIVE".into();
        started["egressInfo"]["fileResults"] = json!([]);
        let (status, answer) = stack.platform.deliver(&started);
        assert_eq!((status, answer["session_id"].as_str()), (200, Some(id)), "{answer}");
        ended.push(event);
    }
    let (status, answer) = http_post(&format!("{base}/api/sessions/{id}/end"), &with_key(key), b"");
    assert_eq!(
        (status, answer["processing"].as_str()),
        (200, Some("waiting")),
        "two egresses still recording: {answer}"
    );
    let (status, answer) = stack.platform.deliver(&ended[0]);
    assert_eq!((status, answer["action"].as_str()), (200, Some("waiting")), "bob's egress has not ended: {answer}");
    let (status, answer) = stack.platform.deliver(&ended[1]);
    assert_eq!((status, answer["action"].as_str()), (200, Some("queued")), "{answer}");

    let done = stack.platform.wait_for_status(id, "complete", Duration::from_secs(240));
    assert_eq!(done["egresses"].as_array().map(Vec::len), Some(2), "{done:#}");
    let engagement_key = format!("sessions/{id}/engagement.json");
    let bytes = runtime
        .block_on(async { store.get(&object_store::path::Path::from(engagement_key.as_str())).await?.bytes().await })
        .expect("engagement.json in the bucket");
    let engagement: Value = serde_json::from_slice(&bytes).expect("JSON");
    let conversation = &engagement["conversation"];
    let people: Vec<&str> = conversation["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(|p| p["participant"].as_str())
        .collect();
    assert_eq!(people, ["alice", "bob"], "{conversation:#}");
    assert!(conversation["turn_count"].as_u64().unwrap_or(0) >= 2, "the two take turns: {conversation:#}");
}

#[test]
fn an_egress_ended_after_room_finished_still_completes_the_session() {
    let stack = stack();
    let started = start(&stack, "alice");
    let id = started["session_id"].as_str().expect("id");
    let key_name = format!("sessions/{id}/recording.mp4");
    let bytes = std::fs::read(session_testkit::fixture("clean.mp4")).expect("fixture");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime
        .block_on(stack.s3.store(BUCKET).put(&object_store::path::Path::from(key_name.as_str()), bytes.into()))
        .expect("upload the recording");
    let ended = support::egress_ended("EV_late_end", "EG_late", id, &key_name, "alice");
    let mut started_event = ended.clone();
    started_event["event"] = "egress_started".into();
    started_event["id"] = "EV_late_start".into();
    started_event["egressInfo"]["status"] = "EGRESS_ACTIVE".into();
    started_event["egressInfo"]["fileResults"] = json!([]);
    let (status, answer) = stack.platform.deliver(&started_event);
    assert_eq!(status, 200, "{answer}");

    // LiveKit orders events per resource only: the room may finish before its egress ends.
    let finished = json!({ "event": "room_finished", "id": "EV_room_done", "createdAt": "1764800100", "room": { "sid": "RM_1", "name": id } });
    let (status, answer) = stack.platform.deliver(&finished);
    assert_eq!((status, answer["action"].as_str()), (200, Some("waiting")), "the egress is still running: {answer}");
    let (status, answer) = stack.platform.deliver(&ended);
    assert_eq!((status, answer["action"].as_str()), (200, Some("queued")), "{answer}");
    let done = stack.platform.wait_for_status(id, "complete", Duration::from_secs(180));
    let kinds: Vec<&str> =
        done["events"].as_array().expect("events").iter().filter_map(|e| e["event_type"].as_str()).collect();
    let ended_by_room = done["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["event_type"] == "session_ended" && e["payload"]["by"] == "room_finished");
    assert!(ended_by_room, "{kinds:?}");
}
