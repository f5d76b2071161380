//! Bias add and activation applied in place to a matrix product's result (one pass,
//! no new tensor), for convolutions and dense layers.

use candle_core::{CpuStorage, InplaceOp1, Layout};

use super::activation::Activation;

pub(crate) struct BiasActivation {
    /// One value per output channel (the last dimension).
    pub bias: Vec<f32>,
    /// Linear or ReLU; softmax is applied after this op.
    pub activation: Activation,
}

impl InplaceOp1 for BiasActivation {
    fn name(&self) -> &'static str {
        "bias-activation"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        let CpuStorage::F32(data) = storage else { candle_core::bail!("bias-activation expects f32") };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("bias-activation expects a contiguous tensor")
        };
        let channels = self.bias.len();
        if layout.dims().last() != Some(&channels) {
            candle_core::bail!("bias of {channels} values cannot be added to shape {:?}", layout.dims())
        }
        let activation = if self.activation == Activation::Softmax { Activation::Linear } else { self.activation };
        for row in data[start..end].chunks_exact_mut(channels) {
            for (v, b) in row.iter_mut().zip(&self.bias) {
                *v += b;
            }
            activation.apply_slice(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    #[test]
    fn adds_the_bias_per_channel_and_caps_at_six() {
        let x = Tensor::new(&[[1f32, -5.0], [4.0, 2.0]], &Device::Cpu).unwrap();
        let op = BiasActivation { bias: vec![3.0, 1.0], activation: Activation::Relu { max: Some(6.0) } };
        x.inplace_op1(&op).unwrap();
        assert_eq!(x.to_vec2::<f32>().unwrap(), vec![vec![4.0, 0.0], vec![6.0, 3.0]]);
    }
}
