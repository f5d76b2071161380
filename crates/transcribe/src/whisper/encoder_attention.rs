//! The audio encoder's self-attention over all frames as one fused pass per tile of queries:
//! scores, softmax and the weighted sum of values for 6 queries of one head at a time, so the
//! scores never leave the cache and nothing is copied into heads and back (decision 030). The
//! arithmetic is `f32` as in Candle's path; only the order of the sums differs.
//!
//! Runs on CPUs with AVX512F (`encoder_attention_avx512`); elsewhere, or for heads that are not
//! 64 wide, [`fused_attention`] returns `None` and the caller keeps Candle's path.

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor, bail};
use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
use crate::whisper::encoder_attention_avx512::{self as avx512, HEAD_DIM, HeadTile, TILE};

/// How the audio encoder attends over its frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncoderAttention {
    /// Candle's matrix products and softmax over blocks of 200 queries.
    Blocks,
    /// One fused pass per tile of queries (AVX512F; [`Self::Blocks`] elsewhere).
    Fused,
}

/// Queries per rayon task.
const ROWS_PER_TASK: usize = 60;

struct FusedAttention {
    n_head: usize,
}

/// `softmax(q · kᵀ / √d_head) · v` per head for `q`, `k`, `v` of `[1, frames, d]` (heads side by
/// side), as `[1, frames, d]`; `None` when this CPU or these shapes are not supported.
pub fn fused_attention(q: &Tensor, k: &Tensor, v: &Tensor, n_head: usize) -> Result<Option<Tensor>> {
    if !supported(q.dims(), n_head) || k.dims() != q.dims() || v.dims() != q.dims() {
        return Ok(None);
    }
    let op = FusedAttention { n_head };
    Ok(Some(q.contiguous()?.apply_op3_no_bwd(&k.contiguous()?, &v.contiguous()?, &op)?))
}

fn supported(dims: &[usize], n_head: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        matches!(dims, &[1, frames, d] if frames > 0 && n_head > 0 && d == n_head * HEAD_DIM)
            && std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (dims, n_head);
        false
    }
}

fn f32_slice<'a>(storage: &'a CpuStorage, layout: &Layout) -> Result<&'a [f32]> {
    match (storage, layout.contiguous_offsets()) {
        (CpuStorage::F32(data), Some((start, end))) => Ok(&data[start..end]),
        _ => bail!("fused attention: contiguous f32 input expected"),
    }
}

impl CustomOp3 for FusedAttention {
    fn name(&self) -> &'static str {
        "fused-encoder-attention"
    }

    fn cpu_fwd(
        &self,
        q: &CpuStorage,
        q_layout: &Layout,
        k: &CpuStorage,
        k_layout: &Layout,
        v: &CpuStorage,
        v_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (q, k, v) = (f32_slice(q, q_layout)?, f32_slice(k, k_layout)?, f32_slice(v, v_layout)?);
        let dims = q_layout.shape().dims();
        let (frames, d) = match dims {
            &[1, frames, d] if d * frames == q.len() && k.len() == q.len() && v.len() == q.len() => (frames, d),
            _ => bail!("fused attention: [1, frames, d] inputs of one shape expected, got {dims:?}"),
        };
        let out = attend(q, k, v, frames, d, self.n_head)?;
        Ok((CpuStorage::F32(out), q_layout.shape().clone()))
    }
}

