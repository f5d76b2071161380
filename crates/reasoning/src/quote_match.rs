//! Verifying the model's quotes: a quote counts only if it occurs, word for word, in the
//! transcript segments the model was shown. Matching ignores case, punctuation and spacing;
//! the time span comes from the segments where the quote was found, never from the model.

use session_transcribe::Segment;

/// Lower case, apostrophes dropped (`don't` = `dont`), every other non-alphanumeric character a
/// word break, single spaces between words.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else if !matches!(c, '\'' | '’' | '‘' | 'ʼ') {
            pending_space = true;
        }
    }
    out
}

/// The shown segments' normalised text, searchable for quotes.
pub(crate) struct QuoteIndex<'a> {
    /// `" " + segment texts joined by " " + " "`, so whole-word matches are substring matches.
    haystack: String,
    /// Byte range in `haystack` of each segment's text, in order.
    spans: Vec<(usize, usize, &'a Segment)>,
}

impl<'a> QuoteIndex<'a> {
    pub(crate) fn new(segments: &[&'a Segment]) -> Self {
        let mut haystack = String::from(" ");
        let mut spans = Vec::with_capacity(segments.len());
        for segment in segments {
            let text = normalize(&segment.text);
            if text.is_empty() {
                continue;
            }
            let start = haystack.len();
            haystack.push_str(&text);
            spans.push((start, haystack.len(), *segment));
            haystack.push(' ');
        }
        Self { haystack, spans }
    }

    /// The `(start_s, end_s)` of the first occurrence of `quote` (whole words), from the start of
    /// the segment where it begins to the end of the segment where it ends; `None` if absent.
    pub(crate) fn find(&self, quote: &str) -> Option<(f64, f64)> {
        let needle = normalize(quote);
        if needle.is_empty() {
            return None;
        }
        let at = self.haystack.find(&format!(" {needle} "))? + 1;
        let last = at + needle.len() - 1;
        let segment_at = |byte: usize| self.spans.iter().find(|(start, end, _)| (*start..*end).contains(&byte));
        let (_, _, first) = segment_at(at)?;
        let (_, _, end) = segment_at(last)?;
        Some((first.start_s, end.end_s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(start_s: f64, end_s: f64, text: &str) -> Segment {
        Segment::from_text(start_s, end_s, text)
    }

    #[test]
    fn normalisation_ignores_case_punctuation_and_spacing() {
        assert_eq!(normalize("  Well — I DON'T know,   really?! "), "well i dont know really");
        assert_eq!(normalize("state-of-the-art"), "state of the art");
        assert_eq!(normalize("…"), "");
        assert_eq!(normalize("Ça va? Très bien."), "ça va très bien");
    }

    #[test]
    fn finds_quotes_and_takes_times_from_the_segments() {
        let segments = [segment(1.0, 4.0, "Hello, everyone."), segment(4.0, 9.5, "Today we'll look at fractions.")];
        let refs: Vec<&Segment> = segments.iter().collect();
        let index = QuoteIndex::new(&refs);
        assert_eq!(index.find("we'll LOOK at fractions"), Some((4.0, 9.5)));
        assert_eq!(index.find("hello everyone"), Some((1.0, 4.0)));
        assert_eq!(index.find("everyone. Today we'll"), Some((1.0, 9.5)), "a quote may span two segments");
    }

    #[test]
    fn partial_words_and_invented_text_do_not_match() {
        let segments = [segment(0.0, 2.0, "Let us begin the lesson")];
        let refs: Vec<&Segment> = segments.iter().collect();
        let index = QuoteIndex::new(&refs);
        assert_eq!(index.find("egin the less"), None);
        assert_eq!(index.find("let us end the lesson"), None);
        assert_eq!(index.find("?!"), None);
        assert_eq!(index.find(""), None);
    }
}
