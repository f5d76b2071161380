//! The AVX512-VNNI kernel of [`int8_gemm`](crate::whisper::int8_gemm): `vpdpbusd` multiplies 4
//! unsigned activation bytes (one frame's 4 inputs, broadcast) by 4 signed weight bytes in each
//! of 16 lanes (16 output columns) and adds the sum to 32 bits: 64 products per instruction.
//! A tile is up to 6 frames × one panel of 32 columns: 12 integer accumulators for the block
//! under way and 12 `f32` totals, 2 weight loads and 6 broadcasts per group of 4 inputs; at the
//! end of each block the integer sums are scaled into the totals.

use std::arch::x86_64::{
    __m512, __m512i, _mm512_add_ps, _mm512_cvtepi32_ps, _mm512_dpbusd_epi32, _mm512_fmadd_ps, _mm512_loadu_ps,
    _mm512_loadu_si512, _mm512_mask_storeu_ps, _mm512_mul_ps, _mm512_set1_epi32, _mm512_set1_ps, _mm512_setzero_ps,
    _mm512_setzero_si512, _mm512_sub_epi32,
};

use crate::whisper::int8_gemm::{Activations, BLOCK, PANEL, Panel};

const TILE_ROWS: usize = 6;

/// One panel for every row: `out[r · stride + c]` for `c < columns`. Returns false, writing
/// nothing, when this CPU lacks AVX512-VNNI or the sizes do not fit.
pub fn panel(x: &Activations, panel: &Panel, out: &mut [f32], stride: usize, columns: usize) -> bool {
    let rows = x.rows();
    let blocks = x.k_padded / BLOCK;
    // This kernel also reads the panel's offsets (the `+128` correction); the AVX2 one needs none.
    let fits = panel.fits(x, out.len(), stride, columns) && panel.offsets.len() >= PANEL * blocks;
    let cpu = std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vnni");
    if !fits || !cpu {
        return false;
    }
    for first in (0..rows).step_by(TILE_ROWS) {
        let values = &x.values[first * x.k_padded..];
        let scales = &x.scales[first * blocks..];
        let o = out[first * stride..].as_mut_ptr();
        // SAFETY: the CPU has the features (checked above); the tile reads `k_padded` bytes and
        // `blocks` scales of each of its rows, the whole panel, and writes `columns` values at
        // each of its rows' `stride` in `out` — all within the slices, by the checks above.
        unsafe {
            match rows - first {
                1 => tile::<1>(values, scales, x.k_padded, panel, o, stride, columns),
                2 => tile::<2>(values, scales, x.k_padded, panel, o, stride, columns),
                3 => tile::<3>(values, scales, x.k_padded, panel, o, stride, columns),
                4 => tile::<4>(values, scales, x.k_padded, panel, o, stride, columns),
                5 => tile::<5>(values, scales, x.k_padded, panel, o, stride, columns),
                _ => tile::<TILE_ROWS>(values, scales, x.k_padded, panel, o, stride, columns),
            }
        }
    }
    true
}

/// `R` rows × one panel. Safety: AVX512F/BW/VNNI present; `values` holds `R · k_padded` bytes,
/// `scales` `R · blocks`, the panel is whole, and `out` is writable at `r · stride + c` for
/// `r < R`, `c < columns <= PANEL`.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn tile<const R: usize>(
    values: &[u8],
    scales: &[f32],
    k_padded: usize,
    panel: &Panel,
    out: *mut f32,
    stride: usize,
    columns: usize,
) {
    let blocks = k_padded / BLOCK;
    let mut totals: [[__m512; 2]; R] = [[_mm512_setzero_ps(); 2]; R];
    let (x, w) = (values.as_ptr(), panel.weights.as_ptr());
    // SAFETY: every pointer stays within the sizes the caller guarantees.
    unsafe {
        for b in 0..blocks {
            let mut sums: [[__m512i; 2]; R] = [[_mm512_setzero_si512(); 2]; R];
            for g in b * BLOCK / 4..(b + 1) * BLOCK / 4 {
                let wp = w.add(g * PANEL * 4);
                let wv = [_mm512_loadu_si512(wp.cast()), _mm512_loadu_si512(wp.add(64).cast())];
                for (r, sums) in sums.iter_mut().enumerate() {
                    let xv = _mm512_set1_epi32(x.add(r * k_padded + g * 4).cast::<i32>().read_unaligned());
                    sums[0] = _mm512_dpbusd_epi32(sums[0], xv, wv[0]);
                    sums[1] = _mm512_dpbusd_epi32(sums[1], xv, wv[1]);
                }
            }
            let at = b * PANEL;
            for v in 0..2 {
                let weight_scales = _mm512_loadu_ps(panel.scales.as_ptr().add(at + v * 16));
                let offsets = _mm512_loadu_si512(panel.offsets.as_ptr().add(at + v * 16).cast());
                for (r, (totals, sums)) in totals.iter_mut().zip(&sums).enumerate() {
                    let scale = _mm512_mul_ps(weight_scales, _mm512_set1_ps(scales[r * blocks + b]));
                    let exact = _mm512_cvtepi32_ps(_mm512_sub_epi32(sums[v], offsets));
                    totals[v] = _mm512_fmadd_ps(exact, scale, totals[v]);
                }
            }
        }
        for v in 0..2 {
            let lane = v * 16;
            if lane >= columns {
                break;
            }
            let mask = if columns - lane >= 16 { u16::MAX } else { (1u16 << (columns - lane)) - 1 };
            let bias = _mm512_loadu_ps(panel.bias.as_ptr().add(lane));
            for (r, totals) in totals.iter().enumerate() {
                _mm512_mask_storeu_ps(out.add(r * stride + lane), mask, _mm512_add_ps(totals[v], bias));
            }
        }
    }
}
