//! CandleWhisper (Whisper tiny.en) on harder real recordings from `scripts/make-fixtures`:
//! speech under white noise at 10 dB SNR, sentences between 8-second silences, two voices taking
//! turns, and ten minutes of speech. Each asserts a word error rate bound; the silences and
//! the long run also check where the text is placed.
#![cfg(feature = "candle")]

mod support;

use std::time::Instant;

use session_transcribe::{DecodingOptions, Transcriber, Transcript, wer};
use support::{FIXTURE_SENTENCES, fixture, read_wav_any_rate, spoken_parts, spoken_text, whisper};

fn transcribe_fixture(name: &str) -> Transcript {
    let samples = read_wav_any_rate(&fixture(name));
    let options = DecodingOptions { word_timestamps: true, ..DecodingOptions::default() };
    whisper().transcribe(&samples, &options).expect("transcribe")
}

fn assert_segments_in_order(t: &Transcript) {
    let mut previous_end = 0.0;
    for s in &t.segments {
        assert!(s.start_s >= previous_end - 1e-6 && s.end_s > s.start_s, "segments out of order: {s:?}");
        assert!(s.end_s <= t.duration_s + 1e-6, "{s:?} past the end ({} s)", t.duration_s);
        previous_end = s.end_s;
    }
}

#[test]
fn speech_under_white_noise_at_10_db_snr() {
    let t = transcribe_fixture("speech-noise-10db.wav");
    let error = wer(FIXTURE_SENTENCES, &t.text);
    eprintln!("noise 10 dB: WER {error:.3}: {}", t.text);
    assert!(error <= 0.3, "WER {error:.3}: {}", t.text);
    assert_segments_in_order(&t);
}

#[test]
fn sentences_between_long_silences_stay_out_of_the_silences() {
    let name = "gaps-8s.wav";
    let parts = spoken_parts(name);
    let t = transcribe_fixture(name);
    let error = wer(&spoken_text(&parts), &t.text);
    eprintln!("8 s gaps: WER {error:.3}: {}", t.text);
    assert!(error <= 0.25, "WER {error:.3}: {}", t.text);
    assert_segments_in_order(&t);
    // The silences: before the first part and between parts. A part's file ends with a little
    // of espeak-ng's own silence, so a silence is taken to start 0.3 s after its part ends; and
    // 0.3 s of slack is allowed at its end.
    let mut silences = vec![(0.0, parts[0].start_s)];
    silences.extend(parts.windows(2).map(|w| (w[0].end_s, w[1].start_s)));
    for (from, to) in silences {
        let (inner_from, inner_to) = (from + 0.3, to - 0.3);
        for s in &t.segments {
            assert!(s.end_s <= inner_from || s.start_s >= inner_to, "{s:?} inside the silence {from:.2}-{to:.2} s");
        }
        for w in t.words.iter().flatten() {
            assert!(w.end_s <= inner_from || w.start_s >= inner_to, "{w:?} inside the silence {from:.2}-{to:.2} s");
        }
    }
}

#[test]
fn two_voices_taking_turns() {
    let name = "two-voices.wav";
    let parts = spoken_parts(name);
    assert!(parts.iter().any(|p| p.voice == "en+m3") && parts.iter().any(|p| p.voice == "en+f3"));
    let t = transcribe_fixture(name);
    let error = wer(&spoken_text(&parts), &t.text);
    eprintln!("two voices: WER {error:.3}: {}", t.text);
    assert!(error <= 0.2, "WER {error:.3}: {}", t.text);
    assert_segments_in_order(&t);
    // Every turn is heard: some segment overlaps each part.
    for p in &parts {
        assert!(
            t.segments.iter().any(|s| s.start_s < p.end_s && s.end_s > p.start_s),
            "no segment during {p:?}: {:?}",
            t.segments
        );
    }
}

/// The whole `ten-minutes.wav` (about eleven minutes of sentences with short pauses).
#[test]
fn ten_minutes_of_speech() {
    let name = "ten-minutes.wav";
    let parts = spoken_parts(name);
    let samples = read_wav_any_rate(&fixture(name));
    let samples = samples.as_slice();
    let started = Instant::now();
    let t = whisper().transcribe(samples, &DecodingOptions::default()).expect("transcribe");
    let elapsed = started.elapsed().as_secs_f64();
    let error = wer(&spoken_text(&parts), &t.text);
    eprintln!("{:.0} s of speech in {elapsed:.1} s: WER {error:.3}", t.duration_s);
    assert!(t.duration_s > 600.0, "{} s", t.duration_s);
    assert!(error <= 0.15, "WER {error:.3}");
    assert_segments_in_order(&t);
    // The last sentence is heard, near where it was spoken.
    let last = parts.last().expect("parts");
    let tail = t.segments.last().expect("segments");
    assert!(
        tail.end_s >= last.start_s,
        "transcript stops at {:.1} s; the last part starts at {:.1} s",
        tail.end_s,
        last.start_s
    );
    let words = t.words.as_ref().expect("words are on by default");
    assert!(words.len() > 1400, "{} words", words.len());
}
