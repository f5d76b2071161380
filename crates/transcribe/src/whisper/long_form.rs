//! Long-form transcription, as openai-whisper's `transcribe()`: 30-second windows over the
//! log-mel spectrogram, each decoded with temperature fallback, split into segments at timestamp
//! tokens; the next window starts at the last complete timestamp (or after the window when it
//! ended on a single timestamp or had none). Earlier text is the prompt for the next window.

use crate::whisper::decoder::WindowDecoding;
use std::time::Instant;

use crate::vad::voice_activity::VoiceActivity;
use crate::whisper::hallucination_guard::{GuardWindow, clamp_to_duration, drop_hallucinations};
use crate::whisper::mel::{HOP_LENGTH, MelSpectrogram};
use crate::whisper::sampling::SeededRng;
use crate::whisper::tokens::{SpecialTokens, TIME_PRECISION_S};
use crate::whisper::transcription_stats::{DecodeStats, TranscriptionStats, WindowStats};
use crate::whisper::window_words::{WindowSpan, add_word_timestamps};
use crate::{DecodingOptions, Segment, TranscribeError};

/// Mel frames in one 30-second window.
pub const N_FRAMES: usize = 3000;
/// Mel frames per audio-encoder position (the second convolution has stride 2).
const FRAMES_PER_TIMESTAMP: usize = 2;
pub(crate) const SECONDS_PER_FRAME: f64 = HOP_LENGTH as f64 / 16_000.0;
/// openai-whisper resets the prompt after a window decoded above this temperature.
const PROMPT_RESET_TEMPERATURE: f32 = 0.5;

/// The model as the window loop sees it.
pub trait WindowModel {
    /// A window's encoded audio, reused across temperatures.
    type Encoded;
    fn special_tokens(&self) -> &SpecialTokens;
    /// Encodes mel frames `[n_mels × N_FRAMES]` (mel-bin-major).
    fn encode(&self, mel_window: &[f32]) -> Result<Self::Encoded, TranscribeError>;
    /// Decodes one window after the `previous` text tokens at `temperature`.
    fn decode(
        &self,
        encoded: &Self::Encoded,
        previous: &[u32],
        temperature: f32,
        rng: &mut SeededRng,
    ) -> Result<WindowDecoding, TranscribeError>;
    /// The text of `tokens`, timestamps and other special tokens left out.
    fn text(&self, tokens: &[u32]) -> Result<String, TranscribeError>;
    /// Cross-attention alignment of a window's `text_tokens` over its first `content_frames`
    /// mel frames: the start, in seconds from the window's start, of each token and of the
    /// `<|endoftext|>` after them. Empty when the tokens cannot be aligned.
    fn align(
        &self,
        encoded: &Self::Encoded,
        text_tokens: &[u32],
        content_frames: usize,
    ) -> Result<Vec<f64>, TranscribeError>;
}

