//! Whisper's text decoder with a key/value cache for self-attention and cross-attention.
//!
//! candle-transformers' `TextDecoder` caches only the cross-attention keys and values and
//! re-runs the whole token prefix at every step; here each step feeds one new token and the
//! vocabulary projection runs for the last position only (that projection is most of a step's
//! cost for tiny, see FACTS.md). The weights are the same Hugging Face names.

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use candle_transformers::models::whisper::Config;

use crate::attention::{Attention, HeadsKv, layer_norm};
use crate::vocab_projection::VocabProjection;

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
        let h = self.fc1.forward(&self.final_ln.forward(&x)?)?.apply(&crate::cpu_ops::gelu)?;
        &x + self.fc2.forward(&h)?
    }
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
}

/// The text decoder: token and position embeddings, layers, final layer norm, projection.
pub struct KvDecoder {
    embed_tokens: Embedding,
    embed_positions: Tensor,
    layers: Vec<DecoderLayer>,
    ln: LayerNorm,
    projection: VocabProjection,
    max_positions: usize,
}

impl KvDecoder {
    /// Loads from `vb` at `model.decoder`; `projection` is the tied vocabulary projection.
    pub fn load(cfg: &Config, vb: VarBuilder, projection: VocabProjection) -> Result<Self> {
        let embed_tokens = candle_nn::embedding(cfg.vocab_size, cfg.d_model, vb.pp("embed_tokens"))?;
        let embed_positions = vb.get((cfg.max_target_positions, cfg.d_model), "embed_positions.weight")?;
        let layers = (0..cfg.decoder_layers)
            .map(|i| DecoderLayer::load(cfg, vb.pp(format!("layers.{i}"))))
            .collect::<Result<Vec<_>>>()?;
        let ln = layer_norm(cfg.d_model, vb.pp("layer_norm"))?;
        Ok(Self { embed_tokens, embed_positions, layers, ln, projection, max_positions: cfg.max_target_positions })
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
        Ok(DecoderState { layers, position: 0 })
    }

    /// Feeds `tokens` after those already in `state` and returns the logits of the last one.
    pub fn forward(&self, tokens: &[u32], state: &mut DecoderState) -> Result<Vec<f32>> {
        let (offset, n) = (state.position, tokens.len());
        if offset + n > self.max_positions {
            candle_core::bail!("decoder context is {} tokens; asked for {}", self.max_positions, offset + n);
        }
        let device = self.embed_positions.device();
        let ids = Tensor::new(tokens, device)?.unsqueeze(0)?;
        let positions = self.embed_positions.narrow(0, offset, n)?;
        let mut x = self.embed_tokens.forward(&ids)?.broadcast_add(&positions)?;
        let mask = if n > 1 { Some(causal_mask(n, offset, device)?) } else { None };
        for (layer, cache) in self.layers.iter().zip(state.layers.iter_mut()) {
            x = layer.forward(&x, cache, mask.as_ref())?;
        }
        state.position += n;
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
        let mut x = self.embed_tokens.forward(&ids)?.broadcast_add(&self.embed_positions.narrow(0, 0, n)?)?;
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

/// `[n, offset + n]`: new token `i` sees keys up to position `offset + i`.
fn causal_mask(n: usize, offset: usize, device: &Device) -> Result<Tensor> {
    let total = offset + n;
    let mask: Vec<f32> =
        (0..n).flat_map(|i| (0..total).map(move |j| if j > offset + i { f32::NEG_INFINITY } else { 0.0 })).collect();
    Tensor::from_vec(mask, (n, total), device)
}
