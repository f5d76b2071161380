//! A small English text normaliser in the spirit of Whisper's `EnglishTextNormalizer`, and the
//! word error rate computed on normalised text.
//!
//! Both sides of a comparison go through [`normalize_english`], so differences that are only a
//! matter of writing ("Twelve percent." vs "12%") are not counted as errors. What it does:
//! lowercase; `%` becomes the word `percent`; punctuation becomes a word break (an apostrophe
//! inside a word is dropped: "don't" → "dont"); runs of number words become digits ("two
//! hundred and five" → "205", "twelve" → "12"); thousands separators in digits are removed.
//! It is deliberately smaller than Whisper's (no spelling variants, no currency, no ordinals).

/// Normalises English text for scoring: see the module documentation.
pub fn normalize_english(text: &str) -> String {
    let words = split_words(&text.to_lowercase());
    numbers_to_digits(&words).join(" ")
}

/// Word error rate of `hypothesis` against `reference` after [`normalize_english`] on both:
/// (substitutions + deletions + insertions) / reference words. An empty reference gives 0 when
/// the hypothesis is empty too, else 1 per inserted word.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let reference = normalize_english(reference);
    let hypothesis = normalize_english(hypothesis);
    let reference: Vec<&str> = reference.split_whitespace().collect();
    let hypothesis: Vec<&str> = hypothesis.split_whitespace().collect();
    let errors = edit_distance(&reference, &hypothesis);
    if reference.is_empty() { errors as f64 } else { errors as f64 / reference.len() as f64 }
}

/// Levenshtein distance between two word sequences.
pub fn edit_distance(reference: &[&str], hypothesis: &[&str]) -> usize {
    let mut previous: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut current = vec![i + 1; hypothesis.len() + 1];
        for (j, h) in hypothesis.iter().enumerate() {
            let substitution = previous[j] + usize::from(r != h);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[hypothesis.len()]
}

/// Splits lowercase text into words: letters and digits (with a decimal point between digits)
/// stay, `%` becomes "percent", apostrophes inside words vanish, everything else separates.
fn split_words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let between_digits = prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() {
            word.push(c);
        } else if (c == '\'' || c == '’') && !word.is_empty() && next.is_some_and(char::is_alphanumeric) {
            // "don't" → "dont"
        } else if c == ',' && between_digits {
            // "1,000" → "1000"
        } else if c == '.' && between_digits {
            word.push(c);
        } else {
            flush(&mut word, &mut words);
            if c == '%' {
                words.push("percent".to_owned());
            }
        }
    }
    flush(&mut word, &mut words);
    words
}

fn small_number(word: &str) -> Option<u64> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    if let Some(i) = UNITS.iter().position(|u| *u == word) {
        return Some(i as u64);
    }
    TENS.iter().position(|t| *t == word).map(|i| 20 + 10 * i as u64)
}

fn multiplier(word: &str) -> Option<u64> {
    match word {
        "hundred" => Some(100),
        "thousand" => Some(1_000),
        "million" => Some(1_000_000),
        "billion" => Some(1_000_000_000),
        _ => None,
    }
}

/// Replaces each maximal run of number words ("twenty one", "two hundred and five") with its
/// value in digits. "and" counts only between number words.
fn numbers_to_digits(words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        match parse_number(&words[i..]) {
            Some((value, used)) => {
                out.push(value.to_string());
                i += used;
            }
            None => {
                out.push(words[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// Parses the longest number at the start of `words`: returns its value and how many words it
/// used, or `None` when the first word is not a number word.
fn parse_number(words: &[String]) -> Option<(u64, usize)> {
    small_number(&words[0])?;
    let (mut total, mut current, mut used) = (0u64, 0u64, 0usize);
    let mut last_was_small = false;
    for (i, word) in words.iter().enumerate() {
        if let Some(n) = small_number(word) {
            // "twenty one" adds; "one two" are two numbers.
            let joins_tens = last_was_small && current % 100 >= 20 && current % 10 == 0 && n < 10;
            if last_was_small && !joins_tens {
                break;
            }
            current += n;
            last_was_small = true;
        } else if let Some(m) = multiplier(word).filter(|_| used > 0) {
            if m == 100 {
                current = current.max(1) * 100;
            } else {
                total += current.max(1) * m;
                current = 0;
            }
            last_was_small = false;
        } else if word == "and" && used > 0 && words.get(i + 1).is_some_and(|w| small_number(w).is_some()) {
            last_was_small = false;
        } else {
            break;
        }
        used = i + 1;
    }
    Some((total + current, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_strips_punctuation() {
        assert_eq!(normalize_english("Good morning, and THANK you!"), "good morning and thank you");
        assert_eq!(normalize_english("Don't stop—ever."), "dont stop ever");
    }

    #[test]
    fn number_words_and_percent_match_digits() {
        assert_eq!(normalize_english("twelve percent"), normalize_english("12%"));
        assert_eq!(normalize_english("twelve percent"), "12 percent");
        assert_eq!(normalize_english("two hundred and five people"), "205 people");
        assert_eq!(normalize_english("twenty one"), "21");
        assert_eq!(normalize_english("one two three"), "1 2 3");
        assert_eq!(normalize_english("three thousand four hundred"), "3400");
        assert_eq!(normalize_english("1,000 users at 2.5%"), "1000 users at 2.5 percent");
        assert_eq!(normalize_english("rock and roll"), "rock and roll");
        assert_eq!(normalize_english("one and only"), "1 and only");
    }

    #[test]
    fn wer_counts_edits_over_reference_words() {
        assert_eq!(wer("the cat sat", "the cat sat"), 0.0);
        assert_eq!(wer("the cat sat", "The cat sat."), 0.0);
        assert!((wer("the cat sat on the mat", "the cat sat on a mat") - 1.0 / 6.0).abs() < 1e-12);
        assert_eq!(wer("a b", ""), 1.0);
        assert_eq!(wer("", ""), 0.0);
        assert_eq!(wer("", "hello there"), 2.0);
        assert_eq!(wer("cut waiting times by twelve percent", "cut waiting times by 12%"), 0.0);
    }
}
