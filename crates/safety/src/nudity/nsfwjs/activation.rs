//! Activations a layer applies to its result.

use candle_core::Tensor;

/// What a layer applies to its result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Activation {
    Linear,
    /// `max(x, 0)`, capped at `max` when given (ReLU6: `Some(6.0)`).
    Relu {
        max: Option<f32>,
    },
    Softmax,
}

impl Activation {
    pub(crate) fn parse(name: &str) -> Result<Self, String> {
        match name {
            "linear" => Ok(Activation::Linear),
            "relu" => Ok(Activation::Relu { max: None }),
            "relu6" => Ok(Activation::Relu { max: Some(6.0) }),
            "softmax" => Ok(Activation::Softmax),
            other => Err(format!("activation {other:?} is not supported (linear, relu, relu6, softmax)")),
        }
    }

    /// In place, element-wise (not for softmax, which the builder keeps off such layers).
    pub(crate) fn apply_slice(&self, values: &mut [f32]) {
        if let Activation::Relu { max } = *self {
            let max = max.unwrap_or(f32::INFINITY);
            values.iter_mut().for_each(|v| *v = v.max(0.0).min(max));
        }
    }

    /// What is left to apply after an in-place element-wise pass: the softmax.
    pub(crate) fn apply_after(&self, x: Tensor) -> candle_core::Result<Tensor> {
        if *self == Activation::Softmax { self.apply(x) } else { Ok(x) }
    }

    pub(crate) fn apply(&self, x: Tensor) -> candle_core::Result<Tensor> {
        match *self {
            Activation::Linear => Ok(x),
            Activation::Relu { max: None } => x.relu(),
            Activation::Relu { max: Some(max) } => x.clamp(0f32, max),
            Activation::Softmax => {
                let last = x.rank() - 1;
                let exp = x.broadcast_sub(&x.max_keepdim(last)?)?.exp()?;
                exp.broadcast_div(&exp.sum_keepdim(last)?)
            }
        }
    }
}
