//! Offensive language and harassment in a transcript, by lexicon: whole-word phrase matching
//! after a normalisation that undoes the usual obfuscations.
//!
//! What it catches: listed words and phrases written plainly or obfuscated by case, leetspeak
//! (`sh1t`, `@ss`), repeated letters (`fuuuck`), letters spelled out with separators
//! (`f u c k`, `f.u.c.k`) and masking (`f*ck`, `sh#t`). What it cannot: meaning. Sarcasm,
//! quotation, new slang and insults built from harmless words pass; a listed word used
//! innocently is matched. Pair it with the LLM classifier where that matters.

use crate::{SafetyCategory, SafetyError};

/// One transcript span: text with its place in the recording.
#[derive(Clone, Debug, PartialEq)]
pub struct TextSpan<'a> {
    pub start_s: f64,
    pub end_s: f64,
    pub text: &'a str,
}

/// A lexicon entry found in a span.
#[derive(Clone, Debug, PartialEq)]
pub struct LexiconMatch {
    pub category: SafetyCategory,
    pub weight: f64,
    /// The entry as listed (e.g. `kill yourself`).
    pub phrase: String,
    /// The span's text, as said.
    pub quote: String,
    pub start_s: f64,
    pub end_s: f64,
}

struct Entry {
    category: SafetyCategory,
    weight: f64,
    phrase: String,
    tokens: Vec<String>,
}

/// A list of weighted phrases per category.
pub struct Lexicon {
    entries: Vec<Entry>,
    /// The language its phrases are in (ISO 639-1), when known.
    language: Option<String>,
}

/// The English lexicon shipped with the crate.
const ENGLISH: &str = include_str!("lexicon/en.tsv");

impl Lexicon {
    /// The built-in English lexicon (`src/lexicon/en.tsv`).
    pub fn english() -> Self {
        let list = Lexicon::from_tsv(ENGLISH, "built-in English lexicon")
            .unwrap_or(Lexicon { entries: Vec::new(), language: None });
        list.in_language("en")
    }

    /// States the language the phrases are in (ISO 639-1): a transcript in another language is
    /// then not judged by this list.
    pub fn in_language(mut self, language: &str) -> Self {
        self.language = Some(language.to_ascii_lowercase());
        self
    }

    /// The language the phrases are in, when stated.
    pub fn language(&self) -> Option<&str> {
        self.language.as_deref()
    }

