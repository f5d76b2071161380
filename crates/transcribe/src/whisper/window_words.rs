//! Word timestamps for one decoded window: the kept segments' text tokens are aligned to the
//! audio in one teacher-forced decoder pass (`WindowModel::align`), cut into words
//! (`word_timing`) and handed back to the segments.

use std::ops::Range;

use crate::vad::voice_activity::VoiceActivity;
use crate::whisper::decoder::WindowDecoding;
use crate::whisper::long_form::WindowModel;
use crate::whisper::word_timing::{attach_words, window_words};
use crate::{Segment, TranscribeError};

/// Where a window sits in the recording.
#[derive(Clone, Copy, Debug)]
pub struct WindowSpan<'a> {
    pub start_s: f64,
    /// Mel frames of real audio in the window (the rest is padding).
    pub content_frames: usize,
    /// The recording's clear silences, when it has any.
    pub voice: &'a VoiceActivity,
}

/// Fills `segments[k].words` from the tokens `result.tokens[kept[k]]` (text and timestamps);
/// `last_speech_s` is the end of the speech so far and is updated.
pub fn add_word_timestamps<M: WindowModel>(
    model: &M,
    encoded: &M::Encoded,
    result: &WindowDecoding,
    kept: &[Range<usize>],
    window: WindowSpan<'_>,
    segments: &mut [Segment],
    last_speech_s: &mut f64,
) -> Result<(), TranscribeError> {
    let eot = model.special_tokens().eot;
    let mut text_tokens = Vec::new();
    let mut probs = Vec::new();
    let mut counts = Vec::with_capacity(kept.len());
    for range in kept {
        let before = text_tokens.len();
        for i in range.clone() {
            let (Some(&token), Some(&logprob)) = (result.tokens.get(i), result.token_logprobs.get(i)) else {
                continue;
            };
            if token < eot {
                text_tokens.push(token);
                probs.push(f64::from(logprob).exp());
            }
        }
        counts.push(text_tokens.len() - before);
    }
    if text_tokens.is_empty() {
        return Ok(());
    }
    let starts: Vec<f64> =
        model.align(encoded, &text_tokens, window.content_frames)?.into_iter().map(|s| window.start_s + s).collect();
    let pieces = character_pieces(model, &text_tokens)?;
    let words = window_words(&pieces, &starts, &probs);
    if words.words.is_empty() {
        return Ok(());
    }
    attach_words(segments, &counts, &words, window.voice, last_speech_s);
    Ok(())
}

/// `tokens` cut into runs that decode to whole characters (a character outside ASCII may span
/// several byte-level tokens), with each run's text and length.
fn character_pieces<M: WindowModel>(model: &M, tokens: &[u32]) -> Result<Vec<(String, usize)>, TranscribeError> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for end in 1..=tokens.len() {
        let text = model.text(&tokens[start..end])?;
        if !text.contains('\u{FFFD}') || end == tokens.len() {
            pieces.push((text, end - start));
            start = end;
        }
    }
    Ok(pieces)
}
