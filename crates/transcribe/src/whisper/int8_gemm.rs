//! Matrix products with 8-bit weights and 8-bit activations, for the audio encoder's linears.
//!
//! `y = x · Wᵀ + b` for `x` of `m × k` (`f32`, one row per frame) and `W` of `n × k`: both are
//! rounded to `i8` in blocks of [`BLOCK`] inputs, each block of a row of `W` (an output channel)
//! and of a row of `x` (a frame) with its own scale. The products of a block are summed exactly
//! in 32-bit integers and scaled into an `f32` sum once per block. One scale per whole row (what
//! CTranslate2 does for faster-whisper's int8) cost tiny.en most of its accuracy on our race
//! (WER 0.086 → 0.21 from the weights' rounding alone, decision 030); blocks of 32 to 128 kept it.
//!
//! The activations are stored as `u8 = i8 + 128` because AVX512-VNNI's `vpdpbusd` multiplies
//! unsigned by signed bytes: `Σ (x + 128) · w = Σ x · w + 128 · Σ w`, so each block subtracts
//! `128 · Σ w` of its block of `W`, summed once when the weights are packed.
//!
//! Weights are packed in panels of [`PANEL`] output columns: for each group of 4 inputs, 32 × 4
//! bytes (column-major within the group), so one group of a panel is two 64-byte vectors. Kernels:
//! AVX512-VNNI (`int8_gemm_vnni`), AVX2 (`int8_gemm_avx2`), chosen at run time, and the portable
//! loops below. Rows are split over rayon's threads.

use candle_core::{Result, bail};
use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
use crate::whisper::{int8_gemm_avx2 as avx2, int8_gemm_vnni as vnni};

/// Output columns per panel of packed weights.
pub const PANEL: usize = 32;
/// Inputs per scale, for weights and activations alike.
pub const BLOCK: usize = 64;
/// Rows of activations per thread's task.
const ROWS_PER_TASK: usize = 48;

/// Which kernel runs the products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Int8Kernel {
    Vnni,
    Avx2,
    Portable,
}

impl Int8Kernel {
    /// The fastest kernel this CPU runs.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512bw")
                && std::is_x86_feature_detected!("avx512vnni")
            {
                return Self::Vnni;
            }
            if std::is_x86_feature_detected!("avx2") {
                return Self::Avx2;
            }
        }
        Self::Portable
    }

    /// Whether this CPU runs `self`.
    #[cfg(test)]
    pub fn available(self) -> bool {
        match self {
            Self::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Self::Vnni => Self::detect() == Self::Vnni,
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

/// A linear layer's weights `n × k` in 8 bits, packed for [`Int8Linear::forward`].
pub struct Int8Linear {
    n: usize,
    k: usize,
    /// `k` rounded up to whole blocks.
    k_padded: usize,
    /// `[n / PANEL][k_padded / 4][PANEL][4]` (`n` rounded up to whole panels, zeros past the end).
    packed: Vec<i8>,
    /// Per panel, block and column: the weight scale and `128 · Σ w` of the block.
    scales: Vec<f32>,
    offsets: Vec<i32>,
    /// Per column, padded to whole panels.
    bias: Vec<f32>,
    kernel: Int8Kernel,
}

/// One panel's weights and the values that turn its integer sums into outputs.
pub struct Panel<'a> {
    /// `[k_padded / 4][PANEL][4]`.
    pub weights: &'a [i8],
    /// `[blocks][PANEL]` each.
    pub scales: &'a [f32],
    pub offsets: &'a [i32],
    /// `[PANEL]`.
    pub bias: &'a [f32],
}

/// Rows of activations in 8 bits: `[rows][k_padded]` bytes `i8 + 128`, `[rows][blocks]` scales.
pub struct Activations<'a> {
    pub values: &'a [u8],
    pub scales: &'a [f32],
    pub k_padded: usize,
}

impl Activations<'_> {
    pub fn rows(&self) -> usize {
        self.scales.len() / (self.k_padded / BLOCK).max(1)
    }
}

