//! Candle's scores match the original nsfwjs (TF.js, CPU backend) on the same pixels.

mod nudity_support;

use std::process::Command;

use nudity_support::{classifier, npm_dir, scenes, video_frame};

#[test]
fn candle_matches_nsfwjs_within_1e_3() {
    let folder = tempfile::tempdir().unwrap();
    let mut images = vec![
        ("noise-64x48", scenes::noise(64, 48, 1)),
        ("gradient-640x360", scenes::gradient(640, 360)),
        ("shapes-300x200", scenes::shapes(300, 200)),
        ("text-224x224", scenes::text_page(224, 224)),
        ("person-480x640", scenes::clothed_person(480, 640)),
    ];
    let frame = video_frame("clean.mp4", 1.0, "rgb24");
    images.push(("clean.mp4@1s", scenes::Canvas { width: 640, height: 360, pixels: frame }));

    let mut specs = Vec::new();
    for (name, image) in &images {
        let path = folder.path().join(format!("{name}.rgb"));
        std::fs::write(&path, &image.pixels).unwrap();
        specs.push(format!("{}x{}:{}", image.width, image.height, path.display()));
    }
    let tool = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/nsfwjs_predict.mjs");
    let output = Command::new("node").arg(tool).arg(npm_dir()).args(&specs).output().expect("node runs");
    assert!(output.status.success(), "nsfwjs_predict.mjs failed: {}", String::from_utf8_lossy(&output.stderr));
    let reference: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("JSON from nsfwjs_predict");
    assert_eq!(reference.len(), images.len());

    let mut worst = 0f32;
    for ((name, image), expected) in images.iter().zip(&reference) {
        let expected: Vec<f32> =
            expected["probabilities"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        let actual = classifier().classify(&image.pixels, image.width, image.height).unwrap().as_array();
        let diff = actual.iter().zip(&expected).map(|(a, e)| (a - e).abs()).fold(0f32, f32::max);
        eprintln!("{name}: candle {actual:?}\n{:>w$}  nsfwjs {expected:?}  max |diff| {diff:.2e}", "", w = name.len());
        assert!(diff < 1e-3, "{name}: candle {actual:?} vs nsfwjs {expected:?}");
        worst = worst.max(diff);
    }
    eprintln!("largest difference over {} images: {worst:.2e}", images.len());
}
