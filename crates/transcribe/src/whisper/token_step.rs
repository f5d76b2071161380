//! The decoder's single-token step in plain loops over 8-bit weights.
//!
//! After the prompt, every decoding step feeds one token: a row of `d` values goes through each
//! layer's matrices once. Through Candle that is about 40 small tensor operations per layer, each
//! with its own allocation and, for the matrix products, its own hand-off between threads; the
//! arithmetic is small. Here the step is a handful of loops: [`Int8Matrix`] products for the
//! weights, attention over a flat key/value cache, and the cross-attention over the window's
//! audio keys/values laid out frame by frame (split over rayon's threads by head).

use std::sync::Arc;

use rayon::prelude::*;

use crate::whisper::cpu_ops::{fast_exp, gelu_erf};
use crate::whisper::int8_matvec::Int8Matrix;

/// A layer norm's `weight` and `bias`.
pub struct Norm {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

impl Norm {
    #[inline(always)]
    fn apply(&self, x: &[f32], out: &mut [f32]) {
        let n = x.len() as f32;
        let mean = x.iter().sum::<f32>() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
        let inv = 1.0 / (var + 1e-5).sqrt();
        for (((o, &v), &w), &b) in out.iter_mut().zip(x).zip(&self.weight).zip(&self.bias) {
            *o = (v - mean) * inv * w + b;
        }
    }
}

/// An 8-bit weight matrix and its bias.
pub struct Dense {
    pub matrix: Int8Matrix,
    pub bias: Option<Vec<f32>>,
}

impl Dense {
    fn apply(&self, x: &[f32], out: &mut [f32]) {
        self.matrix.matvec(x, self.bias.as_deref(), out);
    }
}

/// One decoder layer's weights for the single-token step.
pub struct StepLayer {
    pub self_ln: Norm,
    pub self_q: Dense,
    pub self_k: Dense,
    pub self_v: Dense,
    pub self_out: Dense,
    pub cross_ln: Norm,
    pub cross_q: Dense,
    pub cross_out: Dense,
    pub final_ln: Norm,
    pub fc1: Dense,
    pub fc2: Dense,
}

/// The audio's cross-attention keys and values of one layer, `[head][frame][d_head]` each.
pub struct CrossKv {
    pub keys: Vec<f32>,
    pub values: Vec<f32>,
    pub frames: usize,
}

/// One layer's self-attention cache, `[position][d]` for keys and values (heads side by side).
#[derive(Clone, Default)]
pub struct SelfKv {
    pub keys: Vec<f32>,
    pub values: Vec<f32>,
}

/// The single-token decoder: its layers, the final norm, the head count.
pub struct TokenStep {
    pub layers: Vec<StepLayer>,
    pub ln: Norm,
    pub n_head: usize,
    pub d: usize,
}

/// Per-window state of the single-token step.
#[derive(Clone)]
pub struct StepState {
    pub cross: Arc<Vec<CrossKv>>,
    pub cache: Vec<SelfKv>,
}

impl TokenStep {
    /// Runs `x` (the token's embedding plus its position's, `[d]`) through the layers, appending
    /// to `state`'s caches, and returns the final layer norm's output. On x86-64 CPUs with AVX2
    /// and FMA (detected at run time) the loops are compiled for them.
    pub fn forward(&self, x: Vec<f32>, state: &mut StepState) -> Vec<f32> {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { self.forward_avx2_fma(x, state) };
        }
        self.forward_with(x, state)
    }

