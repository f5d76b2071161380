//! From aligned tokens to timed words, following openai-whisper's `add_word_timestamps`:
//! tokens are grouped into words (English rule: a token starting with a space, or one made of
//! punctuation, begins a word), a word lasts from its first token's start to the next word's
//! start, its probability is the mean of its tokens'; punctuation is then merged into the
//! neighbouring word, too-long words at sentence and segment edges are shortened, and the words
//! are handed out to their segments.

use crate::vad::voice_activity::VoiceActivity;
use crate::{Segment, Word};

/// Punctuation merged into the word that follows it.
const PREPENDED: &str = "\"'“¿([{-";
/// Punctuation merged into the word before it.
const APPENDED: &str = "\"'.。,，!！?？:：”)]}、";
const SENTENCE_END: &str = ".。!！?？";
/// Upper bound of the median word duration used by the fixes, in seconds.
const MAX_MEDIAN_DURATION_S: f64 = 0.7;

/// One word of a window with the number of tokens it spans.
#[derive(Clone, Debug, PartialEq)]
pub struct WordTiming {
    pub word: String,
    pub tokens: usize,
    pub start_s: f64,
    pub end_s: f64,
    pub probability: f64,
}

/// The words of one window and the median word duration (capped at 0.7 s) the fixes use.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowWords {
    pub words: Vec<WordTiming>,
    pub median_duration_s: f64,
}

/// Groups decoded `pieces` (text and token count; each piece is whole characters) into words.
/// `token_starts_s` has one entry per token plus one for `<|endoftext|>` (the end of the last
/// word); `token_probs` one per token. Returns no words when the lengths disagree.
pub fn window_words(pieces: &[(String, usize)], token_starts_s: &[f64], token_probs: &[f64]) -> WindowWords {
    let n_tokens: usize = pieces.iter().map(|(_, n)| n).sum();
    if token_starts_s.len() != n_tokens + 1 || token_probs.len() != n_tokens {
        return WindowWords { words: Vec::new(), median_duration_s: 0.0 };
    }
    let mut grouped: Vec<(String, usize)> = Vec::new();
    for (text, n) in pieces {
        let punctuation = !text.trim().is_empty() && text.trim().chars().all(|c| c.is_ascii_punctuation());
        match grouped.last_mut() {
            Some(last) if !text.starts_with(' ') && !punctuation => {
                last.0.push_str(text);
                last.1 += n;
            }
            _ => grouped.push((text.clone(), *n)),
        }
    }
    let mut first = 0;
    let mut words: Vec<WordTiming> = grouped
        .into_iter()
        .map(|(word, tokens)| {
            let probs = &token_probs[first..first + tokens];
            let timing = WordTiming {
                word,
                tokens,
                start_s: token_starts_s[first],
                end_s: token_starts_s[first + tokens],
                probability: if probs.is_empty() { 0.0 } else { probs.iter().sum::<f64>() / probs.len() as f64 },
            };
            first += tokens;
            timing
        })
        .collect();

    let mut durations: Vec<f64> = words.iter().map(|w| w.end_s - w.start_s).filter(|&d| d > 0.0).collect();
    let median_duration_s = median(&mut durations).min(MAX_MEDIAN_DURATION_S);
    let max_duration_s = 2.0 * median_duration_s;
    if !durations.is_empty() {
        for i in 1..words.len() {
            if words[i].end_s - words[i].start_s > max_duration_s {
                if is_sentence_end(&words[i].word) {
                    words[i].end_s = words[i].start_s + max_duration_s;
                } else if is_sentence_end(&words[i - 1].word) {
                    words[i].start_s = words[i].end_s - max_duration_s;
                }
            }
        }
    }
    merge_punctuation(&mut words);
    WindowWords { words, median_duration_s }
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

fn is_sentence_end(word: &str) -> bool {
    let w = word.trim();
    !w.is_empty() && w.chars().all(|c| SENTENCE_END.contains(c))
}

fn is_all_in(word: &str, set: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| set.contains(c))
}

/// Opening punctuation joins the next word, closing punctuation the previous one; the emptied
/// entries are removed. Times stay those of the word itself.
fn merge_punctuation(words: &mut Vec<WordTiming>) {
    let mut j = words.len().saturating_sub(1);
    for i in (0..words.len().saturating_sub(1)).rev() {
        if words[i].word.starts_with(' ') && is_all_in(words[i].word.trim(), PREPENDED) {
            let (text, tokens) = (std::mem::take(&mut words[i].word), std::mem::take(&mut words[i].tokens));
            words[j].word.insert_str(0, &text);
            words[j].tokens += tokens;
        } else {
            j = i;
        }
    }
    let mut i = 0;
    for j in 1..words.len() {
        if !words[i].word.ends_with(' ') && is_all_in(&words[j].word, APPENDED) {
            let (text, tokens) = (std::mem::take(&mut words[j].word), std::mem::take(&mut words[j].tokens));
            words[i].word.push_str(&text);
            words[i].tokens += tokens;
        } else {
            i = j;
        }
    }
    words.retain(|w| !w.word.is_empty() || w.tokens > 0);
}

