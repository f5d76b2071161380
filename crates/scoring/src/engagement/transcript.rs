//! Transcript measures: words, filler words and questions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scale::round_to;

/// One piece of transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscriptSegment {
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// What was said.
    pub text: String,
}

/// Single-word fillers counted.
pub const FILLER_WORDS: &[&str] = &["um", "umm", "uh", "uhh", "erm", "er", "ah", "hmm", "like"];
/// Two-word fillers counted.
pub const FILLER_PHRASES: &[&str] = &["you know", "i mean", "sort of", "kind of"];

/// What the transcript says about engagement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscriptMetrics {
    /// Words in the transcript.
    pub words: usize,
    /// Filler words and phrases.
    pub filler_words: FillerWords,
    /// Questions asked: runs of `?` in the text.
    pub questions: usize,
}

/// Filler-word counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    text.split_whitespace()
        .map(|w| w.chars().filter(|c| c.is_alphanumeric() || *c == '\'').collect::<String>().to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

pub(crate) fn transcript_metrics(segments: &[TranscriptSegment], talk_time_s: f64) -> TranscriptMetrics {
    let mut by_word: BTreeMap<String, usize> = BTreeMap::new();
    let mut word_count = 0;
    let mut questions = 0;
    for segment in segments {
        let words = words(&segment.text);
        word_count += words.len();
        count_fillers(&words, &mut by_word);
        questions += question_count(&segment.text);
    }
    let count = by_word.values().sum();
    let per_minute = (talk_time_s > 0.0).then(|| round_to(count as f64 / (talk_time_s / 60.0), 2));
    TranscriptMetrics { words: word_count, filler_words: FillerWords { count, per_minute, by_word }, questions }
}

fn count_fillers(words: &[String], by_word: &mut BTreeMap<String, usize>) {
    let mut i = 0;
    while i < words.len() {
        let pair = words.get(i + 1).map(|next| format!("{} {next}", words[i]));
        if let Some(pair) = pair.filter(|p| FILLER_PHRASES.contains(&p.as_str())) {
            *by_word.entry(pair).or_default() += 1;
            i += 2;
            continue;
        }
        if FILLER_WORDS.contains(&words[i].as_str()) {
            *by_word.entry(words[i].clone()).or_default() += 1;
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
        assert_eq!(m.filler_words.count, 5);
        assert_eq!(m.filler_words.by_word["um"], 1);
        assert_eq!(m.filler_words.by_word["you know"], 1);
        assert_eq!(m.filler_words.by_word["kind of"], 1);
        assert_eq!(m.filler_words.per_minute, Some(10.0));
    }
}
