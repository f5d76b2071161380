//! The tied vocabulary projection (hidden state → logits), kept in a compact type.
//!
//! For tiny it is 384 × 51864 and most of a decoding step's time: one step reads the whole
//! matrix for one row of output, so the step is memory-bound and a smaller type is faster.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Module, Result, Tensor};

use crate::whisper::int8_matvec::Int8Matrix;

/// Rows converted at a time when building the 8-bit projection.
const LOAD_ROWS: usize = 2048;

/// How the projection's weights are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectionType {
    F32,
    F16,
    /// GGML Q8_0 through Candle: 8-bit values with one f16 scale per 32, and the hidden state
    /// rounded to 8 bits too; slower than F16 here, and it changed words on the race.
    Q8,
    /// 8-bit values with one f32 scale per 32 and an f32 hidden state ([`Int8Matrix`]): half the
    /// bytes of F16 per decoding step.
    Int8,
}

/// `hidden [n, d] → logits [n, vocab]` with the token embedding matrix as weights.
pub enum VocabProjection {
    Dense(Tensor),
    Quantized(QMatMul),
    Int8(Int8Matrix),
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
            ProjectionType::Int8 => {
                // A slice of rows at a time: the whole matrix in f32 would add 80 MB (tiny) to the
                // peak memory while loading.
                let (vocab, d) = embedding.dims2()?;
                let mut matrix = Int8Matrix::quantize(&[], 0, d).map_err(candle_core::Error::Msg)?;
                for start in (0..vocab).step_by(LOAD_ROWS) {
                    let rows = embedding.narrow(0, start, LOAD_ROWS.min(vocab - start))?;
                    let weights = rows.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
                    matrix.append(&weights).map_err(candle_core::Error::Msg)?;
                }
                Self::Int8(matrix)
            }
        })
    }

    /// Logits of one hidden state (`[d]`).
    pub fn logits_row(&self, hidden: &[f32]) -> Result<Vec<f32>> {
        match self {
            Self::Int8(m) => {
                let mut logits = vec![0f32; m.rows()];
                m.matvec(hidden, None, &mut logits);
                Ok(logits)
            }
            _ => {
                let row = Tensor::from_slice(hidden, (1, hidden.len()), &candle_core::Device::Cpu)?;
                self.logits(&row)?.squeeze(0)?.to_vec1::<f32>()
            }
        }
    }

    /// Logits for each row of `hidden` (`[n, d]`, f32), as f32.
    pub fn logits(&self, hidden: &Tensor) -> Result<Tensor> {
        match self {
            Self::Dense(w) => hidden.to_dtype(w.dtype())?.matmul(&w.t()?)?.to_dtype(DType::F32),
            Self::Quantized(q) => q.forward(hidden),
            Self::Int8(m) => {
                let (n, d) = hidden.dims2()?;
                let rows = hidden.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
                let mut logits = vec![0f32; n * m.rows()];
                for (row, out) in rows.chunks_exact(d).zip(logits.chunks_exact_mut(m.rows())) {
                    m.matvec(row, None, out);
                }
                Tensor::from_vec(logits, (n, m.rows()), hidden.device())
            }
        }
    }
}
