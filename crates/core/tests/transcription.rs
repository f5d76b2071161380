//! Local Whisper in the pipeline: real weights (scripts/prepare-whisper-tiny), real speech.

mod support;

use std::sync::Arc;

use session_processing::session_transcribe::wer;
use session_processing::{CancelFlag, CandleWhisper, StageStatus};
use support::{builder_for, fixture, local, model_dir, read_json};

const SPOKEN: &str = "Good morning, and thank you for joining the interview today. \
Could you tell me about a project you are proud of? \
I built a scheduling service that cut waiting times by twelve percent. \
What was the hardest part of that work? \
Keeping the data consistent while the traffic doubled every month.";

#[tokio::test(flavor = "multi_thread")]
async fn the_pipeline_transcribes_speech_and_engagement_uses_the_words() {
    let whisper = CandleWhisper::load(&model_dir()).expect("load Whisper tiny.en");
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).transcriber(Arc::new(whisper)).build();
    let result = processor.process("spoken", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert_eq!(result.stages.iter().find(|s| s.name == "transcribe").unwrap().status, StageStatus::Ok);

    let dir = out.path().join("sessions/spoken");
    let transcript = read_json(&dir.join("transcript.json"));
    assert_eq!(transcript["session_id"], "spoken");
    assert_eq!(transcript["language"], "en");
    assert!(transcript["model_id"].as_str().unwrap().contains("whisper"));
    let text = transcript["text"].as_str().unwrap();
    let error_rate = wer(SPOKEN, text);
    assert!(error_rate <= 0.2, "WER {error_rate:.3}: {text}");
    let segments = transcript["segments"].as_array().unwrap();
    assert!(segments.len() >= 3, "{segments:?}");
    assert!(segments.windows(2).all(|w| w[1]["start_s"].as_f64() >= w[0]["start_s"].as_f64()));
    let last_end = segments.last().unwrap()["end_s"].as_f64().unwrap();
    assert!(last_end <= result.media.as_ref().unwrap().duration_s.unwrap() + 1.0);

    let lines = std::fs::read_to_string(dir.join("transcript.txt")).unwrap();
    assert_eq!(lines.lines().count(), segments.len());

    let engagement = read_json(&dir.join("engagement.json"));
    assert_eq!(engagement["speech_rate"]["method"], "transcript");
    let wpm = engagement["speech_rate"]["words_per_minute"].as_f64().unwrap();
    assert!((120.0..=220.0).contains(&wpm), "espeak at 160 wpm: {wpm}");
    assert_eq!(engagement["transcript"]["questions"], 2, "{}", engagement["transcript"]);
}
