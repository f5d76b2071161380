//! The tied vocabulary projection (hidden state → logits), kept in a compact type.
//!
//! For tiny it is 384 × 51864 and most of a decoding step's time: one step reads the whole
//! matrix for one row of output, so the step is memory-bound and a smaller type is faster.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Module, Result, Tensor};

/// How the projection's weights are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectionType {
    F32,
    F16,
    /// GGML Q8_0: 8-bit values with one f16 scale per 32; logits within about 1e-2 of f32.
    Q8,
}

/// `hidden [n, d] → logits [n, vocab]` with the token embedding matrix as weights.
pub enum VocabProjection {
    Dense(Tensor),
    Quantized(QMatMul),
}

impl VocabProjection {
    /// Builds the projection from the embedding matrix `[vocab, d]` (any float type).
    pub fn new(embedding: &Tensor, kind: ProjectionType) -> Result<Self> {
        Ok(match kind {
            ProjectionType::F32 => Self::Dense(embedding.to_dtype(DType::F32)?),
            ProjectionType::F16 => Self::Dense(embedding.to_dtype(DType::F16)?),
            ProjectionType::Q8 => {
                let q = QTensor::quantize(&embedding.to_dtype(DType::F32)?, GgmlDType::Q8_0)?;
                Self::Quantized(QMatMul::from_qtensor(q)?)
            }
        })
    }

    /// Logits for each row of `hidden` (`[n, d]`, f32), as f32.
    pub fn logits(&self, hidden: &Tensor) -> Result<Tensor> {
        match self {
            Self::Dense(w) => hidden.to_dtype(w.dtype())?.matmul(&w.t()?)?.to_dtype(DType::F32),
            Self::Quantized(q) => q.forward(hidden),
        }
    }
}
