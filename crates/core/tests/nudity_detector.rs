//! Nudity detection is a boundary: a `NudityDetector` given in `SafetySettings` judges the
//! post-session scan's sampled frames, and one given to `SafetyChecker::with_nudity_detector` the
//! realtime frames; events name it as their detector.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use session_processing::session_safety::DetectorInfo;
use session_processing::stages::NudityDetector;
use session_processing::{
    CancelFlag, NudityScores, PixelFormat, RunStatus, SafetyChecker, SafetyCheckerSettings, SafetySettings,
};
use support::{builder_for, fixture, local, read_json};

/// A stand-in for a moderation service: every frame is judged explicit. It checks that each
/// frame arrives whole (the bytes its size and format need) and counts them.
#[derive(Default)]
struct EverythingExplicit {
    frames: AtomicUsize,
}

impl NudityDetector for EverythingExplicit {
    fn detector_info(&self) -> DetectorInfo {
        DetectorInfo { id: "moderation-service".into(), version: "7".into() }
    }

    fn score_frame(
        &self,
        pixels: &[u8],
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<NudityScores, session_processing::session_safety::SafetyError> {
        assert_eq!(pixels.len(), format.frame_len(width, height), "{width}x{height} {format:?}");
        self.frames.fetch_add(1, Ordering::SeqCst);
        Ok(NudityScores { drawing: 0.0, hentai: 0.0, neutral: 0.1, porn: 0.9, sexy: 0.0 })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_post_session_scan_asks_the_detector_it_was_given() {
    let out = tempfile::tempdir().unwrap();
    let detector = Arc::new(EverythingExplicit::default());
    let safety = SafetySettings { nudity_model: Some(detector.clone()), nudity_interval_s: 1.0, ..Default::default() };
    let processor = builder_for(out.path()).safety(safety).build();
    let result = processor.process("judged-1", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert_eq!(result.status, RunStatus::Complete);

    let frames = detector.frames.load(Ordering::SeqCst);
    assert!(frames >= 2, "a frame a second of a several-second clip: {frames}");
    let dir = out.path().join("sessions/judged-1");
    let scan = read_json(&dir.join("safety-scan.json"));
    let nudity = scan["categories"].as_array().unwrap().iter().find(|c| c["category"] == "nudity").unwrap();
    assert_eq!(nudity["decision"], "flagged", "{nudity}");
    assert_eq!(nudity["score"], 0.9, "{nudity}");
    let events: Vec<serde_json::Value> = std::fs::read_dir(dir.join("safety"))
        .unwrap()
        .map(|entry| read_json(&entry.unwrap().path()))
        .filter(|event| event["category"] == "nudity")
        .collect();
    assert_eq!(events.len(), 1, "one run of flagged frames is one event: {events:?}");
    assert_eq!(events[0]["detector"]["id"], "moderation-service");
    assert_eq!(events[0]["detector"]["version"], "7");
}

#[test]
fn the_realtime_checker_asks_the_detector_it_was_given() {
    let detector = Arc::new(EverythingExplicit::default());
    let settings = SafetyCheckerSettings { participant: Some("alice".into()), ..Default::default() };
    let mut checker = SafetyChecker::with_nudity_detector(settings, detector.clone());
    assert!(checker.has_nudity_model());
    let (width, height) = (64, 48);
    let frame: Vec<u8> = (0..width * height * 3).map(|i| (i * 7 % 251) as u8).collect();
    let check = checker.check_frame(&frame, width, height, PixelFormat::Rgb8, 0.0).unwrap();
    assert_eq!(check.nudity_score, Some(0.9f32 as f64));
    assert_eq!(check.events.len(), 1, "{:?}", check.events);
    assert_eq!(check.events[0].detector.id, "moderation-service");
    assert_eq!(check.events[0].participant.as_deref(), Some("alice"));
    assert_eq!(detector.frames.load(Ordering::SeqCst), 1);
}
