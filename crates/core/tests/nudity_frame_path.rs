//! The frames the pipeline's nudity scan sees score as the original nsfwjs scores the same
//! moments of the video at their own size (as a browser hands it the `<video>` element): the
//! frame path — colour conversion, scaling — must not move the score. (Until 2026-12-05 the scan
//! got frames scaled to 320 px wide by GStreamer first: on real photographs that read up to 0.38
//! above nsfwjs, and flagged clothed people.)

mod support;

use std::path::Path;
use std::process::Command;

use session_media::{CancelFlag, FrameFormat, FrameSampling, Limits, sample_frames_as};
use session_processing::{NudityClassifier, PixelFormat};
use support::{ffmpeg, nsfw_model_dir, validation_corpus_dir};

/// The target for nudity against nsfwjs on the same frames.
const MAX_SCORE_DIFF: f64 = 0.02;

/// A 1280×720 camera-sized clip: a busy test pattern, then a bright, plain wall, then a face-
/// coloured gradient, one second each.
fn camera_clip(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("camera-720p.mp4");
    let out = path.to_str().expect("utf-8 path");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1280x720:rate=30:duration=1",
        "-f",
        "lavfi",
        "-i",
        "color=c=0xf2e6d8:size=1280x720:rate=30:duration=1",
        "-f",
        "lavfi",
        "-i",
        "gradients=size=1280x720:rate=30:duration=1:c0=0xe0b090:c1=0x805030:seed=3",
        "-filter_complex",
        "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]",
        "-map",
        "[v]",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "18",
        "-y",
        out,
    ]);
    path
}

