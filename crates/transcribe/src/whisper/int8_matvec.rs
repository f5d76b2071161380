//! Matrix-vector products with 8-bit weights and `f32` activations, for decoding steps.
//!
//! A decoding step multiplies one row of activations by every weight matrix of the decoder and by
//! the vocabulary projection: it reads each weight once for one multiply-add, so its speed is the
//! memory's. Stored as `i8` with one `f32` scale per 32 values (like GGML's Q8_0), a matrix takes
//! about 1.1 bytes a value instead of 4 (f32) or 2 (f16). Unlike Candle's Q8_0 matrix product,
//! which also rounds the activations to 8 bits (and changed tiny.en's words on our race, see
//! docs/decisions/021), the activations keep 16 bits (relative error below 2e-5): the error is
//! essentially the weights' rounding.
//! Rows are split over rayon's threads; on x86-64 with AVX2 (detected at run time) the dot products
//! are integer multiply-adds over the input rounded to 16 bits.

use rayon::prelude::*;

/// Values per scale.
pub const BLOCK: usize = 32;
/// Matrices at least this large (values) are split over threads.
const PARALLEL_MIN_VALUES: usize = 1 << 18;

/// A `rows × cols` matrix (row-major) of `i8` values with one scale per [`BLOCK`] of a row.
pub struct Int8Matrix {
    rows: usize,
    cols: usize,
    values: Vec<i8>,
    scales: Vec<f32>,
}

impl Int8Matrix {
    /// Rounds `weights` (`rows × cols`, row-major) to 8 bits, each block of 32 scaled by its
    /// largest magnitude. `cols` must be a multiple of [`BLOCK`].
    pub fn quantize(weights: &[f32], rows: usize, cols: usize) -> Result<Self, String> {
        if !cols.is_multiple_of(BLOCK) || weights.len() != rows * cols {
            return Err(format!("int8 matrix: {rows} × {cols} from {} values (columns by {BLOCK})", weights.len()));
        }
        let mut values = vec![0i8; weights.len()];
        let mut scales = vec![0f32; weights.len() / BLOCK];
        for ((block, out), scale) in weights.chunks_exact(BLOCK).zip(values.chunks_exact_mut(BLOCK)).zip(&mut scales) {
            let max = block.iter().fold(0f32, |m, v| m.max(v.abs()));
            *scale = max / 127.0;
            let inverse = if max > 0.0 { 127.0 / max } else { 0.0 };
            for (o, &v) in out.iter_mut().zip(block) {
                *o = (v * inverse).round().clamp(-127.0, 127.0) as i8;
            }
        }
        Ok(Self { rows, cols, values, scales })
    }

    /// Appends rows quantized from `weights` (whole rows of the same width), so that a large
    /// matrix can be built a slice at a time without holding it all in `f32`.
    pub fn append(&mut self, weights: &[f32]) -> Result<(), String> {
        let part = Self::quantize(weights, weights.len() / self.cols.max(1), self.cols)?;
        self.rows += part.rows;
        self.values.extend_from_slice(&part.values);
        self.scales.extend_from_slice(&part.scales);
        Ok(())
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// `out[r] = Σ_c w[r, c] · x[c] (+ bias[r])`.
    pub fn matvec(&self, x: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
        assert_eq!(x.len(), self.cols, "int8 matvec: input length");
        assert_eq!(out.len(), self.rows, "int8 matvec: output length");
        let fused = avx2_available();
        // With AVX2 the input is rounded to 16 bits (relative error below 2e-5 of its largest
        // value) so that the products are integer multiply-adds: 16 per instruction, and the
        // weights need one widening instead of two conversions.
        let (x16, x_scale) = if fused { to_i16(x) } else { (Vec::new(), 0.0) };
        let blocks_per_row = self.cols / BLOCK;
        let row = |r: usize| -> f32 {
            let values = &self.values[r * self.cols..(r + 1) * self.cols];
            let scales = &self.scales[r * blocks_per_row..(r + 1) * blocks_per_row];
            let dot = row_dot(values, scales, x, &x16, x_scale, fused);
            dot + bias.map_or(0.0, |b| b[r])
        };
        if self.values.len() >= PARALLEL_MIN_VALUES {
            let chunk = self.rows.div_ceil(rayon::current_num_threads().max(1) * 4).max(1);
            out.par_chunks_mut(chunk).enumerate().for_each(|(i, part)| {
                for (k, o) in part.iter_mut().enumerate() {
                    *o = row(i * chunk + k);
                }
            });
        } else {
            for (r, o) in out.iter_mut().enumerate() {
                *o = row(r);
            }
        }
    }
}

/// `x` as `i16` with one scale: `x[i] ≈ x16[i] · scale`.
fn to_i16(x: &[f32]) -> (Vec<i16>, f32) {
    let max = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    if max == 0.0 || !max.is_finite() {
        return (vec![0; x.len()], 0.0);
    }
    let inverse = 32767.0 / max;
    (x.iter().map(|&v| (v * inverse).round().clamp(-32767.0, 32767.0) as i16).collect(), max / 32767.0)
}

fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// One row's dot product; `fused` only when [`avx2_available`] (then `x16`, `x_scale` are `x`
/// in 16 bits).
#[inline(always)]
fn row_dot(values: &[i8], scales: &[f32], x: &[f32], x16: &[i16], x_scale: f32, fused: bool) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if fused {
        // SAFETY: `fused` is true only when the CPU supports AVX2 (`avx2_available`); `x16` has
        // the row's length (`matvec` checked `x`'s).
        return unsafe { row_dot_avx2(values, scales, x16) } * x_scale;
    }
    let _ = (x16, x_scale, fused);
    row_dot_portable(values, scales, x)
}