    /// [`Self::forward`] compiled for AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn forward_avx2_fma(&self, x: Vec<f32>, state: &mut StepState) -> Vec<f32> {
        self.forward_with(x, state)
    }

    #[inline(always)]
    fn forward_with(&self, mut x: Vec<f32>, state: &mut StepState) -> Vec<f32> {
        let d = self.d;
        let mut h = vec![0f32; d];
        let mut q = vec![0f32; d];
        let mut k = vec![0f32; d];
        let mut v = vec![0f32; d];
        let mut mixed = vec![0f32; d];
        let mut projected = vec![0f32; d];
        for ((layer, cache), cross) in self.layers.iter().zip(state.cache.iter_mut()).zip(state.cross.iter()) {
            layer.self_ln.apply(&x, &mut h);
            layer.self_q.apply(&h, &mut q);
            layer.self_k.apply(&h, &mut k);
            layer.self_v.apply(&h, &mut v);
            cache.keys.extend_from_slice(&k);
            cache.values.extend_from_slice(&v);
            self.attend_cache(&q, cache, &mut mixed);
            layer.self_out.apply(&mixed, &mut projected);
            add(&mut x, &projected);

            layer.cross_ln.apply(&x, &mut h);
            layer.cross_q.apply(&h, &mut q);
            self.attend_audio(&q, cross, &mut mixed);
            layer.cross_out.apply(&mixed, &mut projected);
            add(&mut x, &projected);

            layer.final_ln.apply(&x, &mut h);
            let mut hidden = vec![0f32; layer.fc1.matrix.rows()];
            layer.fc1.apply(&h, &mut hidden);
            hidden.iter_mut().for_each(|v| *v = gelu_erf(*v));
            layer.fc2.apply(&hidden, &mut projected);
            add(&mut x, &projected);
        }
        self.ln.apply(&x, &mut h);
        h
    }

    /// Self-attention of `q` over every cached position (the new one included).
    #[inline(always)]
    fn attend_cache(&self, q: &[f32], cache: &SelfKv, out: &mut [f32]) {
        let d = self.d;
        let d_head = d / self.n_head;
        let positions = cache.keys.len() / d;
        let scale = 1.0 / (d_head as f32).sqrt();
        let mut weights = vec![0f32; positions];
        for head in 0..self.n_head {
            let at = head * d_head;
            let qh = &q[at..at + d_head];
            for (p, w) in weights.iter_mut().enumerate() {
                *w = dot(qh, &cache.keys[p * d + at..p * d + at + d_head]) * scale;
            }
            softmax(&mut weights);
            let oh = &mut out[at..at + d_head];
            oh.fill(0.0);
            for (p, &w) in weights.iter().enumerate() {
                axpy(w, &cache.values[p * d + at..p * d + at + d_head], oh);
            }
        }
    }

    /// Cross-attention of `q` over the window's audio frames, heads in parallel.
    #[inline(always)]
    fn attend_audio(&self, q: &[f32], cross: &CrossKv, out: &mut [f32]) {
        let d_head = self.d / self.n_head;
        let scale = 1.0 / (d_head as f32).sqrt();
        let frames = cross.frames;
        out.par_chunks_mut(d_head).enumerate().for_each(|(head, oh)| {
            let qh = &q[head * d_head..(head + 1) * d_head];
            let keys = &cross.keys[head * frames * d_head..(head + 1) * frames * d_head];
            let values = &cross.values[head * frames * d_head..(head + 1) * frames * d_head];
            let mut weights: Vec<f32> = keys.chunks_exact(d_head).map(|key| dot(qh, key) * scale).collect();
            softmax(&mut weights);
            oh.fill(0.0);
            for (&w, value) in weights.iter().zip(values.chunks_exact(d_head)) {
                axpy(w, value, oh);
            }
        });
    }
}

#[inline(always)]
fn add(x: &mut [f32], y: &[f32]) {
    x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
}

/// `Σ a·b` over eight lanes, so that the compiler vectorises it.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ac.remainder().iter().zip(bc.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ac.zip(bc) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// `y += a · x`.
#[inline(always)]
fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    y.iter_mut().zip(x).for_each(|(y, x)| *y += a * x);
}

#[inline(always)]
fn softmax(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0f32;
    for x in v.iter_mut() {
        *x = fast_exp(*x - max);
        total += *x;
    }
    let inverse = 1.0 / total;
    v.iter_mut().for_each(|x| *x *= inverse);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_and_dot() {
        let mut v = vec![1.0, 2.0, 3.0];
        softmax(&mut v);
        let e: Vec<f32> = [1f32, 2.0, 3.0].iter().map(|x| x.exp()).collect();
        let total: f32 = e.iter().sum();
        for (a, b) in v.iter().zip(e.iter().map(|x| x / total)) {
            assert!((a - b).abs() < 1e-6);
        }
        let a: Vec<f32> = (0..13).map(|i| i as f32).collect();
        assert_eq!(dot(&a, &a), (0..13).map(|i| (i * i) as f32).sum::<f32>());
    }
}
