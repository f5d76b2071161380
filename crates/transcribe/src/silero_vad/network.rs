//! The 16 kHz Silero VAD network (v5/v6) in plain `f32` loops: reflect padding, an STFT as a
//! strided convolution with a fixed basis, magnitude, four Conv1d + ReLU blocks, an LSTM cell
//! and a 1×1 convolution with a sigmoid. The tensors are tiny (about 0.7 M multiply-adds per
//! 32 ms chunk), so loops over contiguous rows beat a tensor library's per-op overhead.

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
    fn forward(&self, input: &[f32], length: usize) -> (Vec<f32>, usize) {
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
                output[o * out_length + t] = self.bias[o] + dot(filters, &column);
            }
        }
        (output, out_length)
    }
}

/// `Σ a·b` over eight lanes, so that the compiler vectorises it (a plain `f32` sum is sequential).
fn dot(a: &[f32], b: &[f32]) -> f32 {
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
        debug_assert_eq!(chunk.len(), CHUNK_SAMPLES);
        let mut input = [0.0f32; INPUT_SAMPLES + REFLECT_PAD];
        input[..CONTEXT_SAMPLES].copy_from_slice(&state.context);
        input[CONTEXT_SAMPLES..INPUT_SAMPLES].copy_from_slice(chunk);
        for j in 0..REFLECT_PAD {
            input[INPUT_SAMPLES + j] = input[INPUT_SAMPLES - 2 - j];
        }
        state.context.copy_from_slice(&input[INPUT_SAMPLES - CONTEXT_SAMPLES..INPUT_SAMPLES]);
        let (mut features, mut length) = self.magnitude(&input);
        for conv in &self.encoder {
            let (mut next, next_length) = conv.forward(&features, length);
            next.iter_mut().for_each(|v| *v = v.max(0.0));
            (features, length) = (next, next_length);
        }
        // After the encoder: [HIDDEN][1].
        self.lstm_step(&features[..HIDDEN], state);
        let logit =
            self.output_bias + self.output_weight.iter().zip(&state.hidden).map(|(w, h)| w * h.max(0.0)).sum::<f32>();
        1.0 / (1.0 + (-logit).exp())
    }

    /// `|STFT|` of the padded input: `[STFT_BINS][frames]`.
    fn magnitude(&self, input: &[f32]) -> (Vec<f32>, usize) {
        let frames = (input.len() - FILTER_LENGTH) / HOP + 1;
        let mut output = vec![0.0f32; STFT_BINS * frames];
        // One basis row (a real or an imaginary part) against the frame starting at `start`.
        let project = |row: usize, start: usize| -> f32 {
            dot(&self.stft_basis[row * FILTER_LENGTH..(row + 1) * FILTER_LENGTH], &input[start..start + FILTER_LENGTH])
        };
        for bin in 0..STFT_BINS {
            for frame in 0..frames {
                let (real, imaginary) = (project(bin, frame * HOP), project(STFT_BINS + bin, frame * HOP));
                output[bin * frames + frame] = (real * real + imaginary * imaginary).sqrt();
            }
        }
        (output, frames)
    }

    fn lstm_step(&self, x: &[f32], state: &mut NetworkState) {
        let mut gates = self.lstm.bias.clone();
        for (g, gate) in gates.iter_mut().enumerate() {
            let wi = &self.lstm.weight_ih[g * HIDDEN..(g + 1) * HIDDEN];
            let wh = &self.lstm.weight_hh[g * HIDDEN..(g + 1) * HIDDEN];
            *gate += dot(wi, x) + dot(wh, &state.hidden);
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