impl Panel<'_> {
    /// Whether every row of `x` against this panel (weights, scales, bias), written `columns`
    /// wide every `stride` values into an `out_len`-long output, stays inside the slices: what the
    /// SIMD kernels check before their unsafe loops.
    pub fn fits(&self, x: &Activations<'_>, out_len: usize, stride: usize, columns: usize) -> bool {
        let (rows, blocks) = (x.rows(), x.k_padded / BLOCK);
        x.k_padded.is_multiple_of(BLOCK)
            && x.values.len() >= rows * x.k_padded
            && x.scales.len() >= rows * blocks
            && self.weights.len() >= PANEL * x.k_padded
            && self.scales.len() >= PANEL * blocks
            && self.bias.len() >= PANEL
            && columns <= PANEL
            && columns <= stride
            && (rows == 0 || out_len >= (rows - 1) * stride + columns)
    }
}

impl Int8Linear {
    /// Rounds `weights` (`n × k`, row-major, one row per output) to 8 bits per block.
    pub fn quantize(weights: &[f32], bias: Option<&[f32]>, n: usize, k: usize) -> Result<Self> {
        if n == 0 || k == 0 || weights.len() != n * k || bias.is_some_and(|b| b.len() != n) {
            bail!("int8 linear: {n} × {k} from {} weights and {:?} biases", weights.len(), bias.map(<[f32]>::len));
        }
        let k_padded = k.div_ceil(BLOCK) * BLOCK;
        let blocks = k_padded / BLOCK;
        let n_padded = n.div_ceil(PANEL) * PANEL;
        let mut packed = vec![0i8; n_padded * k_padded];
        let mut scales = vec![0f32; n_padded * blocks];
        let mut offsets = vec![0i32; n_padded * blocks];
        let mut padded_bias = vec![0f32; n_padded];
        if let Some(b) = bias {
            padded_bias[..n].copy_from_slice(b);
        }
        for (col, row) in weights.chunks_exact(k).enumerate() {
            let (panel, lane) = (col / PANEL, col % PANEL);
            for (b, block) in row.chunks(BLOCK).enumerate() {
                let (scale, inverse) = block_scale(block);
                let at = (panel * blocks + b) * PANEL + lane;
                scales[at] = scale;
                let mut sum = 0i32;
                for (i, &v) in block.iter().enumerate() {
                    let q = (v * inverse).round().clamp(-127.0, 127.0) as i8;
                    sum += i32::from(q);
                    let input = b * BLOCK + i;
                    packed[panel * PANEL * k_padded + (input / 4) * PANEL * 4 + lane * 4 + input % 4] = q;
                }
                offsets[at] = 128 * sum;
            }
        }
        Ok(Self { n, k, k_padded, packed, scales, offsets, bias: padded_bias, kernel: Int8Kernel::detect() })
    }

    /// The same weights run by `kernel`; `None` if this CPU lacks it.
    #[cfg(test)]
    pub fn with_kernel(mut self, kernel: Int8Kernel) -> Option<Self> {
        kernel.available().then(|| {
            self.kernel = kernel;
            self
        })
    }

    pub fn out_features(&self) -> usize {
        self.n
    }

    pub fn in_features(&self) -> usize {
        self.k
    }

    /// `out = x · Wᵀ + b` for `x` of `rows × k` and `out` of `rows × n` (row-major).
    pub fn forward(&self, x: &[f32], out: &mut [f32]) -> Result<()> {
        let rows = x.len() / self.k;
        if x.len() != rows * self.k || out.len() != rows * self.n {
            bail!("int8 linear {} × {}: input of {} values, output of {}", self.n, self.k, x.len(), out.len());
        }
        let row_chunks = x.par_chunks(ROWS_PER_TASK * self.k).zip(out.par_chunks_mut(ROWS_PER_TASK * self.n));
        row_chunks.for_each(|(x, out)| {
            let (values, scales) = self.quantize_rows(x);
            let activations = Activations { values: &values, scales: &scales, k_padded: self.k_padded };
            self.rows_times_panels(&activations, out);
        });
        Ok(())
    }

