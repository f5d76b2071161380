//! A linear layer's weights: Candle's `f32` [`Linear`], or 8 bits per weight for
//! [`int8_gemm`](crate::whisper::int8_gemm) (the audio encoder with
//! `CandleWhisperSettings::encoder_weights = Int8`).

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Module, Result, Shape, Tensor, bail};
use candle_nn::Linear;

use crate::whisper::int8_gemm::Int8Linear;

pub enum LinearWeights {
    F32(Linear),
    Int8(Int8Linear),
}

impl LinearWeights {
    /// The same layer with 8-bit weights (the `f32` ones are dropped).
    pub fn into_int8(self) -> Result<Self> {
        let Self::F32(linear) = self else {
            return Ok(self);
        };
        let (n, k) = linear.weight().dims2()?;
        let weights = linear.weight().to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
        let bias = linear.bias().map(|b| b.to_dtype(DType::F32)?.to_vec1::<f32>()).transpose()?;
        Ok(Self::Int8(Int8Linear::quantize(&weights, bias.as_deref(), n, k)?))
    }

    /// The `f32` layer, when the weights are kept in `f32`.
    pub fn f32(&self) -> Option<&Linear> {
        match self {
            Self::F32(linear) => Some(linear),
            Self::Int8(_) => None,
        }
    }
}

impl Module for LinearWeights {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Self::F32(linear) => linear.forward(x),
            Self::Int8(linear) => x.contiguous()?.apply_op1_no_bwd(&Int8Op(linear)),
        }
    }
}

/// `x · Wᵀ + b` over the last dimension of a contiguous `f32` tensor.
struct Int8Op<'a>(&'a Int8Linear);

impl CustomOp1 for Int8Op<'_> {
    fn name(&self) -> &'static str {
        "int8-linear"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(data) = storage else {
            bail!("int8 linear: f32 input expected");
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            bail!("int8 linear: input must be contiguous");
        };
        let mut dims = layout.shape().dims().to_vec();
        match dims.last_mut() {
            Some(last) if *last == self.0.in_features() => *last = self.0.out_features(),
            _ => bail!("int8 linear: input {:?}, {} features expected", layout.shape(), self.0.in_features()),
        }
        let x = &data[start..end];
        let mut out = vec![0f32; x.len() / self.0.in_features() * self.0.out_features()];
        self.0.forward(x, &mut out)?;
        Ok((CpuStorage::F32(out), Shape::from(dims)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn int8_layer_is_close_to_the_f32_layer() {
        let device = Device::Cpu;
        let w: Vec<f32> = (0..70 * 37).map(|i| ((i * 7919) % 101) as f32 / 101.0 - 0.5).collect();
        let b: Vec<f32> = (0..70).map(|i| i as f32 / 70.0).collect();
        let x: Vec<f32> = (0..2 * 5 * 37).map(|i| ((i * 104_729) % 97) as f32 / 97.0 - 0.5).collect();
        let linear = Linear::new(
            Tensor::from_vec(w, (70, 37), &device).unwrap(),
            Some(Tensor::from_vec(b, 70, &device).unwrap()),
        );
        let x = Tensor::from_vec(x, (2, 5, 37), &device).unwrap();
        let want = linear.forward(&x).unwrap();
        let int8 = LinearWeights::F32(linear).into_int8().unwrap();
        assert!(int8.f32().is_none());
        let got = int8.forward(&x).unwrap();
        assert_eq!(got.dims(), &[2, 5, 70]);
        let diff = (got - want).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff < 37.0 * 0.5 / 254.0 * 2.0, "largest difference {diff}");
        assert!(int8.forward(&Tensor::zeros((2, 36), DType::F32, &device).unwrap()).is_err());
    }
}
