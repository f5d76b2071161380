//! Whisper's log-mel spectrogram: 25 ms Hann windows every 10 ms (n_fft 400, hop 160 at 16 kHz),
//! power spectrum, a Slaney-style mel filterbank (librosa's default, which openai-whisper ships
//! as `mel_filters.npz`), log10, clamped to 8 decades below the maximum, scaled to about [-1, 1].

use std::sync::Arc;

use rustfft::{Fft, FftPlanner, num_complex::Complex32};

/// Samples per FFT window.
pub const N_FFT: usize = 400;
/// Samples between frames.
pub const HOP_LENGTH: usize = 160;
/// Frequency bins of one real FFT.
pub const N_FREQS: usize = N_FFT / 2 + 1;
const SAMPLE_RATE_HZ: f64 = 16_000.0;

/// A log-mel spectrogram stored mel-bin-major: `data[bin * n_frames + frame]`.
#[derive(Clone, Debug)]
pub struct MelSpectrogram {
    pub n_mels: usize,
    pub n_frames: usize,
    pub data: Vec<f32>,
}

impl MelSpectrogram {
    /// Frames `start..start + len`, zero-padded on the right to `len` (as openai-whisper's
    /// `pad_or_trim` does on the log-mel values), mel-bin-major.
    pub fn window(&self, start: usize, len: usize) -> Vec<f32> {
        self.window_with_content(start, len, len)
    }

    /// [`Self::window`] with only the first `content` frames taken from the recording and the
    /// rest padded as after the end of the audio.
    pub fn window_with_content(&self, start: usize, content: usize, len: usize) -> Vec<f32> {
        let mut out = vec![0f32; self.n_mels * len];
        let available = self.n_frames.saturating_sub(start).min(len).min(content);
        for bin in 0..self.n_mels {
            let src = &self.data[bin * self.n_frames + start..][..available];
            out[bin * len..][..available].copy_from_slice(src);
        }
        out
    }
}

fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    if hz >= MIN_LOG_HZ { min_log_mel + (hz / MIN_LOG_HZ).ln() / (6.4f64.ln() / 27.0) } else { hz / F_SP }
}

fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    if mel >= min_log_mel { MIN_LOG_HZ * ((6.4f64.ln() / 27.0) * (mel - min_log_mel)).exp() } else { F_SP * mel }
}

/// The Slaney-normalised mel filterbank of librosa `filters.mel(sr=16000, n_fft=400, n_mels)`,
/// row-major `[n_mels][N_FREQS]`.
pub fn mel_filters(n_mels: usize) -> Vec<f32> {
    let max_mel = hz_to_mel(SAMPLE_RATE_HZ / 2.0);
    let mel_hz: Vec<f64> = (0..n_mels + 2).map(|i| mel_to_hz(max_mel * i as f64 / (n_mels + 1) as f64)).collect();
    let fft_hz = |k: usize| k as f64 * SAMPLE_RATE_HZ / N_FFT as f64;
    let mut filters = vec![0f32; n_mels * N_FREQS];
    for m in 0..n_mels {
        let (left, center, right) = (mel_hz[m], mel_hz[m + 1], mel_hz[m + 2]);
        let enorm = 2.0 / (right - left);
        for k in 0..N_FREQS {
            let f = fft_hz(k);
            let lower = (f - left) / (center - left);
            let upper = (right - f) / (right - center);
            filters[m * N_FREQS + k] = (lower.min(upper).max(0.0) * enorm) as f32;
        }
    }
    filters
}

/// One mel filter as the range of FFT bins where it is non-zero, with its weights.
struct SparseFilter {
    first_bin: usize,
    weights: Vec<f32>,
}

/// Computes Whisper log-mel spectrograms; holds the FFT plan and the filterbank.
pub struct LogMelExtractor {
    n_mels: usize,
    filters: Vec<SparseFilter>,
    window: Vec<f32>,
    fft: Arc<dyn Fft<f32>>,
}

impl LogMelExtractor {
    pub fn new(n_mels: usize) -> Self {
        let dense = mel_filters(n_mels);
        let filters = dense
            .chunks(N_FREQS)
            .map(|row| {
                let first = row.iter().position(|&w| w > 0.0).unwrap_or(0);
                let last = row.iter().rposition(|&w| w > 0.0).unwrap_or(0);
                SparseFilter { first_bin: first, weights: row[first..=last].to_vec() }
            })
            .collect();
        // Periodic Hann window, as torch.hann_window(400).
        let window = (0..N_FFT)
            .map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / N_FFT as f64).cos()) as f32)
            .collect();
        let fft = FftPlanner::new().plan_fft_forward(N_FFT);
        Self { n_mels, filters, window, fft }
    }

    pub fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// The log-mel spectrogram of `samples` (16 kHz mono): `samples.len() / 160` frames,
    /// each centred on its hop with reflect padding at the edges.
    pub fn compute(&self, samples: &[f32]) -> MelSpectrogram {
        let n_frames = samples.len() / HOP_LENGTH;
        let padded = reflect_pad(samples, N_FFT / 2);
        let mut data = vec![0f32; self.n_mels * n_frames];
        let mut buffer = vec![Complex32::default(); N_FFT];
        let mut scratch = vec![Complex32::default(); self.fft.get_inplace_scratch_len()];
        let mut power = vec![0f32; N_FREQS];
        for frame in 0..n_frames {
            let chunk = &padded[frame * HOP_LENGTH..][..N_FFT];
            for ((b, &x), &w) in buffer.iter_mut().zip(chunk).zip(&self.window) {
                *b = Complex32::new(x * w, 0.0);
            }
            self.fft.process_with_scratch(&mut buffer, &mut scratch);
            for (p, c) in power.iter_mut().zip(&buffer) {
                *p = c.norm_sqr();
            }
            for (bin, filter) in self.filters.iter().enumerate() {
                let bins = &power[filter.first_bin..][..filter.weights.len()];
                let energy: f32 = bins.iter().zip(&filter.weights).map(|(p, w)| p * w).sum();
                data[bin * n_frames + frame] = energy.max(1e-10).log10();
            }
        }
        let max = data.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for v in &mut data {
            *v = (v.max(max - 8.0) + 4.0) / 4.0;
        }
        MelSpectrogram { n_mels: self.n_mels, n_frames, data }
    }
}

