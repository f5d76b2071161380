//! LiveKit's webhooks into Postgres and the queue, against a real Postgres cluster and the real
//! server binary: forged or malformed deliveries change nothing; retries and duplicates make one
//! job; an egress this server did not start is adopted and processed to the end.

mod support;

use std::time::Duration;

use serde_json::json;
use session_processing::livekit::sign_webhook;
use session_testkit::fixture;
use support::{API_KEY, API_SECRET, Platform, egress_ended};

/// Nothing listens here: these tests send webhooks only, the API never calls LiveKit.
const NO_LIVEKIT: &str = "ws://127.0.0.1:9";
const PROCESSED: Duration = Duration::from_secs(180);

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

#[test]
fn forged_tampered_expired_and_malformed_deliveries_are_refused_with_nothing_recorded() {
    let platform = Platform::start(NO_LIVEKIT);
    let _server = platform.serve(&["--api-only"]);
    let key = platform.record("s-forged", &fixture("clean.mp4"));
    let body = egress_ended("EV_forged", "EG_forged", "s-forged", &key, "alice").to_string().into_bytes();
    let sign = |secret: &str, key: &str, body: &[u8], at| sign_webhook(key, secret, body, at).expect("sign");
    let good = sign(API_SECRET, API_KEY, &body, now());
    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'2').expect("a digit to change");
    tampered[at] = b'3';
    let huge = format!("{{\"event\":\"room_started\",\"pad\":\"{}\"}}", "x".repeat(1_100_000)).into_bytes();
    let not_json = b"this is not json".to_vec();
    let cases: Vec<(&str, Vec<u8>, Option<String>, u16)> = vec![
        (
            "signed with another secret",
            body.clone(),
            Some(sign("another-secret-that-is-long-enough", API_KEY, &body, now())),
            401,
        ),
        ("signed by another key", body.clone(), Some(sign(API_SECRET, "APIother", &body, now())), 401),
        ("a changed body", tampered, Some(good.clone()), 401),
        (
            "an expired token",
            body.clone(),
            Some(sign(API_SECRET, API_KEY, &body, now() - time::Duration::minutes(10))),
            401,
        ),
        ("no Authorization header", body.clone(), None, 401),
        ("a signed body that is not JSON", not_json.clone(), Some(sign(API_SECRET, API_KEY, &not_json, now())), 400),
        ("an oversized body", huge.clone(), Some(sign(API_SECRET, API_KEY, &huge, now())), 413),
    ];
    for (what, body, auth, expected) in cases {
        let (status, answer) = platform.post_webhook(&body, auth.as_deref(), Some("application/webhook+json"));
        assert_eq!(status, expected, "{what}: {answer}");
        if expected != 413 {
            assert!(answer["error"]["code"].as_str().is_some_and(|c| c.starts_with("webhook.")), "{what}: {answer}");
        }
    }
    assert!(platform.query("SELECT * FROM webhook_deliveries").is_empty(), "no delivery was recorded");
    assert!(platform.query("SELECT * FROM sessions").is_empty(), "no session was created");
    assert!(platform.query("SELECT * FROM apalis.jobs").is_empty(), "nothing was queued");
    let (status, answer) = platform.post_webhook(&body, Some(&good), Some("application/webhook+json"));
    assert_eq!(status, 200, "the genuine delivery is taken: {answer}");
}

