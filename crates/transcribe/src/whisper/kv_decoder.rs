//! Whisper's text decoder with a key/value cache for self-attention and cross-attention.
//!
//! candle-transformers' `TextDecoder` caches only the cross-attention keys and values and
//! re-runs the whole token prefix at every step; here each step feeds one new token and the
//! vocabulary projection runs for the last position only (that projection is most of a step's
//! cost for tiny, see FACTS.md). The weights are the same Hugging Face names.

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use candle_transformers::models::whisper::Config;

use crate::whisper::attention::{Attention, HeadsKv, layer_norm};
use crate::whisper::int8_matvec::Int8Matrix;
use crate::whisper::linear_weights::LinearWeights;
use crate::whisper::token_step::{CrossKv, Dense, Norm, SelfKv, StepLayer, StepState, TokenStep};
use crate::whisper::vocab_projection::VocabProjection;

struct DecoderLayer {
    self_attn: Attention,
    self_attn_ln: LayerNorm,
    cross_attn: Attention,
    cross_attn_ln: LayerNorm,
    fc1: Linear,
    fc2: Linear,
    final_ln: LayerNorm,
}

impl DecoderLayer {
    fn load(cfg: &Config, vb: VarBuilder) -> Result<Self> {
        let (d, h) = (cfg.d_model, cfg.decoder_attention_heads);
        Ok(Self {
            self_attn: Attention::load(d, h, vb.pp("self_attn"))?,
            self_attn_ln: layer_norm(d, vb.pp("self_attn_layer_norm"))?,
            cross_attn: Attention::load(d, h, vb.pp("encoder_attn"))?,
            cross_attn_ln: layer_norm(d, vb.pp("encoder_attn_layer_norm"))?,
            fc1: candle_nn::linear(d, 4 * d, vb.pp("fc1"))?,
            fc2: candle_nn::linear(4 * d, d, vb.pp("fc2"))?,
            final_ln: layer_norm(d, vb.pp("final_layer_norm"))?,
        })
    }

    fn forward(&self, x: &Tensor, cache: &mut LayerCache, mask: Option<&Tensor>) -> Result<Tensor> {
        let h = self.self_attn_ln.forward(x)?;
        let x = (x + self.self_attn.attend_self(&h, &mut cache.self_kv, mask)?)?;
        self.after_self_attention(x, cache)
    }

    /// The cross-attention scores of the layer's heads (`[1, h, len, frames]`) and, when
    /// `with_output`, the layer's output.
    fn forward_with_cross_scores(
        &self,
        x: &Tensor,
        cache: &mut LayerCache,
        mask: Option<&Tensor>,
        with_output: bool,
    ) -> Result<(Option<Tensor>, Tensor)> {
        let h = self.self_attn_ln.forward(x)?;
        let x = (x + self.self_attn.attend_self(&h, &mut cache.self_kv, mask)?)?;
        let scores = self.cross_attn.scores(&self.cross_attn_ln.forward(&x)?, &cache.cross_kv)?;
        let output = if with_output { Some(self.after_self_attention(x, cache)?) } else { None };
        Ok((output, scores))
    }

    fn after_self_attention(&self, x: Tensor, cache: &LayerCache) -> Result<Tensor> {
        let h = self.cross_attn_ln.forward(&x)?;
        let x = (&x + self.cross_attn.attend(&h, &cache.cross_kv, None)?)?;
        let h = self.fc1.forward(&self.final_ln.forward(&x)?)?.apply(&crate::whisper::cpu_ops::gelu)?;
        &x + self.fc2.forward(&h)?
    }
}

/// How the decoding steps after the prompt run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightType {
    /// Through Candle with the `f32` weights, like the prompt.
    F32,
    /// [`TokenStep`]: plain loops over 8-bit copies of the layers' matrices (one `f32` scale per
    /// 32 values) with `f32` activations.
    Int8,
}

#[derive(Clone)]
struct LayerCache {
    self_kv: Option<HeadsKv>,
    cross_kv: HeadsKv,
}

/// The decoding state of one window: the audio's cross-attention keys/values per layer and the
/// self-attention cache of the tokens fed so far. Cloning is cheap (tensors are shared).
#[derive(Clone)]
pub struct DecoderState {
    layers: Vec<LayerCache>,
    position: usize,
    /// The single-token step's caches, when the decoder has one.
    step: Option<StepState>,
}

/// The text decoder: token and position embeddings, layers, final layer norm, projection.
pub struct KvDecoder {
    embed_tokens: Embedding,
    embed_positions: Tensor,
    layers: Vec<DecoderLayer>,
    ln: LayerNorm,
    projection: VocabProjection,
    max_positions: usize,
    step: Option<TokenStep>,
}

