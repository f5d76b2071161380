//! S3 input and S3 output against a real S3-compatible server (moto) on loopback.

mod support;

use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use session_processing::{CancelFlag, OutputLocation, RecordingInput, SessionProcessor, StageStatus};
use session_testkit::S3Server;
use support::fixture;

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
