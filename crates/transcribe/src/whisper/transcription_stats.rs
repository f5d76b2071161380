//! [`TranscriptionStats`]: where one transcription's time went and how much work the window loop
//! did (windows encoded, decoding passes, temperature fallbacks, tokens). Cheap to collect — a
//! few clock reads per window — so it is always on; it holds numbers only, never text.

use serde::Serialize;

/// Timings (seconds of wall time) and counts of one [`crate::CandleWhisper`] transcription.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TranscriptionStats {
    /// Length of the recording.
    pub audio_s: f64,
    /// Whole transcription, mel to last segment.
    pub total_s: f64,
    /// Log-mel spectrogram of the whole recording.
    pub mel_s: f64,
    /// Language detection (multilingual models without a forced language: one encoder pass).
    pub language_s: f64,
    /// Turning the speech map (or the energy) into what is skipped; the map itself is computed
    /// by the caller.
    pub voice_activity_s: f64,
    /// Audio encoder passes (one per window).
    pub encoder_s: f64,
    /// Decoding passes, temperature fallbacks included.
    pub decoder_s: f64,
    /// Word alignment: the teacher-forced decoder pass, the DTW and the word grouping.
    pub alignment_s: f64,
    /// 30-second windows encoded.
    pub windows: usize,
    /// Seconds of recording inside encoded windows (without the padding); more than the audio
    /// when windows overlap.
    pub windowed_s: f64,
    /// Seconds of recording encoded again by a later window (the next window starts at the last
    /// complete timestamp, before the end of the previous one).
    pub overlap_s: f64,
    /// Seconds of recording skipped before decoding as silence (or non-speech, with a speech map).
    pub skipped_s: f64,
    /// Windows dropped as silence (`<|nospeech|>` likely and the text not confident).
    pub windows_no_speech: usize,
    /// Decoding passes (at least one per window).
    pub decodes: usize,
    /// Decoding passes at a temperature above 0 (fallbacks).
    pub fallback_decodes: usize,
    /// Windows that needed at least one fallback.
    pub windows_with_fallback: usize,
    /// Windows where every temperature failed the quality thresholds.
    pub windows_all_temperatures_failed: usize,
    /// Tokens sampled over all decoding passes (each costs one decoder step).
    pub sampled_tokens: usize,
    /// Prompt tokens fed over all decoding passes (batched, one decoder pass per prompt).
    pub prompt_tokens: usize,
    /// Tokens of the kept results (what the transcript is made of).
    pub kept_tokens: usize,
    /// Per window, in order.
    pub window_log: Vec<WindowStats>,
}

/// One window of the loop.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WindowStats {
    pub start_s: f64,
    /// Seconds of recording in the window (the rest is padding).
    pub content_s: f64,
    pub encoder_s: f64,
    pub decoder_s: f64,
    pub alignment_s: f64,
    /// Each decoding pass, in order.
    pub decodes: Vec<DecodeStats>,
    /// Dropped as silence.
    pub no_speech: bool,
    /// How far the next window starts after this one's start.
    pub advance_s: f64,
}

/// One decoding pass of a window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DecodeStats {
    pub temperature: f32,
    pub sampled_tokens: usize,
    pub prompt_tokens: usize,
    pub avg_logprob: f64,
    pub no_speech_prob: f64,
    pub compression_ratio: f64,
    pub seconds: f64,
    /// Passed the quality thresholds (or was taken as silence), ending the fallback.
    pub accepted: bool,
}

impl TranscriptionStats {
    /// Decoder time per sampled token, in milliseconds (prompt passes included in the time).
    pub fn decoder_ms_per_token(&self) -> f64 {
        if self.sampled_tokens == 0 { 0.0 } else { self.decoder_s * 1000.0 / self.sampled_tokens as f64 }
    }

    /// Time not in the stages above (segment splitting, text decoding, hallucination guard).
    pub fn other_s(&self) -> f64 {
        let stages =
            self.mel_s + self.language_s + self.voice_activity_s + self.encoder_s + self.decoder_s + self.alignment_s;
        (self.total_s - stages).max(0.0)
    }

    /// Adds one window's figures to the totals and keeps it in the log.
    pub(crate) fn add_window(&mut self, window: WindowStats) {
        self.windows += 1;
        self.windowed_s += window.content_s;
        self.encoder_s += window.encoder_s;
        self.decoder_s += window.decoder_s;
        self.alignment_s += window.alignment_s;
        self.decodes += window.decodes.len();
        let fallbacks = window.decodes.iter().filter(|d| d.temperature > 0.0).count();
        self.fallback_decodes += fallbacks;
        self.windows_with_fallback += usize::from(fallbacks > 0);
        self.windows_no_speech += usize::from(window.no_speech);
        self.windows_all_temperatures_failed += usize::from(!window.decodes.iter().any(|d| d.accepted));
        self.sampled_tokens += window.decodes.iter().map(|d| d.sampled_tokens).sum::<usize>();
        self.prompt_tokens += window.decodes.iter().map(|d| d.prompt_tokens).sum::<usize>();
        self.overlap_s += (window.content_s - window.advance_s).max(0.0);
        self.window_log.push(window);
    }

    /// One line of figures for logs and benches (no text).
    pub fn summary(&self) -> String {
        format!(
            "audio {:.1} s | total {:.2} s | mel {:.2} s | language {:.2} s | vad {:.2} s | encoder {:.2} s \
             ({} windows, {:.1} s windowed, {:.1} s overlap, {:.1} s skipped) | decoder {:.2} s ({} passes, \
             {} fallbacks in {} windows, {} all failed, {} no-speech, {} tokens sampled, {} kept, {} prompt, \
             {:.2} ms/token) | alignment {:.2} s | other {:.2} s",
            self.audio_s,
            self.total_s,
            self.mel_s,
            self.language_s,
            self.voice_activity_s,
            self.encoder_s,
            self.windows,
            self.windowed_s,
            self.overlap_s,
            self.skipped_s,
            self.decoder_s,
            self.decodes,
            self.fallback_decodes,
            self.windows_with_fallback,
            self.windows_all_temperatures_failed,
            self.windows_no_speech,
            self.sampled_tokens,
            self.kept_tokens,
            self.prompt_tokens,
            self.decoder_ms_per_token(),
            self.alignment_s,
            self.other_s(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_add_up() {
        let mut stats = TranscriptionStats::default();
        let decode = |temperature, sampled_tokens| DecodeStats { temperature, sampled_tokens, ..Default::default() };
        stats.add_window(WindowStats {
            content_s: 30.0,
            advance_s: 27.0,
            decoder_s: 1.0,
            decodes: vec![decode(0.0, 100), DecodeStats { accepted: true, ..decode(0.2, 60) }],
            ..Default::default()
        });
        let failed = vec![decode(0.0, 40)];
        stats.add_window(WindowStats { content_s: 10.0, advance_s: 10.0, decodes: failed, ..Default::default() });
        assert_eq!(stats.windows_all_temperatures_failed, 1);
        assert_eq!((stats.windows, stats.decodes, stats.fallback_decodes, stats.windows_with_fallback), (2, 3, 1, 1));
        assert_eq!(stats.sampled_tokens, 200);
        assert!((stats.overlap_s - 3.0).abs() < 1e-9 && (stats.windowed_s - 40.0).abs() < 1e-9);
        assert!((stats.decoder_ms_per_token() - 5.0).abs() < 1e-9);
    }
}