impl KvDecoder {
    /// Loads from `vb` at `model.decoder`; `embedding` is the token embedding matrix as stored
    /// (f16 in our converted folders: kept so, a row is widened when it is looked up),
    /// `projection` the tied vocabulary projection and `weights` how steps after the prompt run.
    pub fn load(
        cfg: &Config,
        vb: VarBuilder,
        embedding: Tensor,
        projection: VocabProjection,
        weights: WeightType,
    ) -> Result<Self> {
        let embed_tokens = Embedding::new(embedding, cfg.d_model);
        let embed_positions = vb.get((cfg.max_target_positions, cfg.d_model), "embed_positions.weight")?;
        let layers = (0..cfg.decoder_layers)
            .map(|i| DecoderLayer::load(cfg, vb.pp(format!("layers.{i}"))))
            .collect::<Result<Vec<_>>>()?;
        let ln = layer_norm(cfg.d_model, vb.pp("layer_norm"))?;
        let step = match weights {
            WeightType::F32 => None,
            WeightType::Int8 => Some(token_step(&layers, &ln, cfg.d_model)?),
        };
        let max_positions = cfg.max_target_positions;
        Ok(Self { embed_tokens, embed_positions, layers, ln, projection, max_positions, step })
    }

    /// Most tokens (prompt and sampled) one window can hold.
    pub fn max_positions(&self) -> usize {
        self.max_positions
    }

    /// A fresh state for the encoder output `audio` (`[1, frames, d]`).
    pub fn start(&self, audio: &Tensor) -> Result<DecoderState> {
        let layers = self
            .layers
            .iter()
            .map(|l| Ok(LayerCache { self_kv: None, cross_kv: l.cross_attn.keys_values(audio)? }))
            .collect::<Result<Vec<_>>>()?;
        let step = match &self.step {
            None => None,
            Some(_) => {
                let cross = layers.iter().map(|l| cross_kv_frames(&l.cross_kv)).collect::<Result<Vec<_>>>()?;
                Some(StepState { cross: std::sync::Arc::new(cross), cache: vec![SelfKv::default(); layers.len()] })
            }
        };
        Ok(DecoderState { layers, position: 0, step })
    }

    /// Feeds `tokens` after those already in `state` and returns the logits of the last one.
    /// With a single-token step, only a first pass of several tokens goes through Candle; the
    /// rest goes token by token through the step.
    pub fn forward(&self, tokens: &[u32], state: &mut DecoderState) -> Result<Vec<f32>> {
        let (offset, n) = (state.position, tokens.len());
        if offset + n > self.max_positions {
            candle_core::bail!("decoder context is {} tokens; asked for {}", self.max_positions, offset + n);
        }
        if let (Some(step), Some(step_state)) = (&self.step, state.step.as_mut())
            && (offset > 0 || n == 1)
        {
            let mut last = Vec::new();
            for (i, &token) in tokens.iter().enumerate() {
                let x = self.embedded(token, offset + i)?;
                last = step.forward(x, step_state);
            }
            state.position += n;
            return self.projection.logits_row(&last);
        }
        let device = self.embed_positions.device();
        let ids = Tensor::new(tokens, device)?.unsqueeze(0)?;
        let positions = self.embed_positions.narrow(0, offset, n)?;
        let mut x = self.embed_tokens.forward(&ids)?.to_dtype(DType::F32)?.broadcast_add(&positions)?;
        let mask = if n > 1 { Some(causal_mask(n, offset, device)?) } else { None };
        for (layer, cache) in self.layers.iter().zip(state.layers.iter_mut()) {
            x = layer.forward(&x, cache, mask.as_ref())?;
        }
        state.position += n;
        if let Some(step_state) = state.step.as_mut() {
            for (cache, layer) in step_state.cache.iter_mut().zip(&state.layers) {
                *cache = self_kv_rows(layer.self_kv.as_ref())?;
            }
        }
        let last = self.ln.forward(&x.narrow(1, n - 1, 1)?)?.squeeze(0)?;
        self.projection.logits(&last)?.squeeze(0)?.to_dtype(DType::F32)?.to_vec1::<f32>()
    }

    /// Feeds all of `tokens` at once into a fresh `state` (teacher forcing) and returns the
    /// cross-attention scores (before the softmax) of `heads`, `[layer, head]` pairs:
    /// `[heads.len(), tokens.len(), frames]`. Layers after the last one named are not run, and
    /// no logits are computed.
    pub fn cross_attention_scores(
        &self,
        tokens: &[u32],
        mut state: DecoderState,
        heads: &[(usize, usize)],
    ) -> Result<Tensor> {
        let n = tokens.len();
        if state.position != 0 || n == 0 || n > self.max_positions {
            candle_core::bail!("alignment needs a fresh state and 1 to {} tokens, got {n}", self.max_positions);
        }
        let Some(last_layer) = heads.iter().map(|&(layer, _)| layer).max() else {
            candle_core::bail!("no alignment heads");
        };
        if last_layer >= self.layers.len() {
            candle_core::bail!("alignment head in layer {last_layer}; the decoder has {}", self.layers.len());
        }
        let device = self.embed_positions.device();
        let ids = Tensor::new(tokens, device)?.unsqueeze(0)?;
        let embedded = self.embed_tokens.forward(&ids)?.to_dtype(DType::F32)?;
        let mut x = embedded.broadcast_add(&self.embed_positions.narrow(0, 0, n)?)?;
        let mask = causal_mask(n, 0, device)?;
        let mut per_layer = Vec::with_capacity(last_layer + 1);
        for (i, (layer, cache)) in self.layers.iter().zip(state.layers.iter_mut()).take(last_layer + 1).enumerate() {
            let (out, scores) = layer.forward_with_cross_scores(&x, cache, Some(&mask), i < last_layer)?;
            per_layer.push(scores.squeeze(0)?);
            if let Some(out) = out {
                x = out;
            }
        }
        let selected = heads.iter().map(|&(layer, head)| per_layer[layer].get(head)).collect::<Result<Vec<_>>>()?;
        Tensor::stack(&selected, 0)
    }
}