    /// Rows of `x` as `u8 = round(x / s) + 128` per block (padding 128) and the blocks' scales.
    fn quantize_rows(&self, x: &[f32]) -> (Vec<u8>, Vec<f32>) {
        let rows = x.len() / self.k;
        let blocks = self.k_padded / BLOCK;
        let mut values = vec![128u8; rows * self.k_padded];
        let mut scales = vec![0f32; rows * blocks];
        for ((row, q), scales) in
            x.chunks_exact(self.k).zip(values.chunks_exact_mut(self.k_padded)).zip(scales.chunks_exact_mut(blocks))
        {
            for ((block, q), scale) in row.chunks(BLOCK).zip(q.chunks_mut(BLOCK)).zip(scales) {
                let inverse;
                (*scale, inverse) = block_scale(block);
                for (q, &v) in q.iter_mut().zip(block) {
                    *q = ((v * inverse).round().clamp(-127.0, 127.0) as i32 + 128) as u8;
                }
            }
        }
        (values, scales)
    }

    fn rows_times_panels(&self, activations: &Activations, out: &mut [f32]) {
        let blocks = self.k_padded / BLOCK;
        let panel_bytes = PANEL * self.k_padded;
        for (p, weights) in self.packed.chunks_exact(panel_bytes).enumerate() {
            let first = p * PANEL;
            let columns = PANEL.min(self.n - first);
            let per_panel = p * blocks * PANEL..(p + 1) * blocks * PANEL;
            let panel = Panel {
                weights,
                scales: &self.scales[per_panel.clone()],
                offsets: &self.offsets[per_panel],
                bias: &self.bias[first..first + PANEL],
            };
            let out = &mut out[first..];
            let done = match self.kernel {
                #[cfg(target_arch = "x86_64")]
                Int8Kernel::Vnni => vnni::panel(activations, &panel, out, self.n, columns),
                #[cfg(target_arch = "x86_64")]
                Int8Kernel::Avx2 => avx2::panel(activations, &panel, out, self.n, columns),
                _ => false,
            };
            if !done {
                panel_portable(activations, &panel, out, self.n, columns);
            }
        }
    }
}

/// `(scale, 1 / scale)` that map a block's largest magnitude to 127; `(0, 0)` for a block of
/// zeros or with a value that is not finite.
fn block_scale(block: &[f32]) -> (f32, f32) {
    let max = block.iter().fold(0f32, |m, v| m.max(v.abs()));
    if max > 0.0 && max.is_finite() { (max / 127.0, 127.0 / max) } else { (0.0, 0.0) }
}

