//! CandleWhisper against faster-whisper (int8, greedy, same tiny.en weights in CTranslate2
//! format) on the same audio: the transcripts must agree to a WER of 0.1.
#![cfg(feature = "candle")]

mod support;

use std::time::Instant;

use session_transcribe::{CandleWhisper, DecodingOptions, Transcriber, wer};
use support::{FIXTURE_SENTENCES, LONG_SENTENCES, espeak, faster_whisper, model_dir, tempfile_dir, write_wav};

fn compare(name: &str, reference: &str) {
    let samples = espeak(reference);
    let dir = tempfile_dir();
    let wav = dir.join(format!("{name}.wav"));
    write_wav(&wav, &samples);
    // Both read the same 16-bit file.
    let samples = support::read_wav_any_rate(&wav);

    let whisper = CandleWhisper::load(&model_dir()).expect("load");
    let started = Instant::now();
    let ours = whisper.transcribe(&samples, &DecodingOptions::default()).expect("transcribe");
    let ours_s = started.elapsed().as_secs_f64();
    let peer = faster_whisper(&wav, 2);
    let peer_text = peer["text"].as_str().expect("text");

    let between = wer(peer_text, &ours.text);
    eprintln!(
        "{name}: {:.1} s audio | ours {:.2} s, WER {:.3} | faster-whisper {:.2} s, WER {:.3} | between {between:.3}\n  ours: {}\n  peer: {peer_text}",
        ours.duration_s,
        ours_s,
        wer(reference, &ours.text),
        peer["transcribe_s"].as_f64().unwrap_or(f64::NAN),
        wer(reference, peer_text),
        ours.text
    );
    assert!(between <= 0.1, "{name}: transcripts differ, WER {between:.3}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn agrees_with_faster_whisper_on_the_fixture_sentences() {
    compare("fixture", FIXTURE_SENTENCES);
}

#[test]
fn agrees_with_faster_whisper_on_a_minute_of_speech() {
    compare("minute", LONG_SENTENCES);
}