impl KvDecoder {
    /// The token's embedding plus its position's, `[d]`.
    fn embedded(&self, token: u32, position: usize) -> Result<Vec<f32>> {
        let token = self.embed_tokens.embeddings().get(token as usize)?.to_dtype(DType::F32)?;
        (token + self.embed_positions.get(position)?)?.to_vec1::<f32>()
    }
}

/// 8-bit copies of the layers' per-token matrices, and their norms, for [`TokenStep`].
fn token_step(layers: &[DecoderLayer], ln: &LayerNorm, d: usize) -> Result<TokenStep> {
    let step_layers = layers
        .iter()
        .map(|l| {
            let [self_q, self_k, self_v, self_out] = l.self_attn.projections().map(dense_weights);
            let [cross_q, _, _, cross_out] = l.cross_attn.projections();
            let (cross_q, cross_out) = (dense_weights(cross_q), dense_weights(cross_out));
            Ok(StepLayer {
                self_ln: norm(&l.self_attn_ln)?,
                self_q: self_q?,
                self_k: self_k?,
                self_v: self_v?,
                self_out: self_out?,
                cross_ln: norm(&l.cross_attn_ln)?,
                cross_q: cross_q?,
                cross_out: cross_out?,
                final_ln: norm(&l.final_ln)?,
                fc1: dense(&l.fc1)?,
                fc2: dense(&l.fc2)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let n_head = layers.first().map_or(1, |l| l.self_attn.n_head());
    Ok(TokenStep { layers: step_layers, ln: norm(ln)?, n_head, d })
}

fn to_vec(t: &Tensor) -> Result<Vec<f32>> {
    t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()
}

fn dense_weights(weights: &LinearWeights) -> Result<Dense> {
    match weights.f32() {
        Some(linear) => dense(linear),
        None => candle_core::bail!("decoder step: f32 projections expected"),
    }
}

fn dense(linear: &Linear) -> Result<Dense> {
    let (rows, cols) = linear.weight().dims2()?;
    let matrix = Int8Matrix::quantize(&to_vec(linear.weight())?, rows, cols).map_err(candle_core::Error::Msg)?;
    Ok(Dense { matrix, bias: linear.bias().map(to_vec).transpose()? })
}

fn norm(ln: &LayerNorm) -> Result<Norm> {
    let weight = to_vec(ln.weight())?;
    let bias = match ln.bias() {
        Some(b) => to_vec(b)?,
        None => vec![0.0; weight.len()],
    };
    Ok(Norm { weight, bias })
}

/// Cross-attention keys (`[1, h, d_head, frames]`) and values (`[1, h, frames, d_head]`) as
/// `[head][frame][d_head]`.
fn cross_kv_frames(kv: &HeadsKv) -> Result<CrossKv> {
    let frames = kv.values.dim(2)?;
    let keys = to_vec(&kv.keys_t.transpose(2, 3)?.contiguous()?)?;
    Ok(CrossKv { keys, values: to_vec(&kv.values)?, frames })
}

/// A Candle self-attention cache as `[position][d]` rows (heads side by side).
fn self_kv_rows(kv: Option<&HeadsKv>) -> Result<SelfKv> {
    let Some(kv) = kv else {
        return Ok(SelfKv::default());
    };
    // keys_t [1, h, d_head, len] → [len, h, d_head]; values [1, h, len, d_head] → [len, h, d_head]
    let keys = to_vec(&kv.keys_t.squeeze(0)?.permute((2, 0, 1))?.contiguous()?)?;
    let values = to_vec(&kv.values.squeeze(0)?.transpose(0, 1)?.contiguous()?)?;
    Ok(SelfKv { keys, values })
}

/// `[n, offset + n]`: new token `i` sees keys up to position `offset + i`.
fn causal_mask(n: usize, offset: usize, device: &Device) -> Result<Tensor> {
    let total = offset + n;
    let mask: Vec<f32> =
        (0..n).flat_map(|i| (0..total).map(move |j| if j > offset + i { f32::NEG_INFINITY } else { 0.0 })).collect();
    Tensor::from_vec(mask, (n, total), device)
}