#[test]
fn an_egress_this_server_did_not_start_is_adopted_and_five_deliveries_make_one_job() {
    let platform = Platform::start(NO_LIVEKIT);
    let server = platform.serve(&[]);
    let key = platform.record("s-adopted", &fixture("clean.mp4"));
    let body = egress_ended("EV_adopted", "EG_adopted", "room-of-another-tool", &key, "alice");
    let answers: Vec<(u16, serde_json::Value)> = std::thread::scope(|scope| {
        let sends: Vec<_> = (0..5).map(|_| scope.spawn(|| platform.deliver(&body))).collect();
        sends.into_iter().map(|s| s.join().expect("delivery thread")).collect()
    });
    for (status, answer) in &answers {
        assert_eq!(*status, 200, "{answer}");
    }
    let duplicates = answers.iter().filter(|(_, a)| a["duplicate"] == true).count();
    assert_eq!(duplicates, 4, "one delivery taken, four answered as duplicates: {answers:?}");
    // The same egress again under a new delivery id (another tool resending): still one job.
    let (status, answer) =
        platform.deliver(&egress_ended("EV_adopted_2", "EG_adopted", "room-of-another-tool", &key, "alice"));
    assert_eq!(status, 200, "{answer}");

    let done = platform.wait_for_status("s-adopted", "complete", PROCESSED);
    let jobs = platform.wait_for_jobs_done(1, Duration::from_secs(30));
    assert_eq!(jobs[0]["job_type"], "session_monitor.process", "exactly one processing job: {jobs:?}");
    let session = &done["session"];
    assert_eq!(session["created_by"], "webhook");
    assert_eq!(session["room_name"], "room-of-another-tool");
    let summary = &session["score_summary"];
    for score in ["quality", "engagement", "combined"] {
        let value = summary[score].as_f64().unwrap_or(-1.0);
        assert!((0.0..=100.0).contains(&value), "{score} score {value} in {summary}");
    }
    let kinds: Vec<&str> =
        done["events"].as_array().expect("events").iter().filter_map(|e| e["event_type"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"webhook.egress_ended"), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "webhook.egress_ended").count(),
        2,
        "both delivery ids recorded: {kinds:?}"
    );
    let own: Vec<&str> = kinds.iter().copied().filter(|k| !k.starts_with("webhook.")).collect();
    assert_eq!(own, ["job_queued", "processing_started", "processing_complete"], "state changes in order");
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(platform.output().join("sessions/s-adopted/manifest.json")).expect("the manifest was written"),
    )
    .expect("manifest JSON");
    assert_eq!(manifest["status"], "complete");
    let artifacts = done["artifacts"].as_array().expect("artifacts");
    assert!(artifacts.iter().any(|a| a["name"] == "quality.json"), "{artifacts:?}");
    let url = format!("{}{}", platform.base_url(), "/api/sessions/s-adopted/artifacts/quality.json");
    let (status, quality) = support::http_get(&url, &[("Authorization", format!("Bearer {}", support::API_TOKEN))]);
    assert_eq!(status, 200, "{quality}");
    assert_eq!(quality["session_id"], "s-adopted");
    let (status, _) = support::http_get(&url, &[]);
    assert_eq!(status, 404, "an artifact without credentials is not served");
    drop(server);
}

#[test]
fn a_failed_egress_and_the_servers_own_failure_mark_sessions_failed_with_livekits_reason() {
    let platform = Platform::start(NO_LIVEKIT);
    let _server = platform.serve(&[]);
    // A recorded egress adopts the session; a second egress of it then fails: the session still
    // has one recording, which is processed.
    let key = platform.record("s-partly", &fixture("clean.mp4"));
    let mut failed = egress_ended("EV_failed", "EG_failed", "room-x", &key, "bob");
    failed["egressInfo"]["status"] = "EGRESS_FAILED".into();
    failed["egressInfo"]["error"] = "pipeline frozen".into();
    failed["egressInfo"]["fileResults"] = json!([]);
    let (status, answer) = platform.deliver(&failed);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["session_id"], serde_json::Value::Null, "a failed egress of an unknown room is not adopted");

    let (status, _) = platform.deliver(&egress_ended("EV_ok", "EG_ok", "room-x", &key, "alice"));
    assert_eq!(status, 200);
    platform.wait_for_status("s-partly", "complete", PROCESSED);

    // LiveKit's own FAILED with an empty egress id, for the room of a known session.
    let mut own = egress_ended("EV_own", "", "room-x", "", "");
    own["egressInfo"]["status"] = "EGRESS_FAILED".into();
    own["egressInfo"]["error"] = "could not start: no egress workers".into();
    own["egressInfo"]["fileResults"] = json!([]);
    let (status, answer) = platform.deliver(&own);
    assert_eq!(status, 200, "{answer}");
    let after = platform.wait_for_status("s-partly", "complete", PROCESSED);
    assert_eq!(after["session"]["status"], "complete", "a finished session is not failed afterwards");
}
