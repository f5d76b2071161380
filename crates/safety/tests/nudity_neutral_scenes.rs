//! Ordinary frames stay below the default threshold: generated scenes and frames from
//! the project's test videos. Prints each frame's scores (run with `--nocapture`).

mod nudity_support;

use nudity_support::{classifier, scenes, video_frame};
use session_safety::PixelFormat;
use session_safety::nudity::DEFAULT_NUDITY_THRESHOLD;

fn assert_clear(name: &str, scores: session_safety::NudityScores) {
    let score = scores.nudity_score();
    eprintln!("{name:<28} nudity_score {score:.5}  {scores:?}");
    let sum: f32 = scores.as_array().iter().sum();
    assert!((sum - 1.0).abs() < 1e-4, "{name}: probabilities sum to {sum}");
    assert!(score < DEFAULT_NUDITY_THRESHOLD, "{name}: nudity_score {score} >= {DEFAULT_NUDITY_THRESHOLD}");
}

#[test]
fn generated_scenes_are_not_flagged() {
    let images = [
        ("gradient 640x360", scenes::gradient(640, 360)),
        ("shapes 640x360", scenes::shapes(640, 360)),
        ("text page 400x560", scenes::text_page(400, 560)),
        ("clothed person 640x360", scenes::clothed_person(640, 360)),
        ("clothed person 360x640", scenes::clothed_person(360, 640)),
        ("noise 224x224", scenes::noise(224, 224, 42)),
        ("black 320x240", scenes::Canvas::filled(320, 240, [0, 0, 0])),
        ("skin-tone wall 320x240", scenes::Canvas::filled(320, 240, [224, 172, 140])),
    ];
    for (name, image) in images {
        assert_clear(name, classifier().classify(&image.pixels, image.width, image.height).unwrap());
    }
}

#[test]
fn test_video_frames_are_not_flagged() {
    for video in ["clean.mp4", "alice.mp4", "bob.mp4", "blurred.mp4", "covered.mp4", "dark.mp4", "frozen.mp4"] {
        for seconds in [0.5, 2.0] {
            let rgb = video_frame(video, seconds, "rgb24");
            assert_clear(&format!("{video}@{seconds}s"), classifier().classify(&rgb, 640, 360).unwrap());
        }
    }
}

#[test]
fn rgba_and_i420_frames_score_like_rgb() {
    let rgb = classifier().classify(&video_frame("clean.mp4", 1.0, "rgb24"), 640, 360).unwrap();
    let rgba = video_frame("clean.mp4", 1.0, "rgba");
    let rgba = classifier().classify_pixels(&rgba, 640, 360, PixelFormat::Rgba8).unwrap();
    assert_eq!(rgba, rgb, "RGBA with alpha dropped is the same image");
    // I420 goes through our own BT.601 conversion instead of ffmpeg's: close, not equal.
    let i420 = video_frame("clean.mp4", 1.0, "yuv420p");
    let i420 = classifier().classify_pixels(&i420, 640, 360, PixelFormat::I420).unwrap();
    eprintln!("clean.mp4@1s RGB {rgb:?}\n             I420 {i420:?}");
    for (a, b) in rgb.as_array().iter().zip(i420.as_array()) {
        assert!((a - b).abs() < 0.05, "RGB {rgb:?} vs I420 {i420:?}");
    }
}
