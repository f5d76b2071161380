//! The 16 kHz Silero VAD network (v5/v6) in plain `f32` loops: reflect padding, an STFT as a
//! strided convolution with a fixed basis, magnitude, four Conv1d + ReLU blocks, an LSTM cell
//! and a 1×1 convolution with a sigmoid. The tensors are tiny (about 0.7 M multiply-adds per
//! 32 ms chunk), so loops over contiguous rows beat a tensor library's per-op overhead.
//!
//! Every loop is generic over `FMA`: on x86-64 CPUs with AVX2 and FMA (checked at run time) the
//! whole step is compiled for them and the dot products are AVX2 fused multiply-adds; elsewhere
//! the portable build runs (separate multiply and add, as `f32` arithmetic does).

/// Samples of the previous chunk prepended to each chunk.
pub const CONTEXT_SAMPLES: usize = 64;
/// New samples per chunk (32 ms at 16 kHz).
pub const CHUNK_SAMPLES: usize = 512;
const INPUT_SAMPLES: usize = CONTEXT_SAMPLES + CHUNK_SAMPLES;
/// Right reflect padding before the STFT.
const REFLECT_PAD: usize = 64;
const FILTER_LENGTH: usize = 256;
const HOP: usize = 128;
pub const STFT_BINS: usize = FILTER_LENGTH / 2 + 1;
pub const HIDDEN: usize = 128;

/// A Conv1d's weights: `weight[out][in][kernel]`, flattened.
pub struct Conv1d {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl Conv1d {
    /// `input[in_channels][length]` → `output[out_channels][out_length]`, zero padding: each
    /// output position's receptive field is gathered into one column (`[in][kernel]`, the
    /// weight's layout), so every output is one contiguous dot product.
    #[inline(always)]
    fn forward<const FMA: bool>(&self, input: &[f32], length: usize) -> (Vec<f32>, usize) {
        let out_length = (length + 2 * self.padding - self.kernel) / self.stride + 1;
        let width = self.in_channels * self.kernel;
        let mut column = vec![0.0f32; width];
        let mut output = vec![0.0f32; self.out_channels * out_length];
        for t in 0..out_length {
            for (c, field) in column.chunks_exact_mut(self.kernel).enumerate() {
                let signal = &input[c * length..(c + 1) * length];
                for (k, value) in field.iter_mut().enumerate() {
                    let position = (t * self.stride + k).checked_sub(self.padding);
                    *value = position.and_then(|p| signal.get(p)).copied().unwrap_or(0.0);
                }
            }
            for (o, filters) in self.weight.chunks_exact(width).enumerate() {
                output[o * out_length + t] = self.bias[o] + dot::<FMA>(filters, &column);
            }
        }
        (output, out_length)
    }
}

/// `Σ a·b`. With `FMA` (only ever true inside [`SileroNetwork::step_avx2_fma`], which runs after
/// the CPU was checked) it is AVX2 fused multiply-adds; otherwise portable code.
#[inline(always)]
fn dot<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: `FMA` is true only on the path `step` takes after detecting AVX2 and FMA.
        return unsafe { dot_avx2_fma(a, b) };
    }
    dot_portable(a, b)
}

/// `Σ a·b` over eight lanes, so that the compiler vectorises it (a plain `f32` sum is sequential).
#[inline(always)]
fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks.remainder().iter().zip(b_chunks.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// `Σ a·b` with four 8-wide fused multiply-add accumulators (enough to hide their latency).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn dot_avx2_fma(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::{
        __m256, _mm_add_ps, _mm_add_ss, _mm_cvtss_f32, _mm_movehl_ps, _mm_shuffle_ps, _mm256_add_ps,
        _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps,
    };
    let n = a.len().min(b.len());
    // SAFETY (every load): `at + 8 <= n`, so the eight floats read lie inside both slices.
    let load = |slice: &[f32], at: usize| -> __m256 { unsafe { _mm256_loadu_ps(slice.as_ptr().add(at)) } };
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut at = 0;
    while at + 32 <= n {
        for (k, sum) in acc.iter_mut().enumerate() {
            *sum = _mm256_fmadd_ps(load(a, at + 8 * k), load(b, at + 8 * k), *sum);
        }
        at += 32;
    }
    while at + 8 <= n {
        acc[0] = _mm256_fmadd_ps(load(a, at), load(b, at), acc[0]);
        at += 8;
    }
    let sum = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    let quad = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps::<1>(sum));
    let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
    let mut total = _mm_cvtss_f32(_mm_add_ss(pair, _mm_shuffle_ps::<1>(pair, pair)));
    for i in at..n {
        total = a[i].mul_add(b[i], total);
    }
    total
}

