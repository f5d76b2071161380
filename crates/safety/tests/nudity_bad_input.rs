//! Bad frames and bad model folders give typed errors that name the problem; nothing panics.

mod nudity_support;

use std::path::Path;

use nudity_support::{classifier, model_dir};
use session_safety::{NudityClassifier, PixelFormat, SafetyError};

#[test]
fn wrong_buffer_length_names_format_size_and_lengths() {
    let error = classifier().classify(&[0; 100], 640, 360).unwrap_err();
    let SafetyError::FrameSize { format, width, height, expected, actual } = &error else {
        panic!("expected FrameSize, got {error:?}")
    };
    assert_eq!((*format, *width, *height, *expected, *actual), ("RGB8", 640, 360, 640 * 360 * 3, 100));
    assert!(error.to_string().contains("RGB8 640x360 needs 691200 bytes, got 100"), "{error}");

    // An RGB buffer passed as RGBA is caught too.
    let rgb = vec![0; 64 * 64 * 3];
    let error = classifier().classify_pixels(&rgb, 64, 64, PixelFormat::Rgba8).unwrap_err();
    assert!(error.to_string().contains("RGBA8 64x64 needs 16384 bytes, got 12288"), "{error}");
    let error = classifier().classify_pixels(&rgb, 64, 64, PixelFormat::I420).unwrap_err();
    assert!(error.to_string().contains("I420 64x64 needs 6144 bytes"), "{error}");
}

#[test]
fn zero_and_huge_sizes_are_rejected() {
    for (width, height) in [(0, 360), (640, 0), (0, 0), (100_000, 2)] {
        let error = classifier().classify(&[], width, height).unwrap_err();
        assert!(matches!(error, SafetyError::InvalidFrame(_)), "{width}x{height}: {error:?}");
        assert!(error.to_string().contains(&format!("{width}x{height}")), "{error}");
    }
}

fn load_error(folder: &Path) -> String {
    let error = NudityClassifier::load(folder).unwrap_err();
    assert!(matches!(error, SafetyError::Model { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&folder.display().to_string()), "names the folder: {message}");
    message
}

#[test]
fn missing_or_corrupt_model_folders_are_rejected() {
    let scratch = tempfile::tempdir().unwrap();
    let message = load_error(&scratch.path().join("absent"));
    assert!(message.contains("does not exist") && message.contains("scripts/prepare-nsfw-model"), "{message}");

    let empty = scratch.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(load_error(&empty).contains("config.json"));

    let source = model_dir();
    let config = std::fs::read_to_string(source.join("config.json")).unwrap();

    let no_weights = scratch.path().join("no-weights");
    std::fs::create_dir(&no_weights).unwrap();
    std::fs::write(no_weights.join("config.json"), &config).unwrap();
    assert!(load_error(&no_weights).contains("model.safetensors is missing"));

    let truncated = scratch.path().join("truncated");
    std::fs::create_dir(&truncated).unwrap();
    std::fs::write(truncated.join("config.json"), &config).unwrap();
    let weights = std::fs::read(source.join("model.safetensors")).unwrap();
    std::fs::write(truncated.join("model.safetensors"), &weights[..weights.len() / 2]).unwrap();
    assert!(load_error(&truncated).contains("model.safetensors cannot be read"));

    let garbage = scratch.path().join("garbage-config");
    std::fs::create_dir(&garbage).unwrap();
    std::fs::write(garbage.join("config.json"), "{ not json").unwrap();
    assert!(load_error(&garbage).contains("config.json is not an nsfwjs model description"));

    // A config that declares other classes than the model has.
    let other_classes = scratch.path().join("other-classes");
    std::fs::create_dir(&other_classes).unwrap();
    std::fs::write(other_classes.join("config.json"), config.replace("\"Hentai\"", "\"Cartoon\"")).unwrap();
    std::os::unix::fs::symlink(source.join("model.safetensors"), other_classes.join("model.safetensors")).unwrap();
    assert!(load_error(&other_classes).contains("classes are"));

    // A layer whose weights are missing from the file names that tensor.
    let renamed = scratch.path().join("renamed-layer");
    std::fs::create_dir(&renamed).unwrap();
    std::fs::write(renamed.join("config.json"), config.replace("\"dense_3\"", "\"dense_9\"")).unwrap();
    std::os::unix::fs::symlink(source.join("model.safetensors"), renamed.join("model.safetensors")).unwrap();
    assert!(load_error(&renamed).contains("dense_9/kernel"));
}

#[test]
fn one_pixel_and_very_thin_frames_are_classified() {
    for (width, height) in [(1, 1), (1, 1000), (1000, 1), (3, 2)] {
        let rgb = vec![128; width as usize * height as usize * 3];
        let scores = classifier().classify(&rgb, width, height).unwrap();
        let sum: f32 = scores.as_array().iter().sum();
        assert!((sum - 1.0).abs() < 1e-4, "{width}x{height}: {scores:?}");
    }
}
