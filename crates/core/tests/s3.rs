//! S3 input and S3 output against a real S3-compatible server (moto) on loopback.

mod support;

use std::time::{Duration, Instant};

use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use session_processing::{CancelFlag, OutputLocation, RecordingInput, SessionProcessor, StageStatus};
use session_testkit::S3Server;
use support::{fixture, hold_first_stage};

async fn put(store: &dyn ObjectStore, key: &str, body: Vec<u8>) {
    store.put(&ObjectPath::from(key), body.into()).await.unwrap();
}

async fn get_json(store: &dyn ObjectStore, key: &str) -> serde_json::Value {
    let bytes = store.get(&ObjectPath::from(key)).await.unwrap_or_else(|e| panic!("{key}: {e}")).bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_egress_recording_in_s3_is_processed_in_place() {
    let server = S3Server::start();
    server.create_bucket("recordings");
    let store = server.store("recordings");
    let recording = std::fs::read(fixture("clean.mp4")).unwrap();
    put(store.as_ref(), "sessions/RM_s3/recording.mp4", recording.clone()).await;

    let processor = SessionProcessor::builder()
        .s3(support::s3_settings(&server))
        .output(OutputLocation::parse("s3://recordings").unwrap())
        .build();
    let input = RecordingInput::parse("s3://recordings/sessions/RM_s3/recording.mp4").unwrap();
    let result = processor.process("RM_s3", input, &CancelFlag::new()).await.unwrap();

    let stored = result.stages.iter().find(|s| s.name == "store_recording").unwrap();
    assert_eq!(stored.status, StageStatus::Skipped, "a recording already in place is not copied again");
    assert_eq!(result.output, "s3://recordings/sessions/RM_s3");
    let manifest = get_json(store.as_ref(), "sessions/RM_s3/manifest.json").await;
    assert_eq!(manifest["status"], "complete");
    let quality = get_json(store.as_ref(), "sessions/RM_s3/quality.json").await;
    assert!(quality["score"].as_f64().unwrap() > 50.0, "{quality}");
    let wav = store.get(&ObjectPath::from("sessions/RM_s3/audio.wav")).await.unwrap().bytes().await.unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    let kept = store.get(&ObjectPath::from("sessions/RM_s3/recording.mp4")).await.unwrap().bytes().await.unwrap();
    assert_eq!(kept.len(), recording.len());

    // report.html opens as a page from the bucket, and renders again from the bucket's JSON.
    let page = store.get(&ObjectPath::from("sessions/RM_s3/report.html")).await.unwrap();
    let content_type = page.attributes.get(&object_store::Attribute::ContentType).map(|v| v.to_string());
    assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
    let stored = String::from_utf8(page.bytes().await.unwrap().to_vec()).unwrap();
    let session = session_processing::StoredSession::parse("s3://recordings/sessions/RM_s3").unwrap();
    let again = session_processing::render_report(&session, &support::s3_settings(&server)).await.unwrap();
    assert_eq!(again, stored, "re-rendered from S3 byte for byte");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_recording_is_uploaded_under_a_prefix_and_an_arn_bucket() {
    let server = S3Server::start();
    server.create_bucket("analytics");
    let processor = SessionProcessor::builder()
        .s3(support::s3_settings(&server))
        .output(OutputLocation::S3 {
            bucket: session_processing::bucket_name("arn:aws:s3:::analytics").unwrap(),
            prefix: "tenant-a".into(),
        })
        .build();
    let input = RecordingInput::Local { path: fixture("vp8.webm") };
    processor.process("local-up", input, &CancelFlag::new()).await.unwrap();
    let store = server.store("analytics");
    let recording = store.head(&ObjectPath::from("tenant-a/sessions/local-up/recording.webm")).await.unwrap();
    assert_eq!(recording.size, std::fs::metadata(fixture("vp8.webm")).unwrap().len());
    let combined = get_json(store.as_ref(), "tenant-a/sessions/local-up/combined-score.json").await;
    assert!(combined["score"].is_number());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_in_another_bucket_is_copied_and_a_missing_one_is_named() {
    let server = S3Server::start();
    server.create_bucket("egress");
    server.create_bucket("results");
    put(server.store("egress").as_ref(), "raw/take1.m4a", std::fs::read(fixture("audio.m4a")).unwrap()).await;
    let processor = SessionProcessor::builder()
        .s3(support::s3_settings(&server))
        .output(OutputLocation::parse("s3://results").unwrap())
        .build();
    processor
        .process("copy", RecordingInput::parse("s3://egress/raw/take1.m4a").unwrap(), &CancelFlag::new())
        .await
        .unwrap();
    let results = server.store("results");
    assert!(results.head(&ObjectPath::from("sessions/copy/recording.m4a")).await.is_ok());
    let manifest = get_json(results.as_ref(), "sessions/copy/manifest.json").await;
    let video = manifest["stages"].as_array().unwrap().iter().find(|s| s["name"] == "video").unwrap().clone();
    assert_eq!(video["status"], "skipped");

    let err = processor
        .process("missing", RecordingInput::parse("s3://egress/raw/nope.mp4").unwrap(), &CancelFlag::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "input");
    assert!(err.to_string().contains("s3://egress/raw/nope.mp4"), "{err}");
}

/// A processor writing to `s3://<bucket>` on `server`.
fn s3_builder(server: &S3Server, bucket: &str) -> session_processing::SessionProcessorBuilder {
    SessionProcessor::builder()
        .s3(support::s3_settings(server))
        .output(OutputLocation::parse(&format!("s3://{bucket}")).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_runs_of_one_session_on_one_bucket_do_not_mix() {
    let server = S3Server::start();
    server.create_bucket("shared");
    let store = server.store("shared");
    // Each run is a separate processor, as two machines would have.
    let (held_builder, entered, release) = hold_first_stage(s3_builder(&server, "shared"));
    let first = held_builder.build();
    // On its own thread and the library's runtime, as another worker would run it.
    let first_run = std::thread::spawn(move || {
        first.process_blocking("busy", RecordingInput::Local { path: fixture("opus.mp4") }, &CancelFlag::new())
    });
    entered.recv_timeout(Duration::from_secs(60)).expect("the first run reached its first stage within 60 s");
    assert_eq!(get_json(store.as_ref(), "sessions/busy/manifest.json").await["status"], "running");
    let lease = get_json(store.as_ref(), "sessions/busy/.lease.json").await;
    assert!(lease["holder"].as_str().unwrap().starts_with("pid "), "{lease}");

    let second = s3_builder(&server, "shared").build();
    let started = Instant::now();
    let input = RecordingInput::Local { path: fixture("vp8.webm") };
    let error = second.process("busy", input.clone(), &CancelFlag::new()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "busy took {:?}", started.elapsed());
    assert_eq!((error.code().as_str(), error.kind()), ("session.busy", "storage"), "{error}");
    assert!(error.to_string().contains("session busy"), "{error}");
    assert!(store.head(&ObjectPath::from("sessions/busy/recording.webm")).await.is_err(), "the busy run wrote nothing");

    release.send(()).unwrap();
    first_run.join().unwrap().unwrap();
    let manifest = get_json(store.as_ref(), "sessions/busy/manifest.json").await;
    assert_eq!(manifest["status"], "complete");
    assert!(manifest["input"]["path"].as_str().unwrap().ends_with("opus.mp4"), "{}", manifest["input"]);
    assert!(store.head(&ObjectPath::from("sessions/busy/.lease.json")).await.is_err(), "released at the end");

    second.process("busy", input, &CancelFlag::new()).await.unwrap();
    assert!(store.head(&ObjectPath::from("sessions/busy/recording.webm")).await.is_ok());
    assert!(
        store.head(&ObjectPath::from("sessions/busy/recording.mp4")).await.is_err(),
        "no recording of the older run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crashed_holders_lease_expires_and_a_live_one_names_its_holder() {
    let server = S3Server::start();
    server.create_bucket("leases");
    let store = server.store("leases");
    let processor = s3_builder(&server, "leases").build();
    let lease = |expires_at: &str| {
        serde_json::to_vec(&serde_json::json!({
            "holder": "pid 4242 on worker-7 (run 1)",
            "acquired_at": "2026-01-01T00:00:00Z",
            "expires_at": expires_at,
        }))
        .unwrap()
    };
    let input = || RecordingInput::Local { path: fixture("audio.m4a") };

    // A holder that is still alive (its lease runs for another hour): busy, naming it.
    let later = (time::OffsetDateTime::now_utc() + time::Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    put(store.as_ref(), "sessions/crash/.lease.json", lease(&later)).await;
    let error = processor.process("crash", input(), &CancelFlag::new()).await.unwrap_err();
    assert_eq!(error.code(), "session.busy", "{error}");
    assert!(error.to_string().contains("worker-7") && error.to_string().contains(&later), "{error}");
    assert!(store.head(&ObjectPath::from("sessions/crash/manifest.json")).await.is_err());

    // A holder that crashed: its lease expired, and the next run takes it over.
    put(store.as_ref(), "sessions/crash/.lease.json", lease("2026-01-01T00:01:00Z")).await;
    processor.process("crash", input(), &CancelFlag::new()).await.unwrap();
    assert_eq!(get_json(store.as_ref(), "sessions/crash/manifest.json").await["status"], "complete");
    assert!(store.head(&ObjectPath::from("sessions/crash/.lease.json")).await.is_err(), "released at the end");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_s3_endpoint_fails_within_the_configured_timeout() {
    // Accepts connections and never answers, as a hung proxy or a black-holed endpoint does.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let settings = session_processing::S3Settings {
        region: Some("us-east-1".into()),
        endpoint: Some(endpoint.clone()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
        session_token: None,
        force_path_style: true,
        timeout_s: Some(1.0),
    };
    let processor =
        SessionProcessor::builder().s3(settings).output(OutputLocation::parse("s3://silent").unwrap()).build();
    let started = Instant::now();
    let input = RecordingInput::Local { path: fixture("audio.m4a") };
    let error = processor.process("silent", input, &CancelFlag::new()).await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "a 1 s timeout took {took:?}: {error}");
    assert_eq!((error.code().as_str(), error.kind()), ("storage", "storage"), "{error}");
    assert!(error.to_string().contains("s3://silent/sessions/silent"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_input_inside_the_session_folder_in_s3_is_refused_and_kept() {
    let server = S3Server::start();
    server.create_bucket("inplace");
    let store = server.store("inplace");
    let audio = std::fs::read(fixture("audio.m4a")).unwrap();
    put(store.as_ref(), "sessions/dl/audio.wav", audio.clone()).await;
    let processor = s3_builder(&server, "inplace").build();
    let input = RecordingInput::parse("s3://inplace/sessions/dl/audio.wav").unwrap();
    let error = processor.process("dl", input, &CancelFlag::new()).await.unwrap_err();
    assert_eq!((error.code().as_str(), error.kind()), ("input.in_session_folder", "input"), "{error}");
    let kept = store.get(&ObjectPath::from("sessions/dl/audio.wav")).await.unwrap().bytes().await.unwrap();
    assert_eq!(kept.len(), audio.len(), "the input must be left as it was");
    assert!(store.head(&ObjectPath::from("sessions/dl/manifest.json")).await.is_err(), "a refused run writes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_run_renews_its_lease_so_it_never_expires_under_it() {
    let server = S3Server::start();
    server.create_bucket("renew");
    let store = server.store("renew");
    let ttl = Duration::from_secs(1);
    let (held_builder, entered, release) = hold_first_stage(s3_builder(&server, "renew").session_lease_ttl(ttl));
    let first = held_builder.build();
    let first_run = std::thread::spawn(move || {
        first.process_blocking("long", RecordingInput::Local { path: fixture("audio.m4a") }, &CancelFlag::new())
    });
    entered.recv_timeout(Duration::from_secs(60)).expect("the first run reached its first stage within 60 s");
    let first_expiry = get_json(store.as_ref(), "sessions/long/.lease.json").await["expires_at"].clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let lease = get_json(store.as_ref(), "sessions/long/.lease.json").await;
        if lease["expires_at"] != first_expiry {
            break;
        }
        assert!(Instant::now() < deadline, "the lease was not renewed within 30 s: {lease}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Renewed past its first expiry: another run still finds the session busy.
    let error = s3_builder(&server, "renew")
        .build()
        .process("long", RecordingInput::Local { path: fixture("vp8.webm") }, &CancelFlag::new())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "session.busy", "{error}");
    release.send(()).unwrap();
    first_run.join().unwrap().unwrap();
    assert_eq!(get_json(store.as_ref(), "sessions/long/manifest.json").await["status"], "complete");
}
