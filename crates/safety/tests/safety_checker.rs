//! The realtime `SafetyChecker` on frames as a server would receive them, with the real nsfwjs
//! model (scripts/prepare-nsfw-model, `NSFW_MODEL_DIR`).

mod nudity_support;

use nudity_support::model_dir;
use session_safety::{PixelFormat, SafetyCategory, SafetyChecker, SafetyCheckerSettings, SafetyError, SafetySource};

/// A moving, textured RGBA scene: bars that shift with `t`.
fn scene(width: u32, height: u32, t: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height * 4) as usize);
    for y in 0..height {
        for x in 0..width {
            let v = (((x + 7 * t) / 16 + y / 24) % 2) as u8 * 150 + ((x * y + t * 13) % 50) as u8;
            pixels.extend_from_slice(&[v, 255 - v, (x % 256) as u8, 255]);
        }
    }
    pixels
}

fn checker(participant: &str) -> SafetyChecker {
    SafetyChecker::new(SafetyCheckerSettings {
        participant: Some(participant.into()),
        nudity_model: Some(model_dir()),
        ..SafetyCheckerSettings::default()
    })
    .expect("load the nsfwjs model")
}

#[test]
fn ordinary_frames_are_scored_and_not_flagged() {
    let mut checker = checker("alice");
    assert!(checker.has_nudity_model());
    for t in 0..30 {
        let check = checker.check_frame(&scene(320, 180, t), 320, 180, PixelFormat::Rgba8, f64::from(t)).unwrap();
        let score = check.nudity_score.expect("a model is loaded");
        assert!(score < 0.2, "frame {t}: nudity {score}");
        assert!(!check.covered && !check.frozen, "frame {t}");
        assert!(check.events.is_empty(), "frame {t}: {:?}", check.events);
    }
}

#[test]
fn a_camera_covered_for_long_raises_one_event() {
    let mut checker = checker("bob");
    let black = vec![0u8; 160 * 90 * 3];
    let mut events = Vec::new();
    for t in 0..40 {
        let check = checker.check_frame(&black, 160, 90, PixelFormat::Rgb8, f64::from(t)).unwrap();
        assert!(check.covered);
        events.extend(check.events);
    }
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!((event.category, event.source), (SafetyCategory::SuspiciousBehavior, SafetySource::RealtimeServer));
    assert_eq!(event.participant.as_deref(), Some("bob"));
    assert_eq!(event.media_time_s, Some(0.0), "the event points at the start of the stretch");
    event.validate().unwrap();
    let details = event.evidence.details.as_ref().unwrap();
    assert!(details["duration_s"].as_f64().unwrap() >= 20.0, "{details}");
}

#[test]
fn bad_frames_are_refused_with_a_typed_error() {
    let mut checker = checker("carol");
    let error = checker.check_frame(&[0u8; 100], 320, 180, PixelFormat::Rgba8, 1.0).unwrap_err();
    assert!(matches!(error, SafetyError::InvalidFrame(_)), "{error:?}");
    assert!(error.to_string().contains("230400"), "{error}");
    let error = checker.check_frame(&scene(8, 8, 0), 8, 8, PixelFormat::Rgba8, f64::NAN).unwrap_err();
    assert!(matches!(error, SafetyError::InvalidFrame(_)), "{error:?}");
    let missing = SafetyChecker::new(SafetyCheckerSettings {
        nudity_model: Some("/nonexistent/nsfw".into()),
        ..SafetyCheckerSettings::default()
    });
    let error = missing.err().expect("a missing model folder is an error");
    assert!(matches!(error, SafetyError::Model { .. }), "{error:?}");
    assert!(error.to_string().contains("/nonexistent/nsfw"), "{error}");
}
