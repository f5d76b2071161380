//! CandleWhisper with a Silero speech map on real weights and espeak-ng speech: sentences
//! separated by long stretches of steady noise at 10 dB SNR, where the energy mask finds no
//! silence to skip. These tests fail, rather than skip, when a model cannot be prepared.
#![cfg(feature = "candle")]

mod support;

use std::time::Instant;

use session_transcribe::{DecodingOptions, Transcriber, VoiceActivityUsed, wer};
use support::{silero, speech_between_noise, whisper};

const SENTENCES: [&str; 3] = [
    "Good morning, and thank you for joining the interview today.",
    "I built a scheduling service that cut waiting times by twelve percent.",
    "Keeping the data consistent while the traffic doubled every month.",
];

#[test]
fn noise_only_stretches_are_skipped_before_decoding() {
    let (samples, spans) = speech_between_noise(&SENTENCES, 20.0, 10.0);
    let spoken = SENTENCES.join(" ");
    let options = DecodingOptions::default();
    let map = silero().speech_map(&samples).expect("speech map");

    let started = Instant::now();
    let with_vad = whisper().transcribe_with_speech(&samples, &options, Some(&map)).expect("transcribe");
    let silero_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let energy = whisper().transcribe(&samples, &options).expect("transcribe");
    let energy_s = started.elapsed().as_secs_f64();
    let (vad_wer, energy_wer) = (wer(&spoken, &with_vad.text), wer(&spoken, &energy.text));
    eprintln!("silero: {silero_s:.1} s, WER {vad_wer:.3}: {}", with_vad.text);
    eprintln!("energy: {energy_s:.1} s, WER {energy_wer:.3}: {}", energy.text);

    assert!(vad_wer <= 0.3, "WER {vad_wer:.3}: {}", with_vad.text);
    let Some(VoiceActivityUsed::Silero { model, skipped_s, .. }) = &with_vad.decoding.voice_activity else {
        panic!("transcript.json must record Silero: {:?}", with_vad.decoding.voice_activity);
    };
    assert!(model.starts_with("silero-vad=="), "{model}");
    // Four 20 s stretches of noise, less 0.4 s of padding on each side of each sentence.
    assert!(*skipped_s > 70.0, "only {skipped_s} s of {:.0} s skipped", with_vad.duration_s);
    assert_eq!(energy.decoding.voice_activity, Some(VoiceActivityUsed::Energy));
    let near_speech = |t: f64| spans.iter().any(|&(a, b)| t >= a - 1.0 && t <= b + 1.0);
    for s in &with_vad.segments {
        assert!(near_speech(s.start_s) && near_speech(s.end_s), "text in the noise: {s:?}, speech at {spans:?}");
    }
}

#[test]
fn packed_speech_fills_one_window_and_keeps_the_recordings_clock() {
    let (samples, spans) = speech_between_noise(&SENTENCES, 20.0, 10.0);
    let spoken = SENTENCES.join(" ");
    let map = silero().speech_map(&samples).expect("speech map");
    let in_place = DecodingOptions::default();
    let packed = DecodingOptions { pack_speech: true, ..DecodingOptions::default() };
    let (skipped, skipped_stats) = whisper().transcribe_profiled(&samples, &in_place, Some(&map)).expect("transcribe");
    let (joined, joined_stats) = whisper().transcribe_profiled(&samples, &packed, Some(&map)).expect("transcribe");
    let (skipped_wer, joined_wer) = (wer(&spoken, &skipped.text), wer(&spoken, &joined.text));
    eprintln!("in place: {} windows, WER {skipped_wer:.3}", skipped_stats.windows);
    eprintln!("packed: {} windows, WER {joined_wer:.3}: {}", joined_stats.windows, joined.text);
    // Three sentences of about 4 s: one 30-second window instead of one per sentence.
    assert_eq!(joined_stats.windows, 1, "{joined_stats:?}");
    assert!(skipped_stats.windows >= 3, "{skipped_stats:?}");
    assert!(joined_stats.skipped_s > 70.0, "{joined_stats:?}");
    assert!(joined_wer <= 0.4, "WER {joined_wer:.3}: {}", joined.text);
    assert!(joined.decoding.pack_speech);
    assert!(matches!(joined.decoding.voice_activity, Some(VoiceActivityUsed::Silero { .. })));
    // Every segment and word is on the recording's clock, inside (or at the padding of) a sentence.
    let near_speech = |t: f64| spans.iter().any(|&(a, b)| t >= a - 0.5 && t <= b + 0.5);
    for s in &joined.segments {
        assert!(near_speech(s.start_s) && near_speech(s.end_s), "{s:?} not at the speech {spans:?}");
        for w in s.words.iter().flatten() {
            assert!(near_speech((w.start_s + w.end_s) / 2.0), "{w:?} not at the speech {spans:?}");
        }
    }
    let first_word = joined.words.as_ref().and_then(|w| w.first()).expect("words");
    assert!((first_word.start_s - spans[0].0).abs() < 0.6, "{first_word:?} vs speech from {:.2} s", spans[0].0);
    let serialized = serde_json::to_value(&skipped.decoding).expect("json");
    assert!(serialized.get("pack_speech").is_none(), "off by default and not written: {serialized}");
}
