//! The AVX2 kernel of [`int8_gemm`](crate::whisper::int8_gemm), for CPUs without AVX512-VNNI.
//! `vpmaddubsw` multiplies unsigned by signed bytes and adds pairs into 16 bits, saturating; with
//! the activation's magnitude as the unsigned side and its sign moved onto the weight
//! (`vpsignb`), both sides are at most 127 and a pair at most 32 258, so nothing saturates.
//! `vpmaddwd` by ones then adds the pairs into 32 bits. One row × 32 columns (a panel) at a time.

use std::arch::x86_64::{
    __m256i, _mm256_abs_epi8, _mm256_add_epi32, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16,
    _mm256_set1_epi8, _mm256_set1_epi16, _mm256_set1_epi32, _mm256_setzero_si256, _mm256_sign_epi8,
    _mm256_storeu_si256, _mm256_xor_si256,
};

use crate::whisper::int8_gemm::{Activations, BLOCK, PANEL, Panel};

/// One panel for every row: `out[r · stride + c]` for `c < columns`. Returns false, writing
/// nothing, when this CPU lacks AVX2 or the sizes do not fit.
pub fn panel(x: &Activations, panel: &Panel, out: &mut [f32], stride: usize, columns: usize) -> bool {
    let rows = x.rows();
    let blocks = x.k_padded / BLOCK;
    if !panel.fits(x, out.len(), stride, columns) || !std::is_x86_feature_detected!("avx2") {
        return false;
    }
    for r in 0..rows {
        let values = &x.values[r * x.k_padded..(r + 1) * x.k_padded];
        let mut totals = [0f32; PANEL];
        for b in 0..blocks {
            let mut sums = [0i32; PANEL];
            // SAFETY: AVX2 is present (checked above); the call reads `BLOCK` bytes of `values`
            // and `BLOCK · PANEL` of the panel's weights from block `b` on (checked above), and
            // writes the `PANEL` values of `sums`.
            unsafe { block_sums(values[b * BLOCK..].as_ptr(), panel.weights[b * BLOCK * PANEL..].as_ptr(), &mut sums) };
            let row_scale = x.scales[r * blocks + b];
            for (c, total) in totals.iter_mut().enumerate() {
                *total += sums[c] as f32 * (panel.scales[b * PANEL + c] * row_scale);
            }
        }
        for (c, o) in out[r * stride..r * stride + columns].iter_mut().enumerate() {
            *o = totals[c] + panel.bias[c];
        }
    }
    true
}

/// The signed dot products of one block of a row with the panel's 32 columns.
/// Safety: AVX2 present; `x` holds `BLOCK` bytes and `w` `BLOCK · PANEL`.
#[target_feature(enable = "avx2")]
unsafe fn block_sums(x: *const u8, w: *const i8, sums: &mut [i32; PANEL]) {
    let flip = _mm256_set1_epi8(i8::MIN);
    let ones = _mm256_set1_epi16(1);
    let mut acc: [__m256i; 4] = [_mm256_setzero_si256(); 4];
    // SAFETY: every pointer stays within the sizes the caller guarantees.
    unsafe {
        for g in 0..BLOCK / 4 {
            // u8 = i8 + 128, so flipping the top bit gives back the signed activation.
            let signed = _mm256_xor_si256(_mm256_set1_epi32(x.add(g * 4).cast::<i32>().read_unaligned()), flip);
            let magnitude = _mm256_abs_epi8(signed);
            let wp = w.add(g * PANEL * 4);
            for (j, a) in acc.iter_mut().enumerate() {
                let weights = _mm256_loadu_si256(wp.add(j * 32).cast());
                let pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(weights, signed));
                *a = _mm256_add_epi32(*a, _mm256_madd_epi16(pairs, ones));
            }
        }
        for (j, a) in acc.iter().enumerate() {
            _mm256_storeu_si256(sums.as_mut_ptr().add(j * 8).cast(), *a);
        }
    }
}
