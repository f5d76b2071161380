//! The durable queue with real worker processes on one Postgres: a worker killed with SIGKILL
//! mid-job has its job finished by another; two workers take distinct jobs; a database that
//! stops and comes back loses nothing.

mod support;

use std::time::{Duration, Instant};

use session_testkit::fixture;
use support::{Platform, egress_ended};

const NO_LIVEKIT: &str = "ws://127.0.0.1:9";
const PROCESSED: Duration = Duration::from_secs(240);

/// Whisper makes a job last long enough to be cut in the middle.
fn with_whisper(platform: &mut Platform) {
    let model = std::env::var("WHISPER_MODEL_DIR")
        .expect("WHISPER_MODEL_DIR is not set: run scripts/prepare-whisper-tiny (scripts/test does) and export it");
    platform.env.insert("WHISPER_MODEL".into(), model);
}

fn event_kinds(session: &serde_json::Value) -> Vec<String> {
    session["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event_type"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_job_cut_by_sigkill_is_finished_by_another_worker_without_a_half_written_session() {
    let mut platform = Platform::start(NO_LIVEKIT);
    with_whisper(&mut platform);
    let _api = platform.serve(&["--api-only"]);
    let mut first = platform.worker("first-worker");
    let key = platform.record("s-killed", &fixture("clean.mp4"));
    let (status, answer) = platform.deliver(&egress_ended("EV_k", "EG_k", "room-k", &key, "alice"));
    assert_eq!(status, 200, "{answer}");

    platform.wait_for_status("s-killed", "processing", Duration::from_secs(120));
    first.kill_hard();
    let manifest = platform.output().join("sessions/s-killed/manifest.json");
    let cut: serde_json::Value =
        std::fs::read(&manifest).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    assert_ne!(cut["status"], "complete", "the job was cut before it finished (else this test proves nothing)");

    let started = Instant::now();
    let _second = platform.worker("second-worker");
    let done = platform.wait_for_status("s-killed", "complete", PROCESSED);
    let kinds = event_kinds(&done);
    assert_eq!(kinds.iter().filter(|k| *k == "processing_started").count(), 2, "run twice: {kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "processing_complete").count(), 1, "{kinds:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).expect("manifest")).expect("manifest JSON");
    assert_eq!(manifest["status"], "complete");
    for artifact in manifest["artifacts"].as_array().expect("artifacts") {
        let path = std::path::PathBuf::from(artifact["location"].as_str().expect("location"));
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert_eq!(bytes, artifact["bytes"].as_u64().unwrap_or(u64::MAX), "{} is whole", path.display());
    }
    let jobs = platform.wait_for_jobs_done(1, Duration::from_secs(30));
    assert_eq!(jobs[0]["attempts"], 2, "two runs: the one cut by the kill and the one that finished: {jobs:?}");
    eprintln!("handed over and finished in {:.1} s after the kill", started.elapsed().as_secs_f64());
}

#[test]
fn two_worker_processes_take_each_job_once() {
    let platform = Platform::start(NO_LIVEKIT);
    let _api = platform.serve(&["--api-only"]);
    let _workers = [platform.worker("worker-a"), platform.worker("worker-b")];
    let ids: Vec<String> = (0..4).map(|i| format!("s-pair-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let key = platform.record(id, &fixture("clean.mp4"));
        let (status, answer) =
            platform.deliver(&egress_ended(&format!("EV_p{i}"), &format!("EG_p{i}"), id, &key, "alice"));
        assert_eq!(status, 200, "{answer}");
    }
    for id in &ids {
        let done = platform.wait_for_status(id, "complete", PROCESSED);
        let kinds = event_kinds(&done);
        assert_eq!(kinds.iter().filter(|k| *k == "processing_started").count(), 1, "{id} ran once: {kinds:?}");
    }
    platform.wait_for_jobs_done(ids.len(), Duration::from_secs(30));
}

#[test]
fn the_server_reconnects_after_postgres_restarts_and_loses_nothing() {
    let mut platform = Platform::start(NO_LIVEKIT);
    let mut server = platform.serve(&[]);
    platform.postgres.stop();
    let (status, _) = support::http_get(&format!("{}/healthz", platform.base_url()), &[]);
    assert_eq!(status, 503, "health says the database is down");
    let key = platform.record("s-outage", &fixture("clean.mp4"));
    let body = egress_ended("EV_outage", "EG_outage", "room-o", &key, "alice");
    let (status, answer) = platform.deliver(&body);
    assert_eq!(status, 503, "a delivery during the outage is refused, so LiveKit retries it: {answer}");

    platform.postgres.start_again();
    server.wait_until_healthy(Duration::from_secs(60));
    let (status, answer) = platform.deliver(&body);
    assert_eq!(status, 200, "LiveKit's retry is taken: {answer}");
    assert_ne!(answer["duplicate"], true, "the refused delivery left no trace: {answer}");
    platform.wait_for_status("s-outage", "complete", PROCESSED);
}

#[test]
fn an_unreachable_bucket_is_retried_with_backoff_then_fails_with_the_reason() {
    let mut platform = Platform::start(NO_LIVEKIT);
    // Nothing listens on this port: every S3 call is refused.
    let dead = format!("http://127.0.0.1:{}", support::free_port());
    for (name, value) in [
        ("OUTPUT_DIR", "s3://unreachable".to_string()),
        ("S3_ENDPOINT", dead),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("S3_TIMEOUT_S", "1".to_string()),
        ("STORAGE_RETRY_BACKOFF_S", "0.5,1".to_string()),
    ] {
        platform.env.insert(name.into(), value);
    }
    let _server = platform.serve(&[]);
    let key = platform.record("s-no-bucket", &fixture("clean.mp4"));
    let (status, answer) = platform.deliver(&egress_ended("EV_nb", "EG_nb", "room-nb", &key, "alice"));
    assert_eq!(status, 200, "{answer}");
    let failed = platform.wait_for_status("s-no-bucket", "failed", Duration::from_secs(120));
    let reason = failed["session"]["status_reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("storage") && reason.contains("unreachable"),
        "the reason names storage and the bucket: {reason}"
    );
    let events = failed["events"].as_array().expect("events");
    let retries: Vec<&serde_json::Value> = events.iter().filter(|e| e["event_type"] == "processing_retry").collect();
    assert_eq!(retries.len(), 2, "one retry per backoff step: {events:#?}");
    assert_eq!(
        (retries[0]["payload"]["attempt"].as_u64(), retries[1]["payload"]["attempt"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(retries[1]["payload"]["next_attempt_in_s"], 1.0);
    assert_eq!(event_kinds(&failed).last().map(String::as_str), Some("processing_failed"));
}

#[test]
fn one_worker_runs_one_session_at_a_time() {
    let mut platform = Platform::start(NO_LIVEKIT);
    platform.env.insert("WORKER_CONCURRENCY".into(), "1".into());
    let _api = platform.serve(&["--api-only"]);
    for (i, id) in ["s-one-a", "s-one-b", "s-one-c"].into_iter().enumerate() {
        let key = platform.record(id, &fixture("clean.mp4"));
        let (status, answer) =
            platform.deliver(&egress_ended(&format!("EV_o{i}"), &format!("EG_o{i}"), id, &key, "alice"));
        assert_eq!(status, 200, "{answer}");
    }
    // The jobs wait in the queue until the worker starts; it must then take them one by one.
    let _worker = platform.worker("only-worker");
    for id in ["s-one-a", "s-one-b", "s-one-c"] {
        platform.wait_for_status(id, "complete", PROCESSED);
    }
    let runs = platform.query(
        "SELECT session_id, event_type, created_at FROM session_events \
         WHERE event_type IN ('processing_started', 'processing_complete') ORDER BY created_at, id",
    );
    let order: Vec<String> = runs.iter().map(|r| r["event_type"].as_str().unwrap_or_default().to_string()).collect();
    let alternating = order.chunks(2).all(|pair| pair == ["processing_started", "processing_complete"]);
    assert!(alternating && order.len() == 6, "each run ends before the next starts: {runs:#?}");
}

/// What each request to the stand-in carried: request line, `authorization | content-type`, body
/// length.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, String, usize)>>>;

/// A local server speaking the Hugging Face Inference API's wire format: raw WAV in, `{"text",
/// "chunks"}` out; it keeps what each request carried.
fn inference_stand_in() -> (session_testkit::http::Listener, Seen) {
    use session_testkit::http::{Request, write_response};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    let listener = session_testkit::http::Listener::start(move |stream| {
        let Ok(mut reader) = stream.try_clone().map(std::io::BufReader::new) else { return };
        let Ok(request) = Request::read(&mut reader) else { return };
        let header = |name: &str| request.header(name).unwrap_or_default().to_string();
        kept.lock().unwrap().push((
            request.request_line(),
            format!("{} | {}", header("authorization"), header("content-type")),
            request.body.len(),
        ));
        let body = r#"{"text": " The inference service heard this.", "chunks": [{"timestamp": [0.0, 2.0], "text": " The inference service heard this."}]}"#;
        let json = [("Content-Type".to_string(), "application/json".to_string())];
        let mut out = stream;
        let _ = write_response(&mut out, 200, &json, body.as_bytes());
    });
    (listener, seen)
}

#[test]
fn without_a_whisper_model_a_huggingface_token_transcribes_through_the_inference_api() {
    let (service, seen) = inference_stand_in();
    let mut platform = Platform::start(NO_LIVEKIT);
    platform.env.insert("HUGGINGFACE_ACCESS_TOKEN".into(), "hf_platform_test_token".into());
    platform.env.insert("HF_INFERENCE_ENDPOINT".into(), format!("{}/models", service.base_url));
    let server = platform.serve(&[]);
    let key = platform.record("s-hf", &fixture("clean.mp4"));
    let (status, answer) = platform.deliver(&egress_ended("EV_hf", "EG_hf", "room-hf", &key, "alice"));
    assert_eq!(status, 200, "{answer}");
    platform.wait_for_status("s-hf", "complete", PROCESSED);

    let transcript: serde_json::Value = serde_json::from_slice(
        &std::fs::read(platform.output().join("sessions/s-hf/transcript.json")).expect("transcript.json"),
    )
    .expect("transcript JSON");
    assert_eq!(transcript["text"], "The inference service heard this.", "{transcript:#}");
    let requests = seen.lock().unwrap().clone();
    assert!(!requests.is_empty(), "the service was called");
    for (line, headers, bytes) in &requests {
        assert_eq!(line, "POST /models/openai/whisper-large-v3 HTTP/1.1");
        assert_eq!(headers, "Bearer hf_platform_test_token | audio/wav");
        assert!(*bytes > 44, "a WAV with samples: {bytes} bytes");
    }
    assert!(!server.log_text().contains("hf_platform_test_token"), "the token is never logged");
}
