//! The scores mean something: a clean recording beats the same recording with one fault, on the
//! sub-score that measures that fault and on the overall quality score.

mod support;

use session_processing::CancelFlag;
use support::{builder_for, fixture, json, local, number};

#[tokio::test(flavor = "multi_thread")]
async fn clean_beats_each_degraded_copy() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let quality = |result: session_processing::SessionResult| json(&result.quality.expect("quality report"));
    let clean = quality(processor.process("clean", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap());
    let cases: [(&str, &[&str]); 7] = [
        ("dark.mp4", &["video", "sub_scores", "brightness", "score"]),
        ("blurred.mp4", &["video", "sub_scores", "sharpness", "score"]),
        ("frozen.mp4", &["video", "sub_scores", "freezes", "score"]),
        ("covered.mp4", &["video", "sub_scores", "covered", "score"]),
        ("clipped.mp4", &["audio", "sub_scores", "clipping", "score"]),
        ("noisy.mp4", &["audio", "sub_scores", "noise", "score"]),
        ("silent.mp4", &["audio", "sub_scores", "silence", "score"]),
    ];
    let clean_score = number(&clean, &["score"]).unwrap();
    for (name, sub_score) in cases {
        let id = name.replace('.', "-");
        let degraded = quality(processor.process(&id, local(&fixture(name)), &CancelFlag::new()).await.unwrap());
        let clean_sub = number(&clean, sub_score).unwrap_or_else(|| panic!("clean {sub_score:?}"));
        let degraded_sub = number(&degraded, sub_score).unwrap_or(0.0);
        assert!(clean_sub >= degraded_sub + 20.0, "{name}: {sub_score:?} clean {clean_sub} vs {degraded_sub}");
        let overall = number(&degraded, &["score"]).unwrap();
        assert!(clean_score > overall + 5.0, "{name}: overall clean {clean_score} vs {overall}");
        let half = sub_score[0];
        assert!(
            number(&clean, &[half, "score"]).unwrap() > number(&degraded, &[half, "score"]).unwrap_or(0.0),
            "{name}: {half}.score"
        );
        let issues = degraded["issues"].as_array().unwrap();
        assert!(!issues.is_empty(), "{name}: a degraded recording explains itself in issues");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn silence_and_a_covered_camera_lower_engagement() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let engagement = |r: session_processing::SessionResult| json(&r.engagement.expect("engagement report"));
    let clean =
        engagement(processor.process("e-clean", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap());
    let silent =
        engagement(processor.process("e-silent", local(&fixture("silent.mp4")), &CancelFlag::new()).await.unwrap());
    let covered =
        engagement(processor.process("e-covered", local(&fixture("covered.mp4")), &CancelFlag::new()).await.unwrap());
    assert!(number(&silent, &["speech_ratio"]).unwrap() < 0.05, "{silent}");
    assert!(number(&clean, &["score"]).unwrap() > number(&silent, &["score"]).unwrap() + 20.0);
    let presence = |v: &serde_json::Value| number(v, &["components", "presence", "score"]).unwrap_or(0.0);
    assert!(presence(&clean) > presence(&covered) + 50.0, "clean {clean} covered {covered}");
}

/// `speech.wav` with steady white noise `snr_db` below its mean level (as `make-fixtures` mixes
/// `speech-noise-10db.wav`), or clean, written by ffmpeg into `dir`.
fn speech_at(dir: &std::path::Path, snr_db: Option<f64>) -> std::path::PathBuf {
    let speech = fixture("speech.wav");
    let out = dir.join(format!("speech-{}.wav", snr_db.map_or("clean".to_string(), |s| format!("{s}db"))));
    let mut command = std::process::Command::new("ffmpeg");
    command.args(["-nostdin", "-v", "error", "-y", "-i"]).arg(&speech);
    if let Some(snr) = snr_db {
        let probe = std::process::Command::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-i"])
            .arg(&speech)
            .args(["-af", "volumedetect", "-f", "null", "-"])
            .output()
            .expect("ffmpeg (Debian: apt-get install ffmpeg)");
        let log = String::from_utf8_lossy(&probe.stderr);
        let mean: f64 = log
            .split("mean_volume: ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|v| v.parse().ok())
            .expect("mean_volume");
        let amplitude = 3f64.sqrt() * 10f64.powf((mean - snr) / 20.0);
        command.args([
            "-f",
            "lavfi",
            "-i",
            &format!("anoisesrc=color=white:amplitude={amplitude:.6}:sample_rate=16000:seed=5"),
        ]);
        command
            .args(["-filter_complex", "[0:a]aresample=16000[s];[s][1:a]amix=inputs=2:duration=first:normalize=0[a]"]);
        command.args(["-map", "[a]"]);
    }
    command.args(["-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le"]).arg(&out);
    assert!(command.status().expect("ffmpeg").success(), "ffmpeg could not mix {}", out.display());
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audio_score_falls_with_the_signal_to_noise_ratio() {
    // The same speech clean and at 30, 20, 10, 5 and 0 dB SNR, processed as deployed (Silero VAD):
    // each copy must score below the cleaner one (a peer, DNSMOS P.835, orders these six so).
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let vad =
        std::sync::Arc::new(session_processing::SileroVad::load(&support::silero_vad_dir()).expect("load Silero VAD"));
    let stages = session_processing::Stages {
        transcribe: false,
        store_recording: false,
        safety_scan: false,
        ..session_processing::Stages::default()
    };
    let processor = builder_for(out.path()).stages(stages).voice_activity(vad).build();
    let mut scores = Vec::new();
    for snr in [None, Some(30.0), Some(20.0), Some(10.0), Some(5.0), Some(0.0)] {
        let input = speech_at(work.path(), snr);
        let id = format!("snr-{}", snr.map_or(99.0, |s| s) as i64);
        let result = processor.process(&id, local(&input), &CancelFlag::new()).await.unwrap();
        let quality = json(&result.quality.expect("quality"));
        let score = number(&quality, &["audio", "score"]).expect("audio score");
        eprintln!(
            "{}: audio {score}, sub-scores {}",
            snr.map_or("clean".into(), |s| format!("{s} dB")),
            quality["audio"]["sub_scores"]
        );
        scores.push(score);
    }
    for pair in scores.windows(2) {
        assert!(pair[0] > pair[1], "each cleaner copy scores higher: {scores:?}");
    }
}
