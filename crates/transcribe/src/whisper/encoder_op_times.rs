//! Where one audio-encoder pass spends its time, per kind of operation (wall-clock seconds,
//! summed over the layers). `CandleWhisper::bench_encode_timed` fills it; the clock reads cost
//! nothing next to the operations they time.

use std::time::Instant;

#[derive(Clone, Debug, Default)]
pub struct EncoderOpTimes {
    /// The two convolutions and their GELUs, and the position embedding.
    pub conv_s: f64,
    pub layer_norm_s: f64,
    /// Query, key and value projections.
    pub qkv_s: f64,
    /// Splitting into heads, scaling, joining the heads back (copies).
    pub heads_s: f64,
    /// `q · kᵀ` per block of queries.
    pub scores_s: f64,
    pub softmax_s: f64,
    /// `softmax · v` per block of queries.
    pub mix_s: f64,
    /// Scores, softmax and `· v` in one fused pass (`EncoderAttention::Fused`).
    pub fused_attention_s: f64,
    pub out_proj_s: f64,
    pub fc1_s: f64,
    pub gelu_s: f64,
    pub fc2_s: f64,
    /// Residual additions.
    pub residual_s: f64,
}

impl EncoderOpTimes {
    /// `(name, seconds)` for each kind, in the order of a layer.
    pub fn parts(&self) -> [(&'static str, f64); 13] {
        [
            ("conv stem", self.conv_s),
            ("layer norms", self.layer_norm_s),
            ("q/k/v linears", self.qkv_s),
            ("head split/join", self.heads_s),
            ("q·kᵀ", self.scores_s),
            ("softmax", self.softmax_s),
            ("scores·v", self.mix_s),
            ("fused attention", self.fused_attention_s),
            ("out linear", self.out_proj_s),
            ("fc1", self.fc1_s),
            ("gelu", self.gelu_s),
            ("fc2", self.fc2_s),
            ("residual adds", self.residual_s),
        ]
    }

    pub fn total_s(&self) -> f64 {
        self.parts().iter().map(|(_, s)| s).sum()
    }
}

/// Runs `f`, adding its wall-clock time to `slot`.
pub fn timed<T>(slot: &mut f64, f: impl FnOnce() -> candle_core::Result<T>) -> candle_core::Result<T> {
    let started = Instant::now();
    let result = f();
    *slot += started.elapsed().as_secs_f64();
    result
}
