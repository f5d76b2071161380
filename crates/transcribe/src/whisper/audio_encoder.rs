//! Whisper's audio encoder over Hugging Face weights (`model.encoder.*`): two GELU convolutions
//! (the second with stride 2), the stored position embeddings, pre-norm transformer layers and a
//! final layer norm. Same computation as candle-transformers' `AudioEncoder`, but with the exact
//! (erf) GELU and the multi-threaded kernels of `cpu_ops`, which make it several times faster
//! on a 30-second window here. With [`WeightType::Int8`] the attention projections run over 8-bit
//! weights and activations (`int8_gemm`, decision 030); `fc1` and `fc2` stay `f32`.

use candle_core::{Module, Result, Tensor};
use candle_nn::{Conv1d, Conv1dConfig, LayerNorm, VarBuilder};
use candle_transformers::models::whisper::Config;

use crate::whisper::attention::{Attention, layer_norm};
use crate::whisper::cpu_ops::gelu;
use crate::whisper::encoder_attention::EncoderAttention;
use crate::whisper::encoder_op_times::{EncoderOpTimes, timed};
use crate::whisper::kv_decoder::WeightType;
use crate::whisper::linear_weights::LinearWeights;

struct EncoderLayer {
    attn: Attention,
    attn_ln: LayerNorm,
    fc1: LinearWeights,
    fc2: LinearWeights,
    final_ln: LayerNorm,
}

impl EncoderLayer {
    fn load(cfg: &Config, vb: VarBuilder, weights: WeightType) -> Result<Self> {
        let (d, h) = (cfg.d_model, cfg.encoder_attention_heads);
        let layer = Self {
            attn: Attention::load(d, h, vb.pp("self_attn"))?,
            attn_ln: layer_norm(d, vb.pp("self_attn_layer_norm"))?,
            fc1: LinearWeights::F32(candle_nn::linear(d, 4 * d, vb.pp("fc1"))?),
            fc2: LinearWeights::F32(candle_nn::linear(4 * d, d, vb.pp("fc2"))?),
            final_ln: layer_norm(d, vb.pp("final_layer_norm"))?,
        };
        match weights {
            WeightType::F32 => Ok(layer),
            WeightType::Int8 => Ok(Self {
                // fc1 and fc2 stay f32: each in 8 bits cost tiny.en WER on `ten-minutes.wav` or
                // the race's crosstalk track (decision 030).
                attn: layer.attn.into_int8()?,
                ..layer
            }),
        }
    }

    fn forward(&self, x: &Tensor, attention: EncoderAttention, times: &mut EncoderOpTimes) -> Result<Tensor> {
        let h = timed(&mut times.layer_norm_s, || self.attn_ln.forward(x))?;
        let attended = self.attn.attend_frames(&h, attention, times)?;
        let x = timed(&mut times.residual_s, || x + attended)?;
        let h = timed(&mut times.layer_norm_s, || self.final_ln.forward(&x))?;
        let h = timed(&mut times.fc1_s, || self.fc1.forward(&h))?;
        let h = timed(&mut times.gelu_s, || gelu(&h))?;
        let h = timed(&mut times.fc2_s, || self.fc2.forward(&h))?;
        timed(&mut times.residual_s, || &x + h)
    }
}

pub struct AudioEncoder {
    conv1: Conv1d,
    conv2: Conv1d,
    embed_positions: Tensor,
    layers: Vec<EncoderLayer>,
    ln: LayerNorm,
    attention: EncoderAttention,
}

fn conv1d(in_channels: usize, out_channels: usize, stride: usize, vb: VarBuilder) -> Result<Conv1d> {
    let weight = vb.get((out_channels, in_channels, 3), "weight")?;
    let bias = vb.get(out_channels, "bias")?;
    let config = Conv1dConfig { padding: 1, stride, dilation: 1, groups: 1, cudnn_fwd_algo: None };
    Ok(Conv1d::new(weight, Some(bias), config))
}

impl AudioEncoder {
    /// Loads from `vb` at `model.encoder`; the layers' linears stored as `weights` says.
    pub fn load(cfg: &Config, vb: VarBuilder, weights: WeightType, attention: EncoderAttention) -> Result<Self> {
        let d = cfg.d_model;
        Ok(Self {
            conv1: conv1d(cfg.num_mel_bins, d, 1, vb.pp("conv1"))?,
            conv2: conv1d(d, d, 2, vb.pp("conv2"))?,
            embed_positions: vb.get((cfg.max_source_positions, d), "embed_positions.weight")?,
            layers: (0..cfg.encoder_layers)
                .map(|i| EncoderLayer::load(cfg, vb.pp(format!("layers.{i}")), weights))
                .collect::<Result<Vec<_>>>()?,
            ln: layer_norm(d, vb.pp("layer_norm"))?,
            attention,
        })
    }

    /// `mel [1, n_mels, 3000]` → audio features `[1, 1500, d]`.
    pub fn forward(&self, mel: &Tensor) -> Result<Tensor> {
        self.forward_timed(mel, &mut EncoderOpTimes::default())
    }

    /// [`Self::forward`], adding each kind of operation's time to `times`.
    pub fn forward_timed(&self, mel: &Tensor, times: &mut EncoderOpTimes) -> Result<Tensor> {
        let mut x = timed(&mut times.conv_s, || {
            let x = gelu(&self.conv1.forward(mel)?)?;
            let x = gelu(&self.conv2.forward(&x)?)?;
            let x = x.transpose(1, 2)?;
            let frames = x.dim(1)?;
            x.broadcast_add(&self.embed_positions.narrow(0, 0, frames)?)
        })?;
        for layer in &self.layers {
            x = layer.forward(&x, self.attention, times)?;
        }
        timed(&mut times.layer_norm_s, || self.ln.forward(&x))
    }
}