/// One panel for every row, in plain loops: `out[r · stride + c]` for `c < columns`.
fn panel_portable(activations: &Activations, panel: &Panel, out: &mut [f32], stride: usize, columns: usize) {
    let k_padded = activations.k_padded;
    let blocks = k_padded / BLOCK;
    for r in 0..activations.rows() {
        let x = &activations.values[r * k_padded..(r + 1) * k_padded];
        let mut totals = [0f32; PANEL];
        for b in 0..blocks {
            let mut sums = [0i32; PANEL];
            let groups = panel.weights[b * BLOCK * PANEL..(b + 1) * BLOCK * PANEL].chunks_exact(PANEL * 4);
            for (group, w) in x[b * BLOCK..(b + 1) * BLOCK].chunks_exact(4).zip(groups) {
                for (sum, w) in sums.iter_mut().zip(w.chunks_exact(4)) {
                    *sum += group.iter().zip(w).map(|(&x, &w)| i32::from(x) * i32::from(w)).sum::<i32>();
                }
            }
            let row_scale = activations.scales[r * blocks + b];
            for (c, total) in totals.iter_mut().enumerate() {
                let at = b * PANEL + c;
                *total += (sums[c] - panel.offsets[at]) as f32 * (panel.scales[at] * row_scale);
            }
        }
        for (c, o) in out[r * stride..r * stride + columns].iter_mut().enumerate() {
            *o = totals[c] + panel.bias[c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whisper::test_values::pseudo_random;

    fn reference(x: &[f32], w: &[f32], bias: &[f32], n: usize, k: usize) -> Vec<f32> {
        x.chunks_exact(k)
            .flat_map(|row| (0..n).map(move |c| row.iter().zip(&w[c * k..]).map(|(a, b)| a * b).sum::<f32>() + bias[c]))
            .collect()
    }

    /// Every kernel this CPU has, on sizes that are and are not whole blocks (rows per task and
    /// per tile, panels of 64 columns, groups of 4 inputs).
    #[test]
    fn every_kernel_is_close_to_f32() {
        for (m, n, k) in [(1, 1, 1), (7, 5, 3), (13, 64, 8), (50, 70, 37), (97, 130, 384), (6, 64, 1536), (49, 33, 200)]
        {
            let x = pseudo_random(m * k, 1);
            let w = pseudo_random(n * k, 2);
            let bias = pseudo_random(n, 3);
            let want = reference(&x, &w, &bias, n, k);
            // Rounding: half a step of x (max/254) times |w| and half a step of w times |x|, per term.
            let bound = k as f32 * 2.0 * 0.5 * 0.5 / 254.0 + 1e-5;
            let mut outputs = Vec::new();
            for kernel in [Int8Kernel::Vnni, Int8Kernel::Avx2, Int8Kernel::Portable] {
                let Some(linear) = Int8Linear::quantize(&w, Some(&bias), n, k).unwrap().with_kernel(kernel) else {
                    continue;
                };
                let mut out = vec![f32::NAN; m * n];
                linear.forward(&x, &mut out).unwrap();
                for (i, (got, want)) in out.iter().zip(&want).enumerate() {
                    assert!((got - want).abs() <= bound, "{kernel:?} {m}×{n}×{k} [{i}]: {got} vs {want}");
                }
                outputs.push(out);
            }
            // The integer sums are exact, so the kernels agree to the float epilogue's rounding.
            for other in &outputs[1..] {
                for (a, b) in other.iter().zip(&outputs[0]) {
                    assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{m}×{n}×{k}: kernels disagree: {a} vs {b}");
                }
            }
        }
    }

    /// One large input (an outlier channel) costs only its own block's precision: the other
    /// block keeps a step of its own largest value / 127 (with one scale per row, each of its
    /// 64 terms could be off by half of 100 / 127 times |w|, about 64 · 0.2 in all).
    #[test]
    fn an_outlier_spoils_only_its_block() {
        let k = 2 * BLOCK;
        let mut x = pseudo_random(k, 5);
        x[3] = 100.0;
        let w = pseudo_random(k, 6);
        let linear = Int8Linear::quantize(&w, None, 1, k).unwrap();
        let mut out = [0f32];
        linear.forward(&x[..k], &mut out).unwrap();
        let exact: f32 = x.iter().zip(&w).map(|(a, b)| a * b).sum();
        // Block 0: x steps of 100/127, |w| <= 0.5; block 1: steps of 0.5/127. Per term at most
        // half a step of x times |w| plus half a step of w times |x|.
        let block0 = BLOCK as f32 * (0.5 * 100.0 / 127.0 * 0.5) + 0.5 * 0.5 / 127.0 * (100.0 + BLOCK as f32 * 0.5);
        let block1 = BLOCK as f32 * 2.0 * (0.5 * 0.5 / 127.0 * 0.5);
        assert!((out[0] - exact).abs() <= block0 + block1, "{} vs {exact}", out[0]);
    }

    #[test]
    fn zero_rows_and_extreme_values_stay_finite() {
        let (n, k) = (3, 4);
        let w = [1.0, -2.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 3.0, 3.0, 3.0];
        let linear = Int8Linear::quantize(&w, None, n, k).unwrap();
        let x = [0.0, 0.0, 0.0, 0.0, 1e30, -1e30, 0.0, 1.0];
        let mut out = vec![0f32; 2 * n];
        linear.forward(&x, &mut out).unwrap();
        assert_eq!(&out[..3], &[0.0, 0.0, 0.0]);
        assert!(out.iter().all(|v| v.is_finite()));
        assert!((out[3] - 3e30).abs() < 3e28);
    }

    #[test]
    fn refuses_mismatched_shapes() {
        assert!(Int8Linear::quantize(&[0.0; 6], None, 2, 4).is_err());
        assert!(Int8Linear::quantize(&[0.0; 8], Some(&[0.0]), 2, 4).is_err());
        let linear = Int8Linear::quantize(&[0.0; 8], None, 2, 4).unwrap();
        assert!(linear.forward(&[0.0; 5], &mut [0.0; 2]).is_err());
        assert!(linear.forward(&[0.0; 8], &mut [0.0; 3]).is_err());
    }
}