/// Transcribes the whole spectrogram into segments; adds what each window cost to `stats`.
pub fn transcribe_windows<M: WindowModel>(
    model: &M,
    mel: &MelSpectrogram,
    voice: &VoiceActivity,
    options: &DecodingOptions,
    seed: u64,
    stats: &mut TranscriptionStats,
) -> Result<Vec<Segment>, TranscribeError> {
    let duration_s = mel.n_frames as f64 * SECONDS_PER_FRAME;
    let mut segments = Vec::new();
    let mut all_tokens: Vec<u32> = Vec::new();
    let mut prompt_reset_since = 0;
    let mut last_speech_s = 0.0;
    let mut seek = 0;
    while seek < mel.n_frames {
        if let Some(resume_s) =
            options.skip_silence_s.and_then(|s| voice.skip_silence(seek as f64 * SECONDS_PER_FRAME, f64::from(s)))
        {
            let resume = ((resume_s / SECONDS_PER_FRAME).round() as usize).max(seek + 1);
            stats.skipped_s += (resume.min(mel.n_frames) - seek) as f64 * SECONDS_PER_FRAME;
            seek = resume;
            continue;
        }
        // With silence skipping, a window also ends where the next long silence begins, as if the
        // audio ended there: Whisper invents text in silent stretches of a window.
        let seek_s = seek as f64 * SECONDS_PER_FRAME;
        let speech_frames = options
            .skip_silence_s
            .and_then(|s| voice.speech_end(seek_s, f64::from(s)))
            .map(|end_s| (((end_s - seek_s) / SECONDS_PER_FRAME).ceil() as usize).max(1));
        let segment_size = N_FRAMES.min(mel.n_frames - seek).min(speech_frames.unwrap_or(N_FRAMES));
        let mut window = WindowStats {
            start_s: seek_s,
            content_s: segment_size as f64 * SECONDS_PER_FRAME,
            advance_s: segment_size as f64 * SECONDS_PER_FRAME,
            ..Default::default()
        };
        let started = Instant::now();
        let encoded = model.encode(&mel.window_with_content(seek, segment_size, N_FRAMES))?;
        window.encoder_s = started.elapsed().as_secs_f64();
        let speech_before_window = last_speech_s;
        let mut rng = SeededRng::new(seed ^ seek as u64);
        let started = Instant::now();
        let previous = &all_tokens[prompt_reset_since..];
        let result = decode_with_fallback(model, &encoded, previous, options, &mut rng, &mut window.decodes)?;
        window.decoder_s = started.elapsed().as_secs_f64();
        if is_silence(&result, options) {
            window.no_speech = true;
            stats.add_window(window);
            seek += segment_size;
            continue;
        }
        let time_offset_s = seek as f64 * SECONDS_PER_FRAME;
        let split = split_segments(&result.tokens, model.special_tokens(), time_offset_s, segment_size);
        let mut window_segments = Vec::new();
        let mut kept = Vec::new();
        let mut first_token = 0;
        for piece in split.pieces {
            let range = first_token..first_token + piece.tokens.len();
            first_token = range.end;
            let text = model.text(piece.tokens)?.trim().to_owned();
            if text.is_empty() || piece.end_s <= piece.start_s {
                continue;
            }
            all_tokens.extend_from_slice(piece.tokens);
            stats.kept_tokens += piece.tokens.len();
            kept.push(range);
            window_segments.push(Segment {
                start_s: piece.start_s.min(duration_s),
                end_s: piece.end_s.min(duration_s),
                text,
                avg_logprob: Some(result.avg_logprob),
                no_speech_prob: Some(result.no_speech_prob),
                words: None,
            });
        }
        let started = Instant::now();
        if options.word_timestamps && !window_segments.is_empty() {
            let span = WindowSpan { start_s: time_offset_s, content_frames: segment_size, voice };
            add_word_timestamps(model, &encoded, &result, &kept, span, &mut window_segments, &mut last_speech_s)?;
            if let Some(threshold) = options.hallucination_silence_threshold_s {
                let guard = GuardWindow {
                    start_s: time_offset_s,
                    end_s: (time_offset_s + N_FRAMES as f64 * SECONDS_PER_FRAME).min(duration_s),
                    last_speech_s: speech_before_window,
                    threshold_s: f64::from(threshold),
                    voice,
                };
                drop_hallucinations(&mut window_segments, guard);
                last_speech_s = window_segments
                    .iter()
                    .rev()
                    .find_map(|s| s.words.as_ref()?.last().map(|w| w.end_s))
                    .unwrap_or(speech_before_window);
            }
        }
        window.alignment_s = started.elapsed().as_secs_f64();
        let mut floor_s = segments.last().map_or(0.0, |s: &Segment| s.end_s);
        for segment in &mut window_segments {
            floor_s = not_before(segment, floor_s);
        }
        clamp_to_duration(&mut window_segments, duration_s);
        segments.extend(window_segments.into_iter().map(rounded));
        if result.temperature > PROMPT_RESET_TEMPERATURE {
            prompt_reset_since = all_tokens.len();
        }
        window.advance_s = split.advance_frames.max(1) as f64 * SECONDS_PER_FRAME;
        stats.add_window(window);
        seek += split.advance_frames.max(1);
    }
    Ok(segments)
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// Moves the segment's and its words' times to `floor_s` or later (word edges stretched by the
/// alignment may reach back into the previous segment); returns the segment's end.
fn not_before(segment: &mut Segment, floor_s: f64) -> f64 {
    segment.start_s = segment.start_s.max(floor_s);
    segment.end_s = segment.end_s.max(segment.start_s);
    for word in segment.words.iter_mut().flatten() {
        word.start_s = word.start_s.clamp(segment.start_s, segment.end_s);
        word.end_s = word.end_s.clamp(word.start_s, segment.end_s);
    }
    segment.end_s
}

/// The segment with its times, and its words' times, rounded to milliseconds.
fn rounded(mut segment: Segment) -> Segment {
    segment.start_s = round_ms(segment.start_s);
    segment.end_s = round_ms(segment.end_s);
    for word in segment.words.iter_mut().flatten() {
        word.start_s = round_ms(word.start_s);
        word.end_s = round_ms(word.end_s);
    }
    segment
}

/// openai-whisper's test: a window is skipped as silence when `<|nospeech|>` is likely and the
/// decoded text is not confident.
fn is_silence(result: &WindowDecoding, options: &DecodingOptions) -> bool {
    result.no_speech_prob > f64::from(options.no_speech_threshold)
        && result.avg_logprob <= f64::from(options.logprob_threshold)
}

/// Decodes at each of `options.temperatures` in turn until the result is neither repetitive
/// (gzip compression ratio) nor unlikely (average log-probability); a likely silence needs no
/// fallback. When every temperature fails, keeps the most likely non-repetitive result
/// (faster-whisper's choice), else the most likely one. Each pass is appended to `log`.
pub fn decode_with_fallback<M: WindowModel>(
    model: &M,
    encoded: &M::Encoded,
    previous: &[u32],
    options: &DecodingOptions,
    rng: &mut SeededRng,
    log: &mut Vec<DecodeStats>,
) -> Result<WindowDecoding, TranscribeError> {
    let temperatures: &[f32] = if options.temperatures.is_empty() { &[0.0] } else { &options.temperatures };
    let mut failed: Vec<(WindowDecoding, bool)> = Vec::new();
    for &temperature in temperatures {
        let started = Instant::now();
        let result = model.decode(encoded, previous, temperature, rng)?;
        let ratio = compression_ratio(&model.text(&result.tokens)?);
        log.push(DecodeStats {
            temperature,
            sampled_tokens: result.tokens.len() + 1,
            prompt_tokens: result.prompt_tokens,
            avg_logprob: result.avg_logprob,
            no_speech_prob: result.no_speech_prob,
            compression_ratio: ratio,
            seconds: started.elapsed().as_secs_f64(),
            accepted: false,
        });
        let repetitive = ratio > f64::from(options.compression_ratio_threshold);
        let unlikely = result.avg_logprob < f64::from(options.logprob_threshold);
        let silence = result.no_speech_prob > f64::from(options.no_speech_threshold) && unlikely;
        if silence || (!repetitive && !unlikely) {
            if let Some(pass) = log.last_mut() {
                pass.accepted = true;
            }
            return Ok(result);
        }
        failed.push((result, repetitive));
    }
    let best =
        |candidates: Vec<WindowDecoding>| candidates.into_iter().max_by(|a, b| a.avg_logprob.total_cmp(&b.avg_logprob));
    let readable: Vec<WindowDecoding> = failed.iter().filter(|(_, rep)| !rep).map(|(r, _)| r.clone()).collect();
    let chosen = best(readable).or_else(|| best(failed.into_iter().map(|(r, _)| r).collect()));
    chosen.ok_or_else(|| TranscribeError::Failed("no temperature was tried".into()))
}

/// `len(text) / len(zlib.compress(text))` in bytes; repetitive text compresses well.
pub fn compression_ratio(text: &str) -> f64 {
    use std::io::Write;
    if text.is_empty() {
        return 0.0;
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let compressed = encoder.write_all(text.as_bytes()).and_then(|_| encoder.finish());
    match compressed {
        Ok(bytes) => text.len() as f64 / bytes.len() as f64,
        Err(_) => 0.0,
    }
}

/// One timed piece of a window's tokens.
#[derive(Debug, PartialEq)]
pub struct Piece<'a> {
    pub start_s: f64,
    pub end_s: f64,
    pub tokens: &'a [u32],
}

/// A window's tokens split at timestamp pairs, and how far the next window starts.
#[derive(Debug, PartialEq)]
pub struct WindowSplit<'a> {
    pub pieces: Vec<Piece<'a>>,
    pub advance_frames: usize,
}

