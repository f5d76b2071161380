//! CandleWhisper on real weights (Whisper tiny.en from `scripts/prepare-whisper-tiny`) and real
//! speech (espeak-ng). These tests fail, rather than skip, when the model cannot be prepared.
#![cfg(feature = "candle")]

mod support;

use session_transcribe::{DecodingOptions, Transcriber, Transcript, normalize_english, wer};
use support::{FIXTURE_SENTENCES, espeak, silence, whisper};

fn transcribe(samples: &[f32]) -> Transcript {
    whisper().transcribe(samples, &DecodingOptions::default()).expect("transcribe")
}

fn assert_well_formed(t: &Transcript) {
    let mut previous_end = 0.0;
    for s in &t.segments {
        assert!(s.start_s >= previous_end - 1e-6, "segments overlap or go back: {:?}", t.segments);
        assert!(s.end_s > s.start_s, "empty segment {s:?}");
        assert!(s.end_s <= t.duration_s + 1e-6, "segment past the end {s:?}");
        assert!(!s.text.is_empty());
        previous_end = s.end_s;
    }
}

#[test]
fn transcribes_the_fixture_sentences() {
    let t = transcribe(&espeak(FIXTURE_SENTENCES));
    eprintln!("{}", serde_json::to_string_pretty(&t).unwrap());
    let error = wer(FIXTURE_SENTENCES, &t.text);
    assert!(error <= 0.15, "WER {error:.3}: {:?}", normalize_english(&t.text));
    assert_eq!(t.language.as_deref(), Some("en"));
    assert!(t.model_id.starts_with("whisper-tiny.en (safetensors f16 from "), "{}", t.model_id);
    assert!(t.segments.len() >= 2, "expected several segments: {:?}", t.segments);
    assert_well_formed(&t);
}

#[test]
fn eight_seconds_of_silence_keep_the_timestamps() {
    let first = "The quarterly report is ready for review.";
    let second = "Please send the invoice to the finance department tomorrow.";
    let mut samples = espeak(first);
    let gap_start_s = samples.len() as f64 / 16_000.0;
    samples.extend(silence(8.0));
    let second_start_s = samples.len() as f64 / 16_000.0;
    samples.extend(espeak(second));
    let t = transcribe(&samples);
    eprintln!("{}", serde_json::to_string_pretty(&t.segments).unwrap());
    assert!(wer(&format!("{first} {second}"), &t.text) <= 0.15, "{}", t.text);
    assert_well_formed(&t);
    let invoice = t
        .segments
        .iter()
        .find(|s| normalize_english(&s.text).contains("invoice"))
        .unwrap_or_else(|| panic!("no segment with the second sentence: {:?}", t.segments));
    assert!(
        (invoice.start_s - second_start_s).abs() <= 1.0,
        "second sentence starts at {second_start_s:.2} s, segment says {:.2} s",
        invoice.start_s
    );
    for s in t.segments.iter().filter(|s| !normalize_english(&s.text).contains("invoice")) {
        assert!(s.end_s <= gap_start_s + 1.0, "a first-sentence segment runs into the gap: {s:?}");
    }
}

#[test]
fn long_silences_are_skipped_and_nothing_is_invented_in_them() {
    let spoken = "Could you tell me about a project you are proud of?";
    let mut samples = silence(45.0);
    samples.extend(espeak(spoken));
    samples.extend(silence(45.0));
    let skipping = transcribe(&samples);
    let everything = DecodingOptions { skip_silence_s: None, ..DecodingOptions::default() };
    let decoded_all = whisper().transcribe(&samples, &everything).expect("transcribe");
    let (with_skip, without) = (wer(spoken, &skipping.text), wer(spoken, &decoded_all.text));
    assert!(with_skip <= 0.15, "{}", skipping.text);
    // Decoding the silent windows is where Whisper invents text ("you", "Thank you.").
    assert!(with_skip <= without, "skipping {with_skip:.3} vs decoding all {without:.3}: {}", decoded_all.text);
    assert_well_formed(&skipping);
    for s in &skipping.segments {
        assert!(s.start_s >= 44.0 && s.end_s <= 50.0, "a segment outside the speech: {s:?}");
    }
}

#[test]
fn silence_gives_no_text() {
    let threshold = f64::from(DecodingOptions::default().no_speech_threshold);
    for (name, samples) in [("zeros", silence(20.0)), ("faint noise", faint_noise(20.0))] {
        let t = transcribe(&samples);
        let unflagged: Vec<_> = t.segments.iter().filter(|s| s.no_speech_prob.unwrap_or(0.0) <= threshold).collect();
        assert!(unflagged.is_empty(), "{name}: text from silence: {unflagged:?}");
    }
}

/// White noise at about -60 dBFS, deterministic.
fn faint_noise(seconds: f64) -> Vec<f32> {
    let mut state = 0x1234_5678u32;
    (0..(seconds * 16_000.0) as usize)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32 - 0.5) * 0.002
        })
        .collect()
}

#[test]
fn concurrent_calls_agree() {
    let samples = espeak("What was the hardest part of that work?");
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| transcribe(&samples));
        let b = s.spawn(|| transcribe(&samples));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a, b);
}