fn row_dot_portable(values: &[i8], scales: &[f32], x: &[f32]) -> f32 {
    let mut total = 0f32;
    for ((block, &scale), xs) in values.chunks_exact(BLOCK).zip(scales).zip(x.chunks_exact(BLOCK)) {
        let mut lanes = [0f32; 8];
        for (v, x) in block.chunks_exact(8).zip(xs.chunks_exact(8)) {
            for i in 0..8 {
                lanes[i] += f32::from(v[i]) * x[i];
            }
        }
        total += scale * lanes.iter().sum::<f32>();
    }
    total
}

/// Per block of 32: the weights widened to 16 bits and multiplied with the 16-bit input in
/// pairs (`vpmaddwd`: 16 products summed into 8 lanes of 32 bits; a block's sum stays below
/// 32 · 127 · 32767 < 2^31), then the block's lanes scaled into a float total.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn row_dot_avx2(values: &[i8], scales: &[f32], x16: &[i16]) -> f32 {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm_add_ps, _mm_add_ss, _mm_cvtss_f32, _mm_loadu_si128, _mm_movehl_ps, _mm_shuffle_ps,
        _mm256_add_epi32, _mm256_add_ps, _mm256_castps256_ps128, _mm256_cvtepi8_epi16, _mm256_cvtepi32_ps,
        _mm256_extractf128_ps, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_mul_ps, _mm256_set1_ps, _mm256_setzero_ps,
    };
    let blocks = values.len() / BLOCK;
    debug_assert!(scales.len() >= blocks && x16.len() >= blocks * BLOCK);
    let mut total = _mm256_setzero_ps();
    for (b, &scale) in scales.iter().enumerate().take(blocks) {
        let at = b * BLOCK;
        // SAFETY: `at + 32 <= blocks * BLOCK`, within `values` and `x16`: 2 × 16 bytes and
        // 2 × 16 values are read.
        let sums = unsafe {
            let w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(values.as_ptr().add(at) as *const __m128i));
            let w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(values.as_ptr().add(at + 16) as *const __m128i));
            let x0 = _mm256_loadu_si256(x16.as_ptr().add(at) as *const __m256i);
            let x1 = _mm256_loadu_si256(x16.as_ptr().add(at + 16) as *const __m256i);
            _mm256_add_epi32(_mm256_madd_epi16(w0, x0), _mm256_madd_epi16(w1, x1))
        };
        total = _mm256_add_ps(total, _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(scale)));
    }
    let low = _mm256_castps256_ps128(total);
    let high = _mm256_extractf128_ps(total, 1);
    let quad = _mm_add_ps(low, high);
    let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
    _mm_cvtss_f32(_mm_add_ss(pair, _mm_shuffle_ps(pair, pair, 1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whisper::test_values::pseudo_random;

    #[test]
    fn matvec_is_close_to_f32_on_both_paths() {
        let (rows, cols) = (700, 384);
        let w = pseudo_random(rows * cols, 1);
        let x = pseudo_random(cols, 2);
        let bias = pseudo_random(rows, 3);
        let m = Int8Matrix::quantize(&w, rows, cols).unwrap();
        let mut out = vec![0f32; rows];
        m.matvec(&x, Some(&bias), &mut out);
        let blocks = cols / BLOCK;
        for r in 0..rows {
            let exact: f32 = w[r * cols..(r + 1) * cols].iter().zip(&x).map(|(a, b)| a * b).sum::<f32>() + bias[r];
            // Rounding error: at most half a step (max/254) per weight, times |x| <= 0.5.
            let bound = cols as f32 * 0.5 * 0.5 / 254.0;
            assert!((out[r] - exact).abs() < bound, "row {r}: {} vs {exact}", out[r]);
            let values = &m.values[r * cols..(r + 1) * cols];
            let scales = &m.scales[r * blocks..(r + 1) * blocks];
            let portable = row_dot_portable(values, scales, &x) + bias[r];
            // The AVX2 path rounds the input to 16 bits: at most 384 · 0.5 · (0.5 / 32767) apart.
            assert!((portable - out[r]).abs() < 3e-3, "row {r}: portable {portable} vs {}", out[r]);
        }
        assert_eq!((m.values.len(), m.scales.len()), (rows * cols, rows * blocks));
    }

    #[test]
    fn appending_rows_equals_quantizing_at_once() {
        let w = pseudo_random(10 * 64, 4);
        let whole = Int8Matrix::quantize(&w, 10, 64).unwrap();
        let mut parts = Int8Matrix::quantize(&w[..3 * 64], 3, 64).unwrap();
        parts.append(&w[3 * 64..]).unwrap();
        assert_eq!((parts.rows, &parts.values, &parts.scales), (whole.rows, &whole.values, &whole.scales));
        assert!(parts.append(&w[..40]).is_err());
    }

    #[test]
    fn refuses_columns_that_are_not_whole_blocks() {
        assert!(Int8Matrix::quantize(&[0.0; 40], 2, 20).is_err());
    }
}