/// Hands the window's words to its `segments` (which hold `token_counts[k]` text tokens each),
/// then applies openai-whisper's segment-edge fixes: after a pause, the first words may not be
/// longer than twice the median; a first (last) word that starts (ends) more than 0.5 s outside
/// its segment is cut to the segment's timestamp, otherwise the segment takes the word's time.
/// When the recording has clear silences (`voice`), these fixes give way to trimming each word
/// out of the silences around it, and the segment spans its words.
/// Words are finally clamped inside their segment. `last_speech_s` is the end of the previous
/// speech and is updated.
pub fn attach_words(
    segments: &mut [Segment],
    token_counts: &[usize],
    window: &WindowWords,
    voice: &VoiceActivity,
    last_speech_s: &mut f64,
) {
    let median = window.median_duration_s;
    let max_duration = 2.0 * median;
    let mut next = 0;
    for (segment, &count) in segments.iter_mut().zip(token_counts) {
        let mut taken = 0;
        let mut words: Vec<Word> = Vec::new();
        while next < window.words.len() && taken < count {
            let timing = &window.words[next];
            if !timing.word.is_empty() {
                words.push(Word {
                    start_s: timing.start_s,
                    end_s: timing.end_s,
                    word: timing.word.clone(),
                    probability: Some(timing.probability),
                });
            }
            taken += timing.tokens;
            next += 1;
        }
        if voice.is_known() && !words.is_empty() {
            for word in &mut words {
                (word.start_s, word.end_s) = voice.trim(word.start_s, word.end_s);
            }
            share_with_voiced_neighbours(&mut words, voice);
            // Speech right before the first word, after the previous segment, is its beginning.
            words[0].start_s = voice.speech_onset(words[0].start_s, *last_speech_s);
            segment.start_s = words[0].start_s;
            segment.end_s = words[words.len() - 1].end_s.max(segment.start_s);
            *last_speech_s = segment.end_s;
        } else if let Some(first) = words.first().cloned() {
            let long_first = first.end_s - first.start_s > max_duration
                || words.get(1).is_some_and(|second| second.end_s - first.start_s > 2.0 * max_duration);
            if first.end_s - *last_speech_s > 4.0 * median && long_first {
                if words.len() > 1 && words[1].end_s - words[1].start_s > max_duration {
                    let boundary = (words[1].end_s / 2.0).max(words[1].end_s - max_duration);
                    words[0].end_s = boundary;
                    words[1].start_s = boundary;
                }
                words[0].start_s = (words[0].end_s - max_duration).max(0.0);
            }
            let first = &mut words[0];
            if segment.start_s < first.end_s && segment.start_s - 0.5 > first.start_s {
                first.start_s = (first.end_s - median).min(segment.start_s).max(0.0);
            } else {
                segment.start_s = first.start_s;
            }
            let last = words.len() - 1;
            let last_word = &mut words[last];
            if segment.end_s > last_word.start_s && segment.end_s + 0.5 < last_word.end_s {
                last_word.end_s = (last_word.start_s + median).max(segment.end_s);
            } else {
                segment.end_s = last_word.end_s;
            }
            *last_speech_s = segment.end_s;
        }
        for word in &mut words {
            word.start_s = word.start_s.clamp(segment.start_s, segment.end_s);
            word.end_s = word.end_s.clamp(word.start_s, segment.end_s);
        }
        segment.words = Some(words);
    }
}

