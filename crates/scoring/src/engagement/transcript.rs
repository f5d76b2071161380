//! Transcript measures: words, filler words and questions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scale::round_to;

/// One piece of transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TranscriptSegment {
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// What was said.
    pub text: String,
}

/// Hesitations: counted wherever they occur.
pub const FILLER_WORDS: &[&str] = &["um", "umm", "uh", "uhh", "erm", "er", "ah", "hmm"];
/// Discourse markers that are also ordinary words ("I like it", "a kind of fruit", "do you know
/// him"): counted only where a pause sets them off — punctuation (`,` `;` `…` `...` `—` `-`)
/// right before their first word or right after their last, as in "it was, like, huge" or
/// "I mean, sure".
pub const FILLER_MARKERS: &[&str] = &["like", "you know", "i mean", "sort of", "kind of"];

/// What the transcript says about engagement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TranscriptMetrics {
    /// Words in the transcript.
    pub words: usize,
    /// Filler words and phrases.
    pub filler_words: FillerWords,
    /// Questions asked: runs of `?` in the text.
    pub questions: usize,
}

/// Filler-word counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FillerWords {
    /// All fillers.
    pub count: usize,
    /// Per minute of talk time; `null` without talk time.
    pub per_minute: Option<f64>,
    /// Count per filler (only those that occur).
    pub by_word: BTreeMap<String, usize>,
}

/// Lower-case words of a text, punctuation stripped (apostrophes kept).
pub(crate) fn words(text: &str) -> Vec<String> {
    spoken_words(text).into_iter().map(|w| w.text).collect()
}

/// A word as transcribed, with whether a pause mark touches it.
struct SpokenWord {
    text: String,
    pause_before: bool,
    pause_after: bool,
}

/// Whether the punctuation around a word marks a pause: `,` `;` `…` `—` `–` `-`, or an
/// ellipsis written as dots (a single `.` ends a sentence, it does not set a marker off).
fn marks_a_pause(marks: &str) -> bool {
    marks.chars().any(|c| matches!(c, ',' | ';' | '…' | '—' | '–' | '-')) || marks.contains("..")
}

fn spoken_words(text: &str) -> Vec<SpokenWord> {
    let mut out: Vec<SpokenWord> = Vec::new();
    let mut pending_pause = false;
    for raw in text.split_whitespace() {
        let word: String = raw.chars().filter(|c| c.is_alphanumeric() || *c == '\'').collect::<String>().to_lowercase();
        let leading = raw.chars().take_while(|c| !c.is_alphanumeric()).collect::<String>();
        let trailing = raw.chars().rev().take_while(|c| !c.is_alphanumeric()).collect::<String>();
        if word.is_empty() {
            // A lone dash or ellipsis between words.
            pending_pause |= marks_a_pause(raw);
            continue;
        }
        let pause_before = pending_pause || marks_a_pause(&leading);
        pending_pause = marks_a_pause(&trailing);
        if pause_before && let Some(previous) = out.last_mut() {
            previous.pause_after = true;
        }
        out.push(SpokenWord { text: word, pause_before, pause_after: pending_pause });
    }
    out
}

pub(crate) fn transcript_metrics(segments: &[TranscriptSegment], talk_time_s: f64) -> TranscriptMetrics {
    let mut by_word: BTreeMap<String, usize> = BTreeMap::new();
    let mut word_count = 0;
    let mut questions = 0;
    for segment in segments {
        let words = spoken_words(&segment.text);
        word_count += words.len();
        count_fillers(&words, &mut by_word);
        questions += question_count(&segment.text);
    }
    let count = by_word.values().sum();
    let per_minute = (talk_time_s > 0.0).then(|| round_to(count as f64 / (talk_time_s / 60.0), 2));
    TranscriptMetrics { words: word_count, filler_words: FillerWords { count, per_minute, by_word }, questions }
}

fn count_fillers(words: &[SpokenWord], by_word: &mut BTreeMap<String, usize>) {
    let mut i = 0;
    while i < words.len() {
        if let Some(next) = words.get(i + 1) {
            let pair = format!("{} {}", words[i].text, next.text);
            let set_off = words[i].pause_before || next.pause_after;
            if FILLER_MARKERS.contains(&pair.as_str()) && !words[i].pause_after && set_off {
                *by_word.entry(pair).or_default() += 1;
                i += 2;
                continue;
            }
        }
        let word = &words[i];
        let marker = FILLER_MARKERS.contains(&word.text.as_str()) && (word.pause_before || word.pause_after);
        if marker || FILLER_WORDS.contains(&word.text.as_str()) {
            *by_word.entry(word.text.clone()).or_default() += 1;
        }
        i += 1;
    }
}

fn question_count(text: &str) -> usize {
    let mut count = 0;
    let mut previous = ' ';
    for c in text.chars() {
        if c == '?' && previous != '?' {
            count += 1;
        }
        previous = c;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str) -> TranscriptSegment {
        TranscriptSegment { start_s: 0.0, end_s: 1.0, text: text.to_owned() }
    }

    #[test]
    fn counts_words_fillers_and_questions() {
        let segments = [seg("Um, so, you know, I like it."), seg("What do you think?? Really?"), seg("Uh... kind of.")];
        let m = transcript_metrics(&segments, 30.0);
        assert_eq!(m.words, 15);
        assert_eq!(m.questions, 2);
        assert_eq!(m.filler_words.count, 4, "{:?}", m.filler_words.by_word);
        assert_eq!(m.filler_words.by_word["um"], 1);
        assert_eq!(m.filler_words.by_word["you know"], 1);
        assert_eq!(m.filler_words.by_word["kind of"], 1);
        assert!(!m.filler_words.by_word.contains_key("like"), "\"I like it\" is a verb, not a filler");
        assert_eq!(m.filler_words.per_minute, Some(8.0));
    }

    #[test]
    fn discourse_markers_count_only_where_a_pause_sets_them_off() {
        let count = |text: &str| {
            let m = transcript_metrics(&[seg(text)], 60.0);
            (m.filler_words.count, m.filler_words.by_word)
        };
        for ordinary in [
            "I like it, and things like that.",
            "It's a kind of fruit. What sort of fruit?",
            "Do you know him? That's what I mean.",
            "Like I said, we start at nine.",
        ] {
            let (n, by_word) = count(ordinary);
            assert_eq!(n, 0, "{ordinary}: {by_word:?}");
        }
        for (filler, marker) in [
            ("It was, like, huge.", "like"),
            ("It was like, huge.", "like"),
            ("I mean, sure.", "i mean"),
            ("We could, you know, wait.", "you know"),
            ("It's, kind of, hard to say.", "kind of"),
            ("So — like — it broke.", "like"),
            ("Well... sort of.", "sort of"),
        ] {
            let (n, by_word) = count(filler);
            assert_eq!((n, by_word.get(marker).copied()), (1, Some(1)), "{filler}: {by_word:?}");
        }
        let (n, _) = count("Um, uh, hmm.");
        assert_eq!(n, 3, "hesitations count wherever they occur");
    }
}
