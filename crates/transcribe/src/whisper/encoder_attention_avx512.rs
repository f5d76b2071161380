//! The AVX512F kernel of [`encoder_attention`](crate::whisper::encoder_attention): for a tile of
//! up to 6 queries of one head, the scores against every key (`q · kᵀ`: 6 queries × 64 keys in 24
//! accumulators per step over the head's dimensions), then a softmax per query (autovectorised 16
//! wide), then `scores · v` (6 queries × 64 dimensions in 24 accumulators per key).

use std::arch::x86_64::{
    __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_loadu_ps, _mm512_mask_storeu_ps, _mm512_mul_ps,
    _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
};

use crate::whisper::cpu_ops::fast_exp;

/// Queries per tile.
pub const TILE: usize = 6;
/// Dimensions per head that the kernel handles (Whisper's heads are all 64 wide).
pub const HEAD_DIM: usize = 64;

/// One head's view for a tile: `q` rows of `HEAD_DIM` at `q_stride`, keys transposed
/// (`HEAD_DIM` rows of `keys` values), values rows of `HEAD_DIM` at `v_stride`, output rows of
/// `HEAD_DIM` at `out_stride`.
pub struct HeadTile<'a> {
    pub q: &'a [f32],
    pub q_stride: usize,
    pub rows: usize,
    pub keys_t: &'a [f32],
    pub keys: usize,
    pub v: &'a [f32],
    pub v_stride: usize,
    pub scale: f32,
}

/// `out = softmax(scale · q · kᵀ) · v` for the tile's rows. `scores` is scratch of at least
/// `TILE · keys` values. Returns false, writing nothing, when the CPU lacks AVX512F or the sizes
/// do not fit.
pub fn tile(t: &HeadTile, scores: &mut [f32], out: &mut [f32], out_stride: usize) -> bool {
    let rows = t.rows;
    let fits = (1..=TILE).contains(&rows)
        && t.keys > 0
        && t.q_stride >= HEAD_DIM
        && t.q.len() >= (rows - 1) * t.q_stride + HEAD_DIM
        && t.keys_t.len() >= HEAD_DIM * t.keys
        && t.v_stride >= HEAD_DIM
        && t.v.len() >= (t.keys - 1) * t.v_stride + HEAD_DIM
        && scores.len() >= TILE * t.keys
        && out_stride >= HEAD_DIM
        && out.len() >= (rows - 1) * out_stride + HEAD_DIM;
    if !fits || !std::is_x86_feature_detected!("avx512f") {
        return false;
    }
    // SAFETY: AVX512F is present and every slice holds what the kernels read and write (checked
    // above).
    unsafe {
        scores_tile(t, scores);
        for r in 0..rows {
            softmax_row(&mut scores[r * t.keys..(r + 1) * t.keys], t.scale);
        }
        mix_tile(t, scores, out, out_stride);
    }
    true
}

/// `scores[r · keys + j] = q_r · k_j` (unscaled) for `r < rows` (rows past `rows` are 0).
#[target_feature(enable = "avx512f")]
unsafe fn scores_tile(t: &HeadTile, scores: &mut [f32]) {
    let n = t.keys;
    let mut q = [[0f32; HEAD_DIM]; TILE];
    for (r, row) in q.iter_mut().enumerate().take(t.rows) {
        row.copy_from_slice(&t.q[r * t.q_stride..r * t.q_stride + HEAD_DIM]);
    }
    let kt = t.keys_t.as_ptr();
    let s = scores.as_mut_ptr();
    for j in (0..n).step_by(64) {
        let lanes = (n - j).min(64);
        let masks: [u16; 4] = std::array::from_fn(|v| lane_mask(lanes, v * 16));
        let mut acc: [[__m512; 4]; TILE] = [[_mm512_setzero_ps(); 4]; TILE];
        // SAFETY: reads row `d < HEAD_DIM` of `keys_t` at columns `j + v·16 + lane` only where
        // the mask allows (< keys); writes `scores` rows `< TILE` the same way.
        unsafe {
            for d in 0..HEAD_DIM {
                let row = kt.add(d * n + j);
                let k: [__m512; 4] =
                    std::array::from_fn(|v| _mm512_mask_loadu_ps(_mm512_setzero_ps(), masks[v], row.add(v * 16)));
                for (acc, q) in acc.iter_mut().zip(&q) {
                    let qd = _mm512_set1_ps(q[d]);
                    for (a, k) in acc.iter_mut().zip(&k) {
                        *a = _mm512_fmadd_ps(qd, *k, *a);
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                for (v, a) in acc.iter().enumerate() {
                    _mm512_mask_storeu_ps(s.add(r * n + j + v * 16), masks[v], *a);
                }
            }
        }
    }
}

/// `out_r = Σ_j scores[r · keys + j] · v_j` for `r < rows`.
#[target_feature(enable = "avx512f")]
unsafe fn mix_tile(t: &HeadTile, scores: &[f32], out: &mut [f32], out_stride: usize) {
    let n = t.keys;
    let mut acc: [[__m512; 4]; TILE] = [[_mm512_setzero_ps(); 4]; TILE];
    let (v, s) = (t.v.as_ptr(), scores.as_ptr());
    // SAFETY: reads `HEAD_DIM` values of value rows `j < keys` and score rows `< TILE`; writes
    // `HEAD_DIM` values of output rows `< rows` — within the slices the caller checked.
    unsafe {
        for j in 0..n {
            let row = v.add(j * t.v_stride);
            let values: [__m512; 4] = std::array::from_fn(|i| _mm512_loadu_ps(row.add(i * 16)));
            for (r, acc) in acc.iter_mut().enumerate() {
                let p = _mm512_set1_ps(*s.add(r * n + j));
                for (a, v) in acc.iter_mut().zip(&values) {
                    *a = _mm512_fmadd_ps(p, *v, *a);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate().take(t.rows) {
            let inverse = _mm512_set1_ps(1.0 / row_sum(&scores[r * n..(r + 1) * n]));
            let o = out.as_mut_ptr().add(r * out_stride);
            for (i, a) in acc.iter().enumerate() {
                _mm512_storeu_ps(o.add(i * 16), _mm512_mul_ps(*a, inverse));
            }
        }
    }
}

/// `row[j] = exp(scale · (row[j] - max))`, unnormalised (the mix divides by the sum).
#[target_feature(enable = "avx512f")]
fn softmax_row(row: &mut [f32], scale: f32) {
    let mut maxes = [f32::NEG_INFINITY; 16];
    let mut blocks = row.chunks_exact(16);
    for block in &mut blocks {
        for (m, &v) in maxes.iter_mut().zip(block) {
            *m = if v > *m { v } else { *m };
        }
    }
    let max = blocks.remainder().iter().chain(&maxes).fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
    for v in row.iter_mut() {
        *v = fast_exp((*v - max) * scale);
    }
}

#[target_feature(enable = "avx512f")]
fn row_sum(row: &[f32]) -> f32 {
    let mut sums = [0f32; 16];
    let mut blocks = row.chunks_exact(16);
    for block in &mut blocks {
        for (s, &v) in sums.iter_mut().zip(block) {
            *s += v;
        }
    }
    sums.iter().sum::<f32>() + blocks.remainder().iter().sum::<f32>()
}

/// The load/store mask of 16 lanes starting `first` lanes into a block of `lanes` valid ones.
fn lane_mask(lanes: usize, first: usize) -> u16 {
    match lanes.saturating_sub(first) {
        0 => 0,
        n if n >= 16 => u16::MAX,
        n => (1u16 << n) - 1,
    }
}