#[cfg(target_arch = "x86_64")]
fn attend(q: &[f32], k: &[f32], v: &[f32], frames: usize, d: usize, n_head: usize) -> Result<Vec<f32>> {
    if d != n_head * HEAD_DIM {
        bail!("fused attention: {n_head} heads of {HEAD_DIM} expected in {d} dimensions");
    }
    // Keys per head, transposed: [head][dimension][frame].
    let mut keys_t = vec![0f32; k.len()];
    keys_t.par_chunks_mut(HEAD_DIM * frames).enumerate().for_each(|(h, head)| {
        for (j, key) in k.chunks_exact(d).enumerate() {
            for (i, &value) in key[h * HEAD_DIM..(h + 1) * HEAD_DIM].iter().enumerate() {
                head[i * frames + j] = value;
            }
        }
    });
    let scale = 1.0 / (HEAD_DIM as f32).sqrt();
    let mut out = vec![0f32; q.len()];
    let all_done = out.par_chunks_mut(ROWS_PER_TASK * d).enumerate().all(|(task, out)| {
        let first = task * ROWS_PER_TASK;
        let mut scores = vec![0f32; TILE * frames];
        let rows = out.len() / d;
        (0..n_head).all(|h| {
            (0..rows).step_by(TILE).all(|r| {
                let tile = HeadTile {
                    q: &q[(first + r) * d + h * HEAD_DIM..],
                    q_stride: d,
                    rows: TILE.min(rows - r),
                    keys_t: &keys_t[h * HEAD_DIM * frames..(h + 1) * HEAD_DIM * frames],
                    keys: frames,
                    v: &v[h * HEAD_DIM..],
                    v_stride: d,
                    scale,
                };
                avx512::tile(&tile, &mut scores, &mut out[r * d + h * HEAD_DIM..], d)
            })
        })
    });
    if !all_done {
        bail!("fused attention: AVX512F kernel refused the tile");
    }
    Ok(out)
}

#[cfg(not(target_arch = "x86_64"))]
fn attend(_: &[f32], _: &[f32], _: &[f32], _: usize, _: usize, _: usize) -> Result<Vec<f32>> {
    bail!("fused attention: x86-64 only")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whisper::test_values::pseudo_random;
    use candle_core::Device;

    /// Plain `f64` attention per head.
    fn reference(q: &[f32], k: &[f32], v: &[f32], frames: usize, n_head: usize) -> Vec<f32> {
        let (hd, d) = (64, 64 * n_head);
        let mut out = vec![0f32; q.len()];
        for h in 0..n_head {
            for i in 0..frames {
                let scores: Vec<f64> = (0..frames)
                    .map(|j| {
                        (0..hd)
                            .map(|x| f64::from(q[i * d + h * hd + x]) * f64::from(k[j * d + h * hd + x]))
                            .sum::<f64>()
                            / 8.0
                    })
                    .collect();
                let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f64 = weights.iter().sum();
                for x in 0..hd {
                    let mixed: f64 =
                        weights.iter().enumerate().map(|(j, w)| w * f64::from(v[j * d + h * hd + x])).sum();
                    out[i * d + h * hd + x] = (mixed / total) as f32;
                }
            }
        }
        out
    }

    /// Frame counts that are and are not whole tiles (6), tasks (60) and key blocks (64).
    #[test]
    fn fused_attention_matches_f64_reference() {
        let device = Device::Cpu;
        for (frames, n_head) in [(1, 1), (7, 2), (65, 1), (131, 3)] {
            let d = 64 * n_head;
            // Values in −2..2.
            let spread = |seed| pseudo_random(frames * d, seed).into_iter().map(|v| v * 4.0).collect::<Vec<_>>();
            let [q, k, v] = [1, 2, 3].map(spread);
            let want = reference(&q, &k, &v, frames, n_head);
            let [tq, tk, tv] = [&q, &k, &v].map(|x| Tensor::from_slice(x, (1, frames, d), &device).unwrap());
            let Some(got) = fused_attention(&tq, &tk, &tv, n_head).unwrap() else {
                eprintln!("no AVX512F here: the fused kernel is not tested");
                return;
            };
            let got = got.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!((a - b).abs() < 1e-4, "{frames} frames, {n_head} heads [{i}]: {a} vs {b}");
            }
        }
    }

    #[test]
    fn unsupported_shapes_fall_back() {
        let device = Device::Cpu;
        let x = Tensor::zeros((1, 10, 96), candle_core::DType::F32, &device).unwrap();
        assert!(fused_attention(&x, &x, &x, 2).unwrap().is_none(), "heads of 48");
        let y = Tensor::zeros((2, 10, 64), candle_core::DType::F32, &device).unwrap();
        assert!(fused_attention(&y, &y, &y, 1).unwrap().is_none(), "batch of 2");
    }
}