/// `numpy.pad(samples, pad, mode="reflect")`, with zeros where the input is too short to reflect.
fn reflect_pad(samples: &[f32], pad: usize) -> Vec<f32> {
    let n = samples.len();
    let at = |i: isize| -> f32 {
        if n < 2 {
            return samples.first().copied().unwrap_or(0.0);
        }
        let period = 2 * (n as isize - 1);
        let mut j = i.rem_euclid(period);
        if j >= n as isize {
            j = period - j;
        }
        samples[j as usize]
    };
    (-(pad as isize)..(n + pad) as isize).map(at).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (row, sum of the row, index of its peak, peak value, non-zero bins). Obtained once with
    /// faster-whisper 1.2.1's numpy port of librosa (`.models/venv/bin/python -c "from
    /// faster_whisper.feature_extractor import FeatureExtractor as F;
    /// f = F(feature_size=80).mel_filters; print(f.sum(1)[i], f[i].argmax(), f[i].max(),
    /// (f[i] > 0).sum())"`), 2026-11-24.
    const FILTERS_80: [(usize, f64, usize, f64, usize); 5] = [
        (0, 2.486259490e-02, 1, 2.486259490e-02, 1),
        (1, 2.486259374e-02, 2, 2.287177183e-02, 2),
        (10, 2.486259490e-02, 10, 1.990821958e-02, 2),
        (40, 2.666486055e-02, 43, 1.473556552e-02, 3),
        (79, 2.492533941e-02, 192, 3.164711641e-03, 14),
    ];
    const FILTERS_128: [(usize, f64, usize, f64, usize); 5] = [
        (0, 1.237398665e-02, 1, 1.237398665e-02, 1),
        (1, 3.039256483e-02, 1, 3.039256483e-02, 1),
        (10, 1.237398596e-02, 6, 1.128918398e-02, 2),
        (40, 4.037636518e-02, 24, 4.037636518e-02, 1),
        (127, 2.493604374e-02, 195, 5.041601602e-03, 9),
    ];

    fn check(n_mels: usize, expected: &[(usize, f64, usize, f64, usize)], total: f64) {
        let filters = mel_filters(n_mels);
        for &(row, sum, peak_at, peak, nonzero) in expected {
            let r = &filters[row * N_FREQS..][..N_FREQS];
            let got_sum: f64 = r.iter().map(|&w| w as f64).sum();
            let got_peak_at = (0..N_FREQS).max_by(|&a, &b| r[a].total_cmp(&r[b])).unwrap();
            assert!((got_sum - sum).abs() < 1e-6 * sum, "row {row}: sum {got_sum} != {sum}");
            assert_eq!(got_peak_at, peak_at, "row {row}");
            assert!((r[peak_at] as f64 - peak).abs() < 1e-6 * peak, "row {row} peak");
            assert_eq!(r.iter().filter(|&&w| w > 0.0).count(), nonzero, "row {row}");
        }
        let got_total: f64 = filters.iter().map(|&w| w as f64).sum();
        assert!((got_total - total).abs() < 1e-5, "total {got_total} != {total}");
    }

    #[test]
    fn filterbank_80_matches_librosa() {
        check(80, &FILTERS_80, 1.999024106);
    }

    #[test]
    fn filterbank_128_matches_librosa() {
        check(128, &FILTERS_128, 3.190985520);
    }

    #[test]
    fn reflect_pad_matches_numpy() {
        assert_eq!(reflect_pad(&[1.0, 2.0, 3.0, 4.0], 2), vec![3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0]);
    }

    #[test]
    fn tone_lands_in_the_right_bin_and_values_are_scaled() {
        let samples: Vec<f32> =
            (0..16_000).map(|i| 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16_000.0).sin()).collect();
        let mel = LogMelExtractor::new(80).compute(&samples);
        assert_eq!(mel.n_frames, 100);
        let frame = 50;
        let loudest = (0..80).max_by(|&a, &b| mel.data[a * 100 + frame].total_cmp(&mel.data[b * 100 + frame])).unwrap();
        // 1 kHz sits between the centres of mel bins 25 (~969 Hz) and 26 (~1031 Hz).
        assert!((25..=26).contains(&loudest), "loudest bin {loudest}");
        let max = mel.data.iter().copied().fold(f32::MIN, f32::max);
        let min = mel.data.iter().copied().fold(f32::MAX, f32::min);
        assert!((max - min - 2.0).abs() < 1e-4, "range is 8 decades / 4 = 2.0");
    }
}
