//! Whisper's special tokens, looked up by name in `tokenizer.json`, and the prompts built from them.
//!
//! English-only vocabularies (51864 entries, tiny.en … medium.en) and multilingual ones (51865+)
//! number their special tokens differently, so nothing here is hard-coded: ids come from the
//! tokenizer, and the timestamp tokens, which `tokenizer.json` does not list, start right after
//! `<|notimestamps|>`.

use tokenizers::Tokenizer;

/// A vocabulary this large or larger is multilingual (transformers' rule).
pub const MULTILINGUAL_VOCAB_SIZE: usize = 51_865;
/// Seconds per timestamp token.
pub const TIME_PRECISION_S: f64 = 0.02;

/// The special token ids of one Whisper vocabulary.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecialTokens {
    pub eot: u32,
    pub sot: u32,
    pub sot_prev: u32,
    pub transcribe: u32,
    pub no_speech: u32,
    pub no_timestamps: u32,
    /// `<|0.00|>`; every id from here up is a timestamp.
    pub timestamp_begin: u32,
    /// Language codes and their tokens, in vocabulary order; empty for English-only models.
    pub languages: Vec<(String, u32)>,
    pub vocab_size: usize,
}

impl SpecialTokens {
    /// The special tokens of Whisper tiny.en (English-only, 51864 tokens), for unit tests.
    #[cfg(test)]
    pub(crate) fn tiny_en_for_tests() -> Self {
        Self {
            eot: 50256,
            sot: 50257,
            sot_prev: 50360,
            transcribe: 50358,
            no_speech: 50361,
            no_timestamps: 50362,
            timestamp_begin: 50363,
            languages: Vec::new(),
            vocab_size: 51864,
        }
    }

    /// Reads the special tokens from `tokenizer`; `Err` names the first one missing.
    pub fn from_tokenizer(tokenizer: &Tokenizer, vocab_size: usize) -> Result<Self, String> {
        let id = |name: &str| tokenizer.token_to_id(name).ok_or_else(|| format!("token {name} is missing"));
        let sot = id("<|startoftranscript|>")?;
        let translate = id("<|translate|>")?;
        let no_timestamps = id("<|notimestamps|>")?;
        let no_speech = id("<|nospeech|>").or_else(|_| id("<|nocaptions|>"))?;
        let languages = if vocab_size >= MULTILINGUAL_VOCAB_SIZE {
            (sot + 1..translate)
                .filter_map(|t| {
                    let token = tokenizer.id_to_token(t)?;
                    let code = token.strip_prefix("<|")?.strip_suffix("|>")?;
                    Some((code.to_owned(), t))
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Self {
            eot: id("<|endoftext|>")?,
            sot,
            sot_prev: id("<|startofprev|>")?,
            transcribe: id("<|transcribe|>")?,
            no_speech,
            no_timestamps,
            timestamp_begin: no_timestamps + 1,
            languages,
            vocab_size,
        })
    }

    pub fn is_multilingual(&self) -> bool {
        self.vocab_size >= MULTILINGUAL_VOCAB_SIZE
    }

    pub fn is_timestamp(&self, token: u32) -> bool {
        token >= self.timestamp_begin
    }

    pub fn language_token(&self, code: &str) -> Option<u32> {
        self.languages.iter().find(|(c, _)| c == code).map(|&(_, t)| t)
    }

    /// `<|startoftranscript|>` alone (English-only) or followed by the language and
    /// `<|transcribe|>` (multilingual).
    pub fn sot_sequence(&self, language_token: Option<u32>) -> Vec<u32> {
        match language_token {
            Some(lang) if self.is_multilingual() => vec![self.sot, lang, self.transcribe],
            _ => vec![self.sot],
        }
    }

    /// The decoder prompt: `<|startofprev|>` and the most recent `previous` tokens when there
    /// are any (at most `max_previous`), then the start-of-transcript sequence.
    pub fn prompt(&self, previous: &[u32], max_previous: usize, sot_sequence: &[u32]) -> Vec<u32> {
        let mut prompt = Vec::new();
        if !previous.is_empty() && max_previous > 0 {
            prompt.push(self.sot_prev);
            prompt.extend_from_slice(&previous[previous.len().saturating_sub(max_previous)..]);
        }
        prompt.extend_from_slice(sot_sequence);
        prompt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english() -> SpecialTokens {
        SpecialTokens::tiny_en_for_tests()
    }

    #[test]
    fn english_only_prompt_has_no_language_or_task() {
        let t = english();
        assert!(!t.is_multilingual());
        assert_eq!(t.sot_sequence(Some(50258)), vec![50257]);
        assert_eq!(t.prompt(&[], 223, &[50257]), vec![50257]);
        assert_eq!(t.prompt(&[1, 2, 3], 2, &[50257]), vec![50360, 2, 3, 50257]);
    }

    #[test]
    fn multilingual_prompt_names_language_and_task() {
        let mut t = english();
        t.vocab_size = 51865;
        assert_eq!(t.sot_sequence(Some(50259)), vec![50257, 50259, 50358]);
    }
}
