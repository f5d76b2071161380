//! The scores mean something: a clean recording beats the same recording with one fault, on the
//! sub-score that measures that fault and on the overall quality score.

mod support;

use session_processing::CancelFlag;
use support::{builder_for, fixture, local, number};

#[tokio::test(flavor = "multi_thread")]
async fn clean_beats_each_degraded_copy() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    let quality = |result: session_processing::SessionResult| result.quality.expect("quality report");
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
    let engagement = |r: session_processing::SessionResult| r.engagement.expect("engagement report");
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
