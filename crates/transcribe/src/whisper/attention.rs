//! Multi-head attention over Hugging Face Whisper weights (`q_proj`, `k_proj` without bias,
//! `v_proj`, `out_proj`), shared by the audio encoder and the text decoder.

use candle_core::{Module, Result, Tensor};
use candle_nn::{LayerNorm, VarBuilder};

use crate::whisper::cpu_ops::softmax_last_dim;
use crate::whisper::encoder_attention::{EncoderAttention, fused_attention};
use crate::whisper::encoder_op_times::{EncoderOpTimes, timed};
use crate::whisper::linear_weights::LinearWeights;

/// Queries per block when attending over long inputs.
const QUERY_BLOCK: usize = 200;

pub struct Attention {
    q: LinearWeights,
    k: LinearWeights,
    v: LinearWeights,
    out: LinearWeights,
    n_head: usize,
}

/// Keys and values of one attention, split into heads: keys transposed `[1, h, d_head, len]`,
/// values `[1, h, len, d_head]`.
#[derive(Clone)]
pub struct HeadsKv {
    pub keys_t: Tensor,
    pub values: Tensor,
}

impl Attention {
    pub fn load(n_state: usize, n_head: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            q: LinearWeights::F32(candle_nn::linear(n_state, n_state, vb.pp("q_proj"))?),
            k: LinearWeights::F32(candle_nn::linear_no_bias(n_state, n_state, vb.pp("k_proj"))?),
            v: LinearWeights::F32(candle_nn::linear(n_state, n_state, vb.pp("v_proj"))?),
            out: LinearWeights::F32(candle_nn::linear(n_state, n_state, vb.pp("out_proj"))?),
            n_head,
        })
    }

    /// The same attention with 8-bit projections ([`LinearWeights::into_int8`]).
    pub fn into_int8(self) -> Result<Self> {
        Ok(Self {
            q: self.q.into_int8()?,
            k: self.k.into_int8()?,
            v: self.v.into_int8()?,
            out: self.out.into_int8()?,
            n_head: self.n_head,
        })
    }

    /// The query, key, value and output projections.
    pub fn projections(&self) -> [&LinearWeights; 4] {
        [&self.q, &self.k, &self.v, &self.out]
    }

    pub fn n_head(&self) -> usize {
        self.n_head
    }

    /// `[1, len, d]` → `[1, h, len, d_head]`.
    fn heads(&self, x: &Tensor) -> Result<Tensor> {
        let (b, len, d) = x.dims3()?;
        x.reshape((b, len, self.n_head, d / self.n_head))?.transpose(1, 2)?.contiguous()
    }

    pub fn keys_values(&self, source: &Tensor) -> Result<HeadsKv> {
        let keys_t = self.heads(&self.k.forward(source)?)?.transpose(2, 3)?.contiguous()?;
        let values = self.heads(&self.v.forward(source)?)?;
        Ok(HeadsKv { keys_t, values })
    }

    pub fn attend(&self, x: &Tensor, kv: &HeadsKv, mask: Option<&Tensor>) -> Result<Tensor> {
        let (b, len, d) = x.dims3()?;
        let scale = 1.0 / ((d / self.n_head) as f64).sqrt();
        let q = (self.heads(&self.q.forward(x)?)? * scale)?;
        // Long inputs (the encoder's 1500 frames) go in blocks of queries, so that the score
        // matrix of a block stays small and its memory is reused.
        let mixed = if len > QUERY_BLOCK && mask.is_none() {
            let blocks = (0..len)
                .step_by(QUERY_BLOCK)
                .map(|start| {
                    let rows = QUERY_BLOCK.min(len - start);
                    Self::mix(&q.narrow(2, start, rows)?, kv, None)
                })
                .collect::<Result<Vec<_>>>()?;
            Tensor::cat(&blocks, 2)?
        } else {
            Self::mix(&q, kv, mask)?
        };
        let mixed = mixed.transpose(1, 2)?.reshape((b, len, d))?;
        self.out.forward(&mixed)
    }

    /// Self-attention of the audio encoder (no mask) over all of `x`'s frames, in blocks of
    /// queries as [`Self::attend`], with each step's time added to `times`.
    /// With [`EncoderAttention::Fused`] (where the CPU has it) one fused pass replaces the
    /// blocks.
    pub fn attend_frames(&self, x: &Tensor, kernel: EncoderAttention, times: &mut EncoderOpTimes) -> Result<Tensor> {
        let (b, len, d) = x.dims3()?;
        let scale = 1.0 / ((d / self.n_head) as f64).sqrt();
        let (q, k, v) = timed(&mut times.qkv_s, || Ok((self.q.forward(x)?, self.k.forward(x)?, self.v.forward(x)?)))?;
        if kernel == EncoderAttention::Fused {
            let fused = timed(&mut times.fused_attention_s, || fused_attention(&q, &k, &v, self.n_head))?;
            if let Some(mixed) = fused {
                return timed(&mut times.out_proj_s, || self.out.forward(&mixed));
            }
        }
        let (q, keys_t, values) = timed(&mut times.heads_s, || {
            Ok(((self.heads(&q)? * scale)?, self.heads(&k)?.transpose(2, 3)?.contiguous()?, self.heads(&v)?))
        })?;
        let mut blocks = Vec::with_capacity(len.div_ceil(QUERY_BLOCK));
        for start in (0..len).step_by(QUERY_BLOCK) {
            let rows = QUERY_BLOCK.min(len - start);
            let q = timed(&mut times.heads_s, || q.narrow(2, start, rows)?.contiguous())?;
            let scores = timed(&mut times.scores_s, || q.matmul(&keys_t))?;
            let weights = timed(&mut times.softmax_s, || softmax_last_dim(&scores))?;
            blocks.push(timed(&mut times.mix_s, || weights.matmul(&values))?);
        }
        let mixed = timed(&mut times.heads_s, || Tensor::cat(&blocks, 2)?.transpose(1, 2)?.reshape((b, len, d)))?;
        timed(&mut times.out_proj_s, || self.out.forward(&mixed))
    }

    /// `softmax(q · kᵀ + mask) · v` for scaled queries split into heads.
    fn mix(q: &Tensor, kv: &HeadsKv, mask: Option<&Tensor>) -> Result<Tensor> {
        let mut scores = q.contiguous()?.matmul(&kv.keys_t)?;
        if let Some(mask) = mask {
            scores = scores.broadcast_add(mask)?;
        }
        softmax_last_dim(&scores)?.matmul(&kv.values)
    }

    /// Scaled attention scores `q · kᵀ / √d_head` of `x` over `kv`, before the softmax:
    /// `[1, h, len, kv_len]`. Word alignment reads them for the alignment heads.
    pub fn scores(&self, x: &Tensor, kv: &HeadsKv) -> Result<Tensor> {
        let (_, _, d) = x.dims3()?;
        let scale = 1.0 / ((d / self.n_head) as f64).sqrt();
        let q = (self.heads(&self.q.forward(x)?)? * scale)?;
        q.contiguous()?.matmul(&kv.keys_t)
    }

    /// Self-attention over the cache plus `x`; appends `x`'s keys and values to the cache.
    pub fn attend_self(&self, x: &Tensor, cache: &mut Option<HeadsKv>, mask: Option<&Tensor>) -> Result<Tensor> {
        let new = self.keys_values(x)?;
        let kv = match cache.take() {
            None => new,
            Some(old) => HeadsKv {
                keys_t: Tensor::cat(&[&old.keys_t, &new.keys_t], 3)?,
                values: Tensor::cat(&[&old.values, &new.values], 2)?,
            },
        };
        let out = self.attend(x, &kv, mask)?;
        *cache = Some(kv);
        Ok(out)
    }
}

pub fn layer_norm(size: usize, vb: VarBuilder) -> Result<LayerNorm> {
    Ok(LayerNorm::new(vb.get(size, "weight")?, vb.get(size, "bias")?, 1e-5))
}
