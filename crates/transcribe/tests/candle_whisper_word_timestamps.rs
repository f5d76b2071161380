//! Word timestamps of CandleWhisper on real weights (Whisper tiny.en) and real espeak-ng speech
//! from `scripts/make-fixtures`: words are ordered, lie inside their segments, spell their
//! segment's text, and start where the speech is known to start.
#![cfg(feature = "candle")]

mod support;

use session_transcribe::{DecodingOptions, Transcriber, Transcript, normalize_english, wer};
use support::{
    FIXTURE_SENTENCES, assert_word_midpoints_in_parts, fixture, read_wav_any_rate, spoken_parts, spoken_text, whisper,
};

fn with_words(samples: &[f32]) -> Transcript {
    let options = DecodingOptions { word_timestamps: true, ..DecodingOptions::default() };
    whisper().transcribe(samples, &options).expect("transcribe")
}

/// Words in order, inside their segments and the audio, spelling their segment's text; the
/// transcript's list is the segments' lists joined.
fn assert_words_well_formed(t: &Transcript) {
    let all = t.words.as_ref().expect("Transcript::words with word_timestamps");
    let mut previous_end = 0.0;
    let mut joined = Vec::new();
    for s in &t.segments {
        let words = s.words.as_ref().unwrap_or_else(|| panic!("segment without words: {s:?}"));
        assert!(!words.is_empty(), "segment with no words: {s:?}");
        for w in words {
            assert!(w.start_s >= previous_end - 1e-6, "words go back in time: {w:?} after {previous_end}");
            assert!(w.end_s >= w.start_s, "negative duration {w:?}");
            assert!(w.start_s >= s.start_s - 1e-6 && w.end_s <= s.end_s + 1e-6, "{w:?} outside {s:?}");
            assert!(w.end_s <= t.duration_s + 1e-6, "{w:?} past the end ({} s)", t.duration_s);
            let p = w.probability.expect("probability");
            assert!(p > 0.0 && p <= 1.0, "{w:?}");
            previous_end = w.end_s;
        }
        let spelled: String = words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(normalize_english(&spelled), normalize_english(&s.text), "words do not spell {s:?}");
        joined.extend(words.iter().cloned());
    }
    assert_eq!(all, &joined);
}

#[test]
fn words_are_ordered_inside_their_segments_and_spell_the_text() {
    let samples = read_wav_any_rate(&fixture("speech.wav"));
    let t = with_words(&samples);
    let error = wer(FIXTURE_SENTENCES, &t.text);
    assert!(error <= 0.15, "WER {error:.3}: {}", t.text);
    assert_words_well_formed(&t);
    let words = t.words.as_ref().unwrap();
    assert!(words.len() >= 45, "expected about 53 words, got {}", words.len());
    // espeak-ng starts speaking at once and its sentences follow each other closely: the first
    // word starts within 0.3 s of the start, the last ends within 0.5 s of the end.
    assert!(words[0].start_s <= 0.3, "{:?}", words[0]);
    let last = words.last().unwrap();
    assert!(t.duration_s - last.end_s <= 0.5, "{last:?} ({} s of audio)", t.duration_s);
    // Timings look like speech: the median word lasts 0.1 to 0.8 s.
    let mut durations: Vec<f64> = words.iter().map(|w| w.end_s - w.start_s).collect();
    durations.sort_by(f64::total_cmp);
    let median = durations[durations.len() / 2];
    assert!((0.1..=0.8).contains(&median), "median word duration {median:.3} s");
}

#[test]
fn the_first_word_after_a_long_silence_starts_with_the_speech() {
    let name = "gaps-8s.wav";
    let parts = spoken_parts(name);
    let t = with_words(&read_wav_any_rate(&fixture(name)));
    eprintln!("{}", serde_json::to_string(&t.segments).unwrap());
    let error = wer(&spoken_text(&parts), &t.text);
    assert!(error <= 0.25, "WER {error:.3}: {}", t.text);
    assert_words_well_formed(&t);
    let words = t.words.as_ref().unwrap();
    for part in &parts {
        let first = words
            .iter()
            .find(|w| w.end_s > part.start_s)
            .unwrap_or_else(|| panic!("no word after {:.2} s: {words:?}", part.start_s));
        assert!(
            (first.start_s - part.start_s).abs() <= 0.5,
            "speech starts at {:.2} s, its first word {first:?}",
            part.start_s
        );
    }
}

#[test]
fn without_word_timestamps_there_are_no_words() {
    let samples = read_wav_any_rate(&fixture("speech.wav"));
    let options = DecodingOptions { word_timestamps: false, ..DecodingOptions::default() };
    let t = whisper().transcribe(&samples[..16_000 * 7], &options).expect("transcribe");
    assert!(t.words.is_none());
    assert!(t.segments.iter().all(|s| s.words.is_none()), "{:?}", t.segments);
    assert!(!t.segments.is_empty());
}

#[test]
fn nothing_is_timed_past_the_end_of_a_cut_recording() {
    // Cut in the middle of "twelve percent" (about 10.4 s in).
    let samples = read_wav_any_rate(&fixture("speech.wav"));
    let cut = &samples[..(10.4 * 16_000.0) as usize];
    let t = with_words(cut);
    assert_words_well_formed(&t);
    for s in &t.segments {
        assert!(s.start_s < t.duration_s && s.end_s <= t.duration_s + 1e-6, "{s:?} past {} s", t.duration_s);
    }
    assert!(wer("Good morning, and thank you for joining the interview today.", &t.segments[0].text) <= 0.2);
}

#[test]
fn word_midpoints_lie_inside_the_phrase_that_was_spoken() {
    for name in ["gaps-8s.wav", "two-voices.wav"] {
        let parts = spoken_parts(name);
        let t = with_words(&read_wav_any_rate(&fixture(name)));
        assert_word_midpoints_in_parts(name, &t, &parts);
    }
}
