//! Speech packed end to end before decoding, as faster-whisper's `vad_filter` does: the speech
//! map's segments (silences of `skip_silence_s` or more between them, 0.4 s of context kept on
//! each side) are joined into one shorter recording, so each 30-second encoder window is full of
//! speech, and every time decoded from it is mapped back onto the recording's own clock.
//!
//! Skipping the silences in place (the energy path) instead ends a window where the next long
//! silence begins: on gappy audio — one person's track of a call, mostly the other side's faint
//! crosstalk — that gives many short windows, each paying a whole 30-second encoder pass.

use crate::Segment;
use crate::vad::speech_map::SpeechSpan;

/// One stretch of the recording kept in the packed audio.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Chunk {
    /// Where it starts in the packed audio, seconds.
    packed_s: f64,
    /// Where it starts in the recording, seconds.
    original_s: f64,
    len_s: f64,
}

/// The speech of a recording, joined, and the way back to the recording's clock.
#[derive(Clone, Debug)]
pub struct PackedSpeech {
    pub samples: Vec<f32>,
    chunks: Vec<Chunk>,
}

impl PackedSpeech {
    /// The samples inside `spans` (in order, not overlapping), joined; `sample_rate` Hz.
    pub fn new(samples: &[f32], spans: &[SpeechSpan], sample_rate: u32) -> Self {
        let rate = f64::from(sample_rate);
        let mut packed = Vec::new();
        let mut chunks = Vec::with_capacity(spans.len());
        for span in spans {
            let first = ((span.start_s * rate).round().max(0.0) as usize).min(samples.len());
            let last = ((span.end_s * rate).round().max(0.0) as usize).clamp(first, samples.len());
            if last == first {
                continue;
            }
            chunks.push(Chunk {
                packed_s: packed.len() as f64 / rate,
                original_s: first as f64 / rate,
                len_s: (last - first) as f64 / rate,
            });
            packed.extend_from_slice(&samples[first..last]);
        }
        Self { samples: packed, chunks }
    }

    /// Seconds of recording kept.
    pub fn duration_s(&self) -> f64 {
        self.chunks.last().map_or(0.0, |c| c.packed_s + c.len_s)
    }

    /// The recording's time of packed time `t`. A time on the seam of two chunks is the start of
    /// the later one, or with `is_end` the end of the earlier one (so a segment or word that ends
    /// where a chunk ends does not stretch over the silence that was cut).
    pub fn original_s(&self, t: f64, is_end: bool) -> f64 {
        let Some(last) = self.chunks.last() else { return t };
        let chunk = self
            .chunks
            .iter()
            .find(|c| if is_end { t <= c.packed_s + c.len_s } else { t < c.packed_s + c.len_s })
            .unwrap_or(last);
        chunk.original_s + (t - chunk.packed_s).clamp(0.0, chunk.len_s)
    }

    /// `segments` (and their words), decoded from the packed audio, on the recording's clock.
    pub fn restore(&self, segments: &mut [Segment]) {
        for segment in segments {
            segment.start_s = self.original_s(segment.start_s, false);
            segment.end_s = self.original_s(segment.end_s, true).max(segment.start_s);
            for word in segment.words.iter_mut().flatten() {
                word.start_s = self.original_s(word.start_s, false);
                word.end_s = self.original_s(word.end_s, true).max(word.start_s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start_s: f64, end_s: f64) -> SpeechSpan {
        SpeechSpan { start_s, end_s }
    }

    #[test]
    fn packed_times_map_back_to_the_recording() {
        let samples: Vec<f32> = (0..100).map(|i| i as f32).collect();
        // 10 samples a second: 1.0–3.0 s and 6.0–7.5 s kept.
        let packed = PackedSpeech::new(&samples, &[span(1.0, 3.0), span(6.0, 7.5)], 10);
        assert_eq!(packed.samples.len(), 35);
        assert_eq!(packed.samples[0], 10.0);
        assert_eq!(packed.samples[20], 60.0);
        assert!((packed.duration_s() - 3.5).abs() < 1e-9);
        assert!((packed.original_s(0.5, false) - 1.5).abs() < 1e-9);
        assert!((packed.original_s(2.0, false) - 6.0).abs() < 1e-9, "a seam starts the later chunk");
        assert!((packed.original_s(2.0, true) - 3.0).abs() < 1e-9, "a seam ends the earlier chunk");
        assert!((packed.original_s(3.0, false) - 7.0).abs() < 1e-9);
        assert!((packed.original_s(9.0, true) - 7.5).abs() < 1e-9, "past the end: the last chunk's end");
    }

    #[test]
    fn segments_and_words_come_back_on_the_recordings_clock() {
        let samples = vec![0.0f32; 100];
        let packed = PackedSpeech::new(&samples, &[span(1.0, 3.0), span(6.0, 7.5)], 10);
        let word = |w: &str, start_s, end_s| crate::Word { word: w.into(), start_s, end_s, probability: Some(0.9) };
        let mut segments = vec![Segment::from_text(0.2, 3.0, "a b")];
        segments[0].words = Some(vec![word("a", 0.2, 2.0), word("b", 2.1, 3.0)]);
        packed.restore(&mut segments);
        let s = &segments[0];
        assert!((s.start_s - 1.2).abs() < 1e-9 && (s.end_s - 7.0).abs() < 1e-9, "{s:?}");
        let words = s.words.as_ref().unwrap();
        assert!((words[0].end_s - 3.0).abs() < 1e-9, "{words:?}");
        assert!((words[1].start_s - 6.1).abs() < 1e-9, "{words:?}");
    }

    #[test]
    fn nothing_kept_is_an_empty_recording() {
        let packed = PackedSpeech::new(&[0.0; 10], &[span(5.0, 6.0)], 10);
        assert!(packed.samples.is_empty());
        assert_eq!(packed.duration_s(), 0.0);
        assert_eq!(packed.original_s(1.0, false), 1.0);
    }
}