/// Splits `tokens` at consecutive timestamp tokens, as openai-whisper does.
pub fn split_segments<'a>(
    tokens: &'a [u32],
    special: &SpecialTokens,
    time_offset_s: f64,
    segment_size: usize,
) -> WindowSplit<'a> {
    let is_ts = |t: u32| special.is_timestamp(t);
    let seconds = |t: u32| time_offset_s + f64::from(t - special.timestamp_begin) * TIME_PRECISION_S;
    let n = tokens.len();
    let single_timestamp_ending = n >= 2 && !is_ts(tokens[n - 2]) && is_ts(tokens[n - 1]);
    let mut slices: Vec<usize> = (1..n).filter(|&i| is_ts(tokens[i - 1]) && is_ts(tokens[i])).collect();
    if slices.is_empty() {
        let window_s = segment_size as f64 * SECONDS_PER_FRAME;
        let end_s = match tokens.iter().rev().find(|&&t| is_ts(t)) {
            Some(&last) if last != special.timestamp_begin => seconds(last),
            _ => time_offset_s + window_s,
        };
        let piece = Piece { start_s: time_offset_s, end_s, tokens };
        return WindowSplit { pieces: vec![piece], advance_frames: segment_size };
    }
    if single_timestamp_ending {
        slices.push(n);
    }
    let mut pieces = Vec::with_capacity(slices.len());
    let mut last = 0;
    for &current in &slices {
        let sliced = &tokens[last..current];
        pieces.push(Piece { start_s: seconds(sliced[0]), end_s: seconds(sliced[sliced.len() - 1]), tokens: sliced });
        last = current;
    }
    let advance_frames = if single_timestamp_ending {
        segment_size
    } else {
        (tokens[last - 1] - special.timestamp_begin) as usize * FRAMES_PER_TIMESTAMP
    };
    WindowSplit { pieces, advance_frames }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn special() -> SpecialTokens {
        SpecialTokens::tiny_en_for_tests()
    }

    const TS: u32 = 50363;

    #[test]
    fn pairs_split_and_seek_to_the_last_complete_timestamp() {
        // <0.00> a b <1.00><1.00> c <2.40><2.40> d   (window cut inside "d")
        let tokens = [TS, 1, 2, TS + 50, TS + 50, 3, TS + 120, TS + 120, 4];
        let split = split_segments(&tokens, &special(), 10.0, 3000);
        assert_eq!(split.pieces.len(), 2);
        assert_eq!((split.pieces[0].start_s, split.pieces[0].end_s), (10.0, 11.0));
        assert_eq!(split.pieces[0].tokens, &[TS, 1, 2, TS + 50]);
        assert!((split.pieces[1].start_s - 11.0).abs() < 1e-9 && (split.pieces[1].end_s - 12.4).abs() < 1e-9);
        assert_eq!(split.advance_frames, 240);
    }

    #[test]
    fn single_timestamp_ending_consumes_the_window() {
        let tokens = [TS, 1, TS + 50, TS + 50, 3, TS + 120];
        let split = split_segments(&tokens, &special(), 0.0, 3000);
        assert_eq!(split.pieces.len(), 2);
        assert_eq!(split.pieces[1].tokens, &[TS + 50, 3, TS + 120]);
        assert_eq!(split.advance_frames, 3000);
    }

    #[test]
    fn no_pair_is_one_segment_up_to_the_last_timestamp() {
        let tokens = [TS, 1, 2, TS + 75];
        let split = split_segments(&tokens, &special(), 30.0, 1800);
        assert_eq!(split.pieces, vec![Piece { start_s: 30.0, end_s: 31.5, tokens: &tokens }]);
        assert_eq!(split.advance_frames, 1800);
        let split = split_segments(&tokens[..3], &special(), 30.0, 1800);
        assert_eq!(split.pieces[0].end_s, 48.0);
    }

    #[test]
    fn compression_ratio_flags_repetition() {
        let normal = "I built a scheduling service that cut waiting times by twelve percent.";
        assert!(compression_ratio(normal) < 1.5);
        assert!(compression_ratio(&"thank you ".repeat(30)) > 2.4);
    }
}