/// Alignment often lets a word at a segment's edge take its neighbour's audio and puts the word
/// itself in the silence beside it. Each word lying wholly in a silence therefore shares the
/// span of the voiced word before it (the one after it, at the start), in proportion to their
/// lengths in characters. Nothing changes when every word is silent.
fn share_with_voiced_neighbours(words: &mut [Word], voice: &VoiceActivity) {
    let silent: Vec<bool> =
        words.iter().map(|w| voice.voiced_share(w.start_s, w.end_s).is_none_or(|share| share == 0.0)).collect();
    let Some(first_voiced) = silent.iter().position(|&s| !s) else {
        return;
    };
    let mut start = 0;
    while start < words.len() {
        let anchor = if start == 0 { first_voiced } else { start };
        let mut end = anchor + 1;
        while end < words.len() && silent[end] {
            end += 1;
        }
        let (from, to) = (words[anchor].start_s, words[anchor].end_s);
        let group = &mut words[start..end];
        let lengths: Vec<f64> = group.iter().map(|w| w.word.trim().chars().count().max(1) as f64).collect();
        let total: f64 = lengths.iter().sum();
        let mut at = from;
        for (word, length) in group.iter_mut().zip(&lengths) {
            word.start_s = at;
            at += (to - from) * length / total;
            word.end_s = at;
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(texts: &[&str]) -> Vec<(String, usize)> {
        texts.iter().map(|t| (t.to_string(), 1)).collect()
    }

    #[test]
    fn groups_tokens_into_words_and_merges_punctuation() {
        let p = pieces(&[" Hello", ",", " sched", "uling", " (", "big", ")", " work", "."]);
        let starts: Vec<f64> = (0..=p.len()).map(|i| i as f64 * 0.2).collect();
        let probs = [0.9, 0.5, 0.8, 0.6, 0.5, 0.7, 0.5, 1.0, 0.5];
        let w = window_words(&p, &starts, &probs);
        let texts: Vec<&str> = w.words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(texts, vec![" Hello,", " scheduling", " (big)", " work."]);
        let tokens: Vec<usize> = w.words.iter().map(|w| w.tokens).collect();
        assert_eq!(tokens, vec![2, 2, 3, 2]);
        let sched = &w.words[1];
        assert!((sched.start_s - 0.4).abs() < 1e-9 && (sched.end_s - 0.8).abs() < 1e-9, "{sched:?}");
        assert!((sched.probability - 0.7).abs() < 1e-9);
        assert!((w.words[0].end_s - 0.2).abs() < 1e-9, "the comma's time is not the word's");
    }

    #[test]
    fn mismatched_lengths_give_no_words() {
        assert!(window_words(&pieces(&[" a", " b"]), &[0.0, 1.0], &[0.5, 0.5]).words.is_empty());
    }

    fn segment(start_s: f64, end_s: f64) -> Segment {
        Segment::from_text(start_s, end_s, "")
    }

    #[test]
    fn a_word_left_in_silence_shares_its_neighbours_audio() {
        // Speech from 1.0 s to 2.0 s, silence after.
        let mut samples = vec![0.0f32; 16_000];
        samples.extend((0..16_000).map(|i| 0.3 * (i as f32 * 0.2).sin()));
        samples.extend(vec![0.0; 48_000]);
        let voice = VoiceActivity::from_samples(&samples);
        let word = |w: &str, start_s, end_s| Word { start_s, end_s, word: w.into(), probability: Some(0.9) };
        let mut words = vec![word(" one", 1.0, 1.2), word(" three", 1.2, 2.0), word(" four.", 2.6, 3.5)];
        share_with_voiced_neighbours(&mut words, &voice);
        assert_eq!((words[0].start_s, words[0].end_s), (1.0, 1.2));
        assert!((words[1].start_s - 1.2).abs() < 1e-9 && (words[1].end_s - 1.6).abs() < 1e-9, "{words:?}");
        assert!((words[2].start_s - 1.6).abs() < 1e-9 && (words[2].end_s - 2.0).abs() < 1e-9, "{words:?}");
    }

    #[test]
    fn words_go_to_their_segments_and_fix_their_edges() {
        let p = pieces(&[" one", " two", ".", " three", " four", " five"]);
        // " five" ends at 9.0: far past its segment's end (6.0).
        let starts = [1.0, 1.4, 1.8, 5.0, 5.4, 5.8, 9.0];
        let window = window_words(&p, &starts, &[0.9; 6]);
        let mut segments = vec![segment(0.8, 2.0), segment(4.9, 6.0)];
        let mut last = 0.0;
        attach_words(&mut segments, &[3, 3], &window, &VoiceActivity::default(), &mut last);
        let first: Vec<&str> = segments[0].words.as_ref().unwrap().iter().map(|w| w.word.as_str()).collect();
        assert_eq!(first, vec![" one", " two."]);
        assert!((segments[0].start_s - 1.0).abs() < 1e-9, "segment takes its first word's start");
        assert!((segments[0].end_s - 1.8).abs() < 1e-9, "and its last word's end");
        let second = segments[1].words.as_ref().unwrap();
        assert_eq!(second.len(), 3);
        assert!((segments[1].start_s - 5.0).abs() < 1e-9);
        assert!((second[2].end_s - 6.0).abs() < 1e-9, "last word cut to the segment end: {second:?}");
        assert!((last - 6.0).abs() < 1e-9);
    }
}
