//! Element-wise operations of the encoder as multi-threaded, vectorisable CPU kernels.
//!
//! Candle 0.9 runs unary maps (such as `gelu_erf`) on one thread with a scalar `erff`/`tanhf`,
//! and its softmax with a scalar `expf`; on a 30-second window that is a large share of the
//! encoder's time. These kernels use a polynomial `exp` (relative error below
//! 1e-7 · (4 + |x|)) and Abramowitz & Stegun's `erf` (absolute error below 1.5e-7), split across
//! rayon's threads.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

const CHUNK: usize = 16 * 1024;

/// `exp(x)` for f32 by `2^(x·log2 e)`: rounding to an integer power and Cephes' `exp2f`
/// polynomial on the remainder in [-0.5, 0.5]. For |x| <= 87; inputs below -87 give about 1e-38
/// (not 0), inputs above 87 saturate.
#[inline(always)]
pub(crate) fn fast_exp(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23: adding and subtracting rounds to an integer
    let t = (x * std::f32::consts::LOG2_E).clamp(-126.0, 126.0);
    let n = (t + ROUND) - ROUND;
    let f = t - n;
    let p = ((((1.535_336_2e-4 * f + 1.339_887_4e-3) * f + 9.618_437e-3) * f + 5.550_332_5e-2) * f + 2.402_264_8e-1)
        * f
        + 6.931_472e-1;
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    (1.0 + f * p) * scale
}

/// GELU with the exact (erf) form Whisper was trained with.
#[inline(always)]
pub(crate) fn gelu_erf(x: f32) -> f32 {
    let z = x * std::f32::consts::FRAC_1_SQRT_2;
    let a = z.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152 + t * 1.061_405_4))));
    let erf = (1.0 - poly * fast_exp(-a * a)).copysign(z);
    0.5 * x * (1.0 + erf)
}

fn gelu_chunk(src: &[f32], dst: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX512F (checked just above).
        unsafe { gelu_chunk_avx512(src, dst) };
        return;
    }
    gelu_chunk_portable(src, dst);
}

#[inline(always)]
fn gelu_chunk_portable(src: &[f32], dst: &mut [f32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = gelu_erf(s);
    }
}

/// The same loop compiled for AVX512F, which the compiler vectorises 16 wide (the crate is built
/// for baseline x86-64, SSE2: 4 wide).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn gelu_chunk_avx512(src: &[f32], dst: &mut [f32]) {
    gelu_chunk_portable(src, dst);
}

fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else {
        candle_core::bail!("{op}: f32 expected");
    };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("{op}: input must be contiguous"),
    }
}

struct Gelu;

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "parallel-gelu-erf"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = contiguous_f32(storage, layout, self.name())?;
        let mut dst = vec![0f32; src.len()];
        dst.par_chunks_mut(CHUNK).zip(src.par_chunks(CHUNK)).for_each(|(d, s)| gelu_chunk(s, d));
        Ok((CpuStorage::F32(dst), layout.shape().clone()))
    }
}

struct SoftmaxLastDim;

impl CustomOp1 for SoftmaxLastDim {
    fn name(&self) -> &'static str {
        "parallel-softmax-last-dim"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = contiguous_f32(storage, layout, self.name())?;
        let row = layout.shape().dims().last().copied().unwrap_or(1).max(1);
        let mut dst = vec![0f32; src.len()];
        dst.par_chunks_mut(row).zip(src.par_chunks(row)).for_each(|(d, s)| softmax_row(s, d));
        Ok((CpuStorage::F32(dst), layout.shape().clone()))
    }
}

fn softmax_row(src: &[f32], dst: &mut [f32]) {
    let max = src.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = fast_exp(s - max);
    }
    let mut sums = [0f32; 8];
    let mut blocks = dst.chunks_exact(8);
    for block in &mut blocks {
        for (sum, &v) in sums.iter_mut().zip(block) {
            *sum += v;
        }
    }
    let total: f32 = sums.iter().sum::<f32>() + blocks.remainder().iter().sum::<f32>();
    let inverse = 1.0 / total;
    for d in dst.iter_mut() {
        *d *= inverse;
    }
}

/// Exact GELU of an f32 tensor (contiguous or not).
pub fn gelu(x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1_no_bwd(&Gelu)
}

/// Softmax over the last dimension of an f32 tensor.
pub fn softmax_last_dim(x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1_no_bwd(&SoftmaxLastDim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_is_accurate() {
        for i in -8700..=8700 {
            let x = i as f32 / 100.0;
            let (got, want) = (fast_exp(x) as f64, (x as f64).exp());
            assert!(
                (got - want).abs() <= 1e-7 * (4.0 + f64::from(x.abs())) * want + 1e-37,
                "exp({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn gelu_matches_the_erf_form() {
        // 0.5 x (1 + erf(x / sqrt 2)) at x = -3, -1, 0.5, 2 (Python's math.erf).
        let cases = [(-3.0f32, -0.004_049_694), (-1.0, -0.158_655_25), (0.5, 0.345_731_23), (2.0, 1.954_499_7)];
        for (x, want) in cases {
            assert!((gelu_erf(x) - want).abs() < 2e-6, "gelu({x}) = {} want {want}", gelu_erf(x));
        }
    }

    #[test]
    fn gelu_chunks_agree_on_every_path() {
        let src: Vec<f32> = (0..1000).map(|i| (i as f32 - 500.0) / 50.0).collect();
        let (mut fast, mut portable) = (vec![0f32; src.len()], vec![0f32; src.len()]);
        gelu_chunk(&src, &mut fast);
        gelu_chunk_portable(&src, &mut portable);
        for (a, b) in fast.iter().zip(&portable) {
            assert!((a - b).abs() <= 1e-6 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let x = Tensor::new(&[[1f32, 2.0, 3.0], [0.0, f32::NEG_INFINITY, 0.0]], &candle_core::Device::Cpu).unwrap();
        let y = softmax_last_dim(&x).unwrap().to_vec2::<f32>().unwrap();
        let e = [1f32.exp(), 2f32.exp(), 3f32.exp()];
        let total: f32 = e.iter().sum();
        for (got, want) in y[0].iter().zip(e.iter().map(|v| v / total)) {
            assert!((got - want).abs() < 1e-6);
        }
        assert!((y[1][0] - 0.5).abs() < 1e-6 && y[1][1] < 1e-30);
    }
}