/// An LSTM cell in PyTorch's layout: gate rows `i, f, g, o`, each `HIDDEN` long.
pub struct LstmCell {
    pub weight_ih: Vec<f32>,
    pub weight_hh: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The recurrent state carried from chunk to chunk: hidden, cell, and the last samples.
#[derive(Clone, Debug)]
pub struct NetworkState {
    pub hidden: [f32; HIDDEN],
    pub cell: [f32; HIDDEN],
    pub context: [f32; CONTEXT_SAMPLES],
}

impl Default for NetworkState {
    fn default() -> Self {
        Self { hidden: [0.0; HIDDEN], cell: [0.0; HIDDEN], context: [0.0; CONTEXT_SAMPLES] }
    }
}

/// Every weight of the 16 kHz branch.
pub struct SileroNetwork {
    /// `[2 × STFT_BINS][FILTER_LENGTH]`: real parts, then imaginary parts.
    pub stft_basis: Vec<f32>,
    pub encoder: [Conv1d; 4],
    pub lstm: LstmCell,
    pub output_weight: Vec<f32>,
    pub output_bias: f32,
}

impl SileroNetwork {
    /// The speech probability of `chunk` (exactly [`CHUNK_SAMPLES`]), updating `state`.
    pub fn step(&self, chunk: &[f32], state: &mut NetworkState) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { self.step_avx2_fma(chunk, state) };
        }
        self.step_with::<false>(chunk, state)
    }

    /// [`Self::step`] compiled for AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn step_avx2_fma(&self, chunk: &[f32], state: &mut NetworkState) -> f32 {
        self.step_with::<true>(chunk, state)
    }

    #[inline(always)]
    fn step_with<const FMA: bool>(&self, chunk: &[f32], state: &mut NetworkState) -> f32 {
        debug_assert_eq!(chunk.len(), CHUNK_SAMPLES);
        let mut input = [0.0f32; INPUT_SAMPLES + REFLECT_PAD];
        input[..CONTEXT_SAMPLES].copy_from_slice(&state.context);
        input[CONTEXT_SAMPLES..INPUT_SAMPLES].copy_from_slice(chunk);
        for j in 0..REFLECT_PAD {
            input[INPUT_SAMPLES + j] = input[INPUT_SAMPLES - 2 - j];
        }
        state.context.copy_from_slice(&input[INPUT_SAMPLES - CONTEXT_SAMPLES..INPUT_SAMPLES]);
        let (mut features, mut length) = self.magnitude::<FMA>(&input);
        for conv in &self.encoder {
            let (mut next, next_length) = conv.forward::<FMA>(&features, length);
            next.iter_mut().for_each(|v| *v = v.max(0.0));
            (features, length) = (next, next_length);
        }
        // After the encoder: [HIDDEN][1].
        self.lstm_step::<FMA>(&features[..HIDDEN], state);
        let logit =
            self.output_bias + self.output_weight.iter().zip(&state.hidden).map(|(w, h)| w * h.max(0.0)).sum::<f32>();
        1.0 / (1.0 + (-logit).exp())
    }

    /// `|STFT|` of the padded input: `[STFT_BINS][frames]`.
    #[inline(always)]
    fn magnitude<const FMA: bool>(&self, input: &[f32]) -> (Vec<f32>, usize) {
        let frames = (input.len() - FILTER_LENGTH) / HOP + 1;
        let mut output = vec![0.0f32; STFT_BINS * frames];
        // Real parts are basis rows 0..STFT_BINS, imaginary parts the rows after them. (No closure
        // here: it would not be inlined into the AVX2 build, and its `mul_add` would become a call.)
        let row = |r: usize| &self.stft_basis[r * FILTER_LENGTH..(r + 1) * FILTER_LENGTH];
        for bin in 0..STFT_BINS {
            for frame in 0..frames {
                let window = &input[frame * HOP..frame * HOP + FILTER_LENGTH];
                let real = dot::<FMA>(row(bin), window);
                let imaginary = dot::<FMA>(row(STFT_BINS + bin), window);
                output[bin * frames + frame] = (real * real + imaginary * imaginary).sqrt();
            }
        }
        (output, frames)
    }

    #[inline(always)]
    fn lstm_step<const FMA: bool>(&self, x: &[f32], state: &mut NetworkState) {
        let mut gates = self.lstm.bias.clone();
        for (g, gate) in gates.iter_mut().enumerate() {
            let wi = &self.lstm.weight_ih[g * HIDDEN..(g + 1) * HIDDEN];
            let wh = &self.lstm.weight_hh[g * HIDDEN..(g + 1) * HIDDEN];
            *gate += dot::<FMA>(wi, x) + dot::<FMA>(wh, &state.hidden);
        }
        let sigmoid = |v: f32| 1.0 / (1.0 + (-v).exp());
        for j in 0..HIDDEN {
            let input_gate = sigmoid(gates[j]);
            let forget_gate = sigmoid(gates[HIDDEN + j]);
            let candidate = gates[2 * HIDDEN + j].tanh();
            let output_gate = sigmoid(gates[3 * HIDDEN + j]);
            state.cell[j] = forget_gate * state.cell[j] + input_gate * candidate;
            state.hidden[j] = output_gate * state.cell[j].tanh();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values in [-1, 1) from a fixed linear congruential sequence.
    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 23) as f32 - 1.0
            })
            .collect()
    }

    #[test]
    fn both_dot_products_match_a_double_precision_sum_at_every_length() {
        for n in (0..80).chain([128, 192, 256, 384, 387]) {
            let (a, b) = (values(n, 1), values(n, 2));
            let exact: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
            let portable = f64::from(dot_portable(&a, &b));
            assert!((portable - exact).abs() < 1e-4, "portable, n = {n}");
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                let fused = f64::from(unsafe { dot_avx2_fma(&a, &b) });
                assert!((fused - exact).abs() < 1e-4, "AVX2, n = {n}");
            }
        }
    }
}