    /// Reads `category<TAB>weight<TAB>phrase` lines (`#` starts a comment); `source` names the
    /// file in errors.
    pub fn from_tsv(text: &str, source: &str) -> Result<Self, SafetyError> {
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |what: &str| SafetyError::Model {
                folder: source.to_string(),
                reason: format!("line {}: {what}; expected `category<TAB>weight<TAB>phrase`", number + 1),
            };
            let mut fields = line.split('\t');
            let (Some(category), Some(weight), Some(phrase)) = (fields.next(), fields.next(), fields.next()) else {
                return Err(bad("fewer than three tab-separated fields"));
            };
            let category = SafetyCategory::parse(category.trim()).map_err(|e| bad(&e.to_string()))?;
            let weight: f64 = weight.trim().parse().map_err(|_| bad(&format!("weight {weight:?} is not a number")))?;
            if !(0.0..=1.0).contains(&weight) {
                return Err(bad(&format!("weight {weight} is outside 0..1")));
            }
            let tokens = normalize(phrase);
            if tokens.is_empty() {
                return Err(bad("empty phrase"));
            }
            entries.push(Entry { category, weight, phrase: phrase.trim().to_string(), tokens });
        }
        Ok(Lexicon { entries, language: None })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the lexicon has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry found in the spans, in time order; an entry counts once per span.
    pub fn find(&self, spans: &[TextSpan<'_>]) -> Vec<LexiconMatch> {
        let mut found = Vec::new();
        for span in spans {
            let tokens = normalize(span.text);
            for entry in &self.entries {
                if contains_phrase(&tokens, &entry.tokens) {
                    found.push(LexiconMatch {
                        category: entry.category,
                        weight: entry.weight,
                        phrase: entry.phrase.clone(),
                        quote: span.text.trim().to_string(),
                        start_s: span.start_s,
                        end_s: span.end_s,
                    });
                }
            }
        }
        found
    }
}

fn contains_phrase(tokens: &[String], phrase: &[String]) -> bool {
    tokens.len() >= phrase.len()
        && tokens.windows(phrase.len()).any(|window| window.iter().zip(phrase).all(|(t, p)| token_matches(t, p)))
}

/// `*` in a spoken token stands for one or more masked letters.
fn token_matches(token: &str, entry: &str) -> bool {
    if !token.contains('*') {
        return token == entry;
    }
    let parts: Vec<&str> = token.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !entry.starts_with(first) || !entry.ends_with(last) || entry.len() <= first.len() + last.len() {
        return false;
    }
    let mut rest = &entry[first.len()..entry.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Lower case, leetspeak undone, apostrophes dropped, runs of a letter collapsed to one, masking
/// characters turned into `*`, and letters spelled out one by one (`f u c k`) joined.
fn normalize(text: &str) -> Vec<String> {
    let mut raw_tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    for ch in text.chars().flat_map(char::to_lowercase) {
        let mapped = match ch {
            'a'..='z' => Some(ch),
            '0' => Some('o'),
            '1' | '!' | '|' => Some('i'),
            '3' => Some('e'),
            '4' | '@' => Some('a'),
            '5' | '$' => Some('s'),
            '7' => Some('t'),
            '*' | '#' => Some('*'),
            '\'' | '\u{2019}' => None,
            _ => {
                if !current.is_empty() {
                    raw_tokens.push(std::mem::take(&mut current));
                }
                continue;
            }
        };
        if let Some(c) = mapped {
            current.push(c);
        }
    }
    if !current.is_empty() {
        raw_tokens.push(current);
    }
    // A digit or symbol alone is not a letter in disguise ("i have 1 question").
    let raw_tokens: Vec<String> =
        raw_tokens.into_iter().filter(|t| t.chars().any(|c| c.is_ascii_lowercase())).collect();
    let mut tokens = Vec::new();
    let mut letters = String::new();
    for token in raw_tokens {
        if token.len() == 1 && token != "i" && token != "a" {
            letters.push_str(&token);
            continue;
        }
        if letters.len() > 1 {
            tokens.push(collapse(&letters));
        } else if !letters.is_empty() {
            tokens.push(letters.clone());
        }
        letters.clear();
        tokens.push(collapse(&token));
    }
    if letters.len() > 1 {
        tokens.push(collapse(&letters));
    } else if !letters.is_empty() {
        tokens.push(letters);
    }
    tokens
}

fn collapse(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    for c in token.chars() {
        if !out.ends_with(c) || c == '*' {
            out.push(c);
        }
    }
    out.replace("**", "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str) -> TextSpan<'_> {
        TextSpan { start_s: 1.0, end_s: 2.5, text }
    }

    fn categories(text: &str) -> Vec<(SafetyCategory, String)> {
        Lexicon::english().find(&[span(text)]).into_iter().map(|m| (m.category, m.phrase)).collect()
    }

    #[test]
    fn plain_and_obfuscated_words_match() {
        for text in
            ["What the fuck", "what the FUUUCK", "f u c k this", "f.u.c.k", "f*ck that", "sh1t happens", "@sshole"]
        {
            assert!(categories(text).iter().any(|(c, _)| *c == SafetyCategory::Offensive), "{text}");
        }
    }

    #[test]
    fn phrases_match_across_spacing_and_apostrophes() {
        let found = categories("Honestly? You're   WORTHLESS.");
        assert_eq!(found, vec![(SafetyCategory::Harassment, "you're worthless".to_string())]);
        assert!(categories("just k.y.s").iter().any(|(c, p)| *c == SafetyCategory::Harassment && p == "kys"));
    }

    #[test]
    fn innocent_text_does_not_match() {
        for text in [
            "Scunthorpe is a town",
            "I have 1 question about the assessment",
            "Let's shift the meeting to Thursday",
            "the document is classic",
            "I will kill the process and restart it",
            "a b test",
        ] {
            assert_eq!(categories(text), vec![], "{text}");
        }
    }

    #[test]
    fn matches_keep_the_quote_and_its_times() {
        let found = Lexicon::english().find(&[span("ok"), TextSpan { start_s: 7.0, end_s: 9.0, text: " Go die. " }]);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].quote.as_str(), found[0].start_s, found[0].end_s), ("Go die.", 7.0, 9.0));
        assert!(found[0].weight > 0.9);
    }

    #[test]
    fn bad_lexicon_lines_name_the_line() {
        let error = Lexicon::from_tsv("offensive\t2\tbad", "my.tsv").err().unwrap().to_string();
        assert!(error.contains("my.tsv") && error.contains("line 1") && error.contains("outside"), "{error}");
        let error = Lexicon::from_tsv("rude\t0.5\tbad", "my.tsv").err().unwrap().to_string();
        assert!(error.contains("category"), "{error}");
        assert!(Lexicon::english().len() > 30);
    }
}
