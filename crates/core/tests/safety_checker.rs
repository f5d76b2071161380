//! The realtime `SafetyChecker` as this crate re-exports it: its errors reach callers (the
//! bindings, the server) with the same `ProcessingError` codes and kinds. Its frame-by-frame
//! behaviour is tested in `crates/safety/tests/safety_checker.rs`. Also the post-session scan
//! with the real nsfwjs model (scripts/prepare-nsfw-model).

mod support;

use std::sync::Arc;

use session_processing::{
    CancelFlag, NudityClassifier, PixelFormat, ProcessingError, SafetyChecker, SafetyCheckerSettings, SafetySettings,
};
use support::{builder_for, fixture, json, local, nsfw_model_dir, read_json};

#[test]
fn bad_frames_are_refused_with_a_typed_error() {
    let settings = SafetyCheckerSettings { nudity_model: Some(nsfw_model_dir()), ..SafetyCheckerSettings::default() };
    let mut checker = SafetyChecker::new(settings).expect("load the nsfwjs model");
    let error = ProcessingError::from(checker.check_frame(&[0u8; 100], 320, 180, PixelFormat::Rgba8, 1.0).unwrap_err());
    assert_eq!((error.code().as_str(), error.kind()), ("safety.invalid_frame", "input"));
    assert!(error.to_string().contains("230400"), "{error}");
    let error =
        ProcessingError::from(checker.check_frame(&[0u8; 8 * 8 * 4], 8, 8, PixelFormat::Rgba8, f64::NAN).unwrap_err());
    assert_eq!(error.code(), "safety.invalid_frame");
    let missing = SafetyChecker::new(SafetyCheckerSettings {
        nudity_model: Some("/nonexistent/nsfw".into()),
        ..SafetyCheckerSettings::default()
    });
    let error = ProcessingError::from(missing.err().expect("a missing model folder is an error"));
    assert_eq!((error.code().as_str(), error.kind()), ("safety.model", "config"));
    assert!(error.to_string().contains("/nonexistent/nsfw"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scan_scores_sampled_frames_with_the_model() {
    let model = Arc::new(NudityClassifier::load(nsfw_model_dir()).unwrap());
    let out = tempfile::tempdir().unwrap();
    let safety = SafetySettings { nudity_model: Some(model), nudity_interval_s: 2.0, ..SafetySettings::default() };
    let processor = builder_for(out.path()).safety(safety).build();
    let result = processor.process("RM_nsfw", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    let scan = read_json(&out.path().join("sessions/RM_nsfw/safety-scan.json"));
    let nudity = scan["categories"].as_array().unwrap().iter().find(|c| c["category"] == "nudity").unwrap();
    assert_eq!(nudity["decision"], "clear", "{nudity}");
    assert!(nudity["score"].as_f64().unwrap() < 0.2, "{nudity}");
    let scored = nudity["signals"]["frames_scored"].as_u64().unwrap();
    assert!((7..=10).contains(&scored), "18 s at one frame per 2 s: {nudity}");
    assert_eq!(nudity["detectors"][0]["id"], "nsfwjs-mobilenet-v2");
    let quality = json(&result.quality.unwrap());
    assert!(quality["video"]["score"].as_f64().unwrap() > 60.0, "RGB frames still give the picture metrics");
}