/// nsfwjs (TF.js CPU backend, `tools/nsfwjs_predict.mjs`) on raw RGB frames.
fn nsfwjs_scores(frames: &[(u32, u32, std::path::PathBuf)]) -> Vec<f64> {
    let npm = std::env::var_os("NSFWJS_NPM_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| nsfw_model_dir().join("../npm/nsfwjs-4.4.0"));
    assert!(npm.join("node_modules/nsfwjs").is_dir(), "{} lacks nsfwjs: run scripts/prepare-nsfw-model", npm.display());
    let tool = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/nsfwjs_predict.mjs");
    let specs: Vec<String> = frames.iter().map(|(w, h, p)| format!("{w}x{h}:{}", p.display())).collect();
    let output = Command::new("node").arg(tool).arg(&npm).args(&specs).output().expect("node runs");
    assert!(output.status.success(), "nsfwjs_predict.mjs: {}", String::from_utf8_lossy(&output.stderr));
    let results: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    results
        .iter()
        .map(|r| {
            let p: Vec<f64> =
                r["probabilities"].as_array().expect("probabilities").iter().filter_map(|v| v.as_f64()).collect();
            // Drawing, Hentai, Neutral, Porn, Sexy: the score the pipeline flags on.
            (p[3] + p[1] + 0.5 * p[4]).clamp(0.0, 1.0)
        })
        .collect()
}

/// A 1280×720 clip of real photographs of people (the validation corpus's), each shown for a
/// second, fitted into the frame and encoded as a camera's stream would be.
fn photo_clip(dir: &Path) -> std::path::PathBuf {
    let photos = validation_corpus_dir().join("photos");
    let path = dir.join("photos-720p.mp4");
    let mut args: Vec<String> = Vec::new();
    for i in 1..=6 {
        let photo = photos.join(format!("sample{i}.jpg"));
        args.extend(["-loop", "1", "-framerate", "30", "-t", "1", "-i"].map(String::from));
        args.push(photo.to_str().expect("utf-8 path").to_string());
    }
    let fit = "scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1";
    let inputs: String = (0..6).map(|i| format!("[{i}:v]{fit}[v{i}];")).collect();
    let joined: String = (0..6).map(|i| format!("[v{i}]")).collect();
    let graph = format!("{inputs}{joined}concat=n=6:v=1:a=0,format=yuv420p[v]");
    args.extend(["-filter_complex", &graph, "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast"].map(String::from));
    args.extend(["-crf", "18", "-y"].map(String::from));
    args.push(path.to_str().expect("utf-8 path").to_string());
    ffmpeg(&args.iter().map(String::as_str).collect::<Vec<_>>());
    path
}

/// The pipeline's frame path and nsfwjs on the same moments of `clip` (1280×720), two a second:
/// `(time_s, ours, nsfwjs)` per moment.
fn frame_path_against_nsfwjs(clip: &Path, dir: &Path) -> Vec<(f64, f64, f64)> {
    let model = NudityClassifier::load(nsfw_model_dir()).expect("the nudity model loads");
    let mut ours = Vec::new();
    let sampling = FrameSampling::Rate { fps: 2.0 };
    sample_frames_as(
        clip,
        (1280, 720),
        sampling,
        FrameFormat::Gray8,
        &Limits::default(),
        &CancelFlag::new(),
        &mut |frame| {
            // As the pipeline hands it to the model: the frame as decoded, at its own size.
            let coded = frame.coded.expect("the frame as decoded");
            let (w, h) = (coded.luma().width, coded.luma().height);
            let scores = model.classify_pixels(&coded.to_i420(), w, h, PixelFormat::I420).expect("classify");
            ours.push((frame.time_s, scores.nudity_score()));
        },
    )
    .expect("frames");
    assert!(ours.len() >= 5, "{ours:?}");

    let mut reference = Vec::new();
    for (i, (time_s, _)) in ours.iter().enumerate() {
        let raw = ffmpeg(&[
            "-i",
            clip.to_str().unwrap(),
            "-ss",
            &format!("{time_s:.3}"),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ]);
        assert_eq!(raw.len(), 1280 * 720 * 3);
        let path = dir.join(format!("frame-{i}.rgb"));
        std::fs::write(&path, raw).unwrap();
        reference.push((1280, 720, path));
    }
    let expected = nsfwjs_scores(&reference);
    ours.iter().zip(&expected).map(|(&(time_s, ours), &nsfwjs)| (time_s, ours, nsfwjs)).collect()
}

/// The largest difference, each moment printed.
fn worst_difference(scores: &[(f64, f64, f64)]) -> f64 {
    let mut worst = 0f64;
    for (time_s, ours, nsfwjs) in scores {
        eprintln!("{time_s:5.2} s: ours {ours:.4}, nsfwjs {nsfwjs:.4}, diff {:+.4}", ours - nsfwjs);
        worst = worst.max((ours - nsfwjs).abs());
    }
    worst
}

#[test]
fn the_pipelines_frames_score_as_nsfwjs_scores_the_video() {
    let dir = tempfile::tempdir().unwrap();
    let clip = camera_clip(dir.path());
    let worst = worst_difference(&frame_path_against_nsfwjs(&clip, dir.path()));
    assert!(worst <= MAX_SCORE_DIFF, "the pipeline's frames score up to {worst:.4} away from nsfwjs on the same video");
}

/// Real photographs of people (validation corpus): the frame path scores them as nsfwjs does,
/// and none of these clothed people comes near the flag threshold.
#[test]
fn real_photographs_score_as_nsfwjs_scores_them() {
    let dir = tempfile::tempdir().unwrap();
    let clip = photo_clip(dir.path());
    let scores = frame_path_against_nsfwjs(&clip, dir.path());
    assert!(scores.len() >= 10, "two moments a second of six photographs: {scores:?}");
    let worst = worst_difference(&scores);
    assert!(worst <= MAX_SCORE_DIFF, "real photographs score up to {worst:.4} away from nsfwjs on the same frames");
    let highest = scores.iter().map(|&(_, ours, _)| ours).fold(0.0, f64::max);
    assert!(highest < session_processing::session_safety::nudity::DEFAULT_NUDITY_THRESHOLD, "highest {highest:.4}");
}
