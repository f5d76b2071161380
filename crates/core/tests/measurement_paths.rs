//! Measures that must not depend on how the media reached them: loudness (ITU-R BS.1770) over a
//! recording's own channels, checked against ffmpeg's `ebur128` filter as the reference, and the
//! video's luma, the same whether or not the nudity model also reads the frames.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use session_processing::{CancelFlag, NudityClassifier, SafetySettings, SessionProcessorBuilder, Stages};
use support::{builder_for, fixture, json, local, nsfw_model_dir, number, read_json};

/// `speech.wav` (espeak-ng) at 48 kHz, spread over `layout` with a different gain per channel
/// (`pan` syntax, e.g. `stereo|c0=1.0*c0|c1=0.5*c0`), encoded with `codec` into `dir/name`.
fn upmixed(dir: &Path, name: &str, pan: &str, codec: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-i"])
        .arg(fixture("speech.wav"))
        .args(["-af", &format!("aresample=48000,pan={pan}")])
        .args(codec)
        .arg(&out)
        .status()
        .expect("ffmpeg (Debian: apt-get install ffmpeg) is part of the test setup");
    assert!(status.success(), "ffmpeg could not write {}", out.display());
    out
}

/// ffmpeg's `ebur128` filter on `path`: the integrated loudness (LUFS) and the momentary
/// loudness of every 100 ms step as (t_s, LUFS).
fn ffmpeg_ebur128(path: &Path) -> (f64, Vec<(f64, f64)>) {
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", "ebur128=framelog=info", "-f", "null", "-"])
        .output()
        .expect("ffmpeg (Debian: apt-get install ffmpeg) is part of the test setup");
    assert!(output.status.success(), "ffmpeg ebur128 failed on {}", path.display());
    let log = String::from_utf8_lossy(&output.stderr);
    let field =
        |line: &str, key: &str| -> Option<f64> { line.split(key).nth(1)?.split_whitespace().next()?.parse().ok() };
    let momentary = log.lines().filter_map(|line| Some((field(line, " t: ")?, field(line, " M:")?))).collect();
    let summary = log.split("Integrated loudness:").nth(1).expect("ebur128 summary");
    let integrated = summary.lines().find_map(|line| field(line, " I:")).expect("integrated loudness");
    (integrated, momentary)
}

fn audio_only(dir: &Path) -> SessionProcessorBuilder {
    let stages = Stages { transcribe: false, store_recording: false, safety_scan: false, ..Stages::default() };
    builder_for(dir).stages(stages)
}

#[tokio::test(flavor = "multi_thread")]
async fn loudness_of_mono_stereo_and_5_1_matches_ffmpeg_ebur128() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let processor = audio_only(out.path()).build();
    let cases = [
        upmixed(work.path(), "mono.m4a", "mono|c0=c0", &["-c:a", "aac", "-b:a", "96k"]),
        upmixed(work.path(), "stereo.webm", "stereo|c0=1.0*c0|c1=0.5*c0", &["-c:a", "libopus", "-b:a", "96k"]),
        upmixed(
            work.path(),
            "surround.m4a",
            "5.1|FL=1.0*c0|FR=0.7*c0|FC=0.5*c0|LFE=0.8*c0|BL=0.4*c0|BR=0.3*c0",
            &["-c:a", "aac", "-b:a", "256k"],
        ),
    ];
    for (i, input) in cases.iter().enumerate() {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let id = format!("loudness-{i}");
        let result = processor.process(&id, local(input), &CancelFlag::new()).await.unwrap();
        let quality = json(&result.quality.expect("quality report"));
        let ours = number(&quality, &["audio", "metrics", "integrated_loudness_lufs"]).expect("integrated loudness");
        let (reference, momentary) = ffmpeg_ebur128(input);
        eprintln!("{name}: ours {ours:.2} LUFS, ffmpeg ebur128 {reference:.1} LUFS");
        assert!((ours - reference).abs() <= 0.5, "{name}: ours {ours} LUFS, ffmpeg {reference} LUFS");
        assert!(
            quality["issues"].as_array().unwrap().iter().all(|issue| issue["code"] != "audio_too_quiet"),
            "{name}: {}",
            quality["issues"]
        );

        // The timeline's momentary loudness at the end of each second, against ffmpeg's at the
        // same instant.
        let timeline = read_json(&out.path().join("sessions").join(&id).join("timeline.json"));
        let ours: Vec<Option<f64>> = timeline["tracks"][0]["loudness_lufs"]
            .as_array()
            .expect("loudness_lufs")
            .iter()
            .map(serde_json::Value::as_f64)
            .collect();
        let mut differences = Vec::new();
        for (second, value) in ours.iter().enumerate() {
            let at_s = (second + 1) as f64;
            let reference = momentary.iter().find(|(t, _)| (t - at_s).abs() < 0.05).map(|m| m.1);
            if let (Some(value), Some(reference)) = (value, reference.filter(|r| *r > -70.0)) {
                differences.push((value - reference).abs());
            }
        }
        assert!(differences.len() >= 10, "{name}: {ours:?}");
        let mean = differences.iter().sum::<f64>() / differences.len() as f64;
        eprintln!("{name}: momentary loudness {mean:.2} LU from ffmpeg's on average over {} s", differences.len());
        assert!(mean <= 0.5, "{name}: momentary loudness {mean:.2} LU from ffmpeg's on average: {differences:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clip_has_the_same_video_measures_with_and_without_the_nudity_model() {
    let out = tempfile::tempdir().unwrap();
    let model = Arc::new(NudityClassifier::load(nsfw_model_dir()).expect("load the nudity model"));
    let with_model = SafetySettings { nudity_model: Some(model), ..SafetySettings::default() };
    // The nudity model runs with the safety scan.
    let stages = Stages { transcribe: false, store_recording: false, ..Stages::default() };
    let plain = builder_for(out.path()).stages(stages.clone()).build();
    let scanned = builder_for(out.path()).stages(stages).safety(with_model).build();
    for name in ["dark.mp4", "clean.mp4"] {
        let input = fixture(name);
        let id = name.replace('.', "-");
        let without = plain.process(&format!("{id}-plain"), local(&input), &CancelFlag::new()).await.unwrap();
        let with = scanned.process(&format!("{id}-scanned"), local(&input), &CancelFlag::new()).await.unwrap();
        let (without, with) = (json(&without.quality.expect("quality")), json(&with.quality.expect("quality")));
        let luma = |q: &serde_json::Value| {
            number(q, &["video", "metrics", "picture", "mean_luma"]).unwrap_or_else(|| panic!("{}", q["video"]))
        };
        eprintln!("{name}: mean luma {} without the nudity model, {} with it", luma(&without), luma(&with));
        assert!((luma(&without) - luma(&with)).abs() <= 0.5, "{name}: {} vs {}", luma(&without), luma(&with));
        assert_eq!(without["video"], with["video"], "{name}: every video measure and sub-score");
        let kinds = |q: &serde_json::Value| -> Vec<String> {
            let issues = q["issues"].as_array().unwrap().iter();
            issues.filter_map(|i| i["code"].as_str()).filter(|k| k.starts_with("video")).map(String::from).collect()
        };
        assert_eq!(kinds(&without), kinds(&with), "{name}");
    }
}
