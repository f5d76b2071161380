//! Running the graph: one Candle op (or a few) per step, on HWC tensors.

use candle_core::Tensor;

use super::bias_activation::BiasActivation;
use super::config::Padding;
use super::graph::{Graph, Op};
use super::hwc_window::output_and_pad;
use super::im2col::Im2Col;

impl Graph {
    /// Runs the graph on one HWC image; returns the output as a flat vector.
    pub(crate) fn run(&self, image: Tensor) -> Result<Vec<f32>, String> {
        let mut values: Vec<Option<Tensor>> = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            let input =
                |i: usize| values[step.inputs[i]].clone().ok_or_else(|| candle_core::Error::Msg("input freed".into()));
            let out = match &step.op {
                Op::Input => Ok(image.clone()),
                Op::Identity => input(0),
                Op::Pad { rows, cols } => {
                    input(0).and_then(|x| x.pad_with_zeros(0, rows[0], rows[1])?.pad_with_zeros(1, cols[0], cols[1]))
                }
                Op::Conv { weight, patches, output } => {
                    input(0).and_then(|x| conv2d(&x, weight, patches.as_ref(), output))
                }
                Op::Depthwise(op) => input(0).and_then(|x| x.apply_op1_no_bwd(op)),
                Op::Affine { scale, shift } => input(0).and_then(|x| x.broadcast_mul(scale)?.broadcast_add(shift)),
                Op::Activation(act) => input(0).and_then(|x| act.apply(x)),
                Op::Add => {
                    input(0).and_then(|first| (1..step.inputs.len()).try_fold(first, |sum, i| sum.add(&input(i)?)))
                }
                Op::AveragePool { pool_size, strides } => input(0).and_then(|x| average_pool(&x, *pool_size, *strides)),
                Op::Flatten => input(0).and_then(|x| x.flatten_all()?.unsqueeze(0)),
                Op::Dense { weight, output } => input(0).and_then(|x| {
                    let y = x.matmul(weight)?;
                    y.inplace_op1(output)?;
                    output.activation.apply_after(y)
                }),
            };
            values.push(Some(out.map_err(|e| format!("layer `{}`: {e}", step.name))?));
            for &done in &step.release {
                values[done] = None;
            }
        }
        let output = values[self.output].take().ok_or("no output")?;
        output.flatten_all().and_then(|t| t.to_vec1::<f32>()).map_err(|e| e.to_string())
    }
}

/// Rows `start, start + stride, …` (`count` of them) along `dim` of an HWC tensor.
fn strided(x: &Tensor, dim: usize, start: usize, stride: usize, count: usize) -> candle_core::Result<Tensor> {
    let x = x.narrow(dim, start, stride * count)?;
    if stride == 1 {
        return Ok(x);
    }
    let mut shape = x.dims().to_vec();
    shape[dim] = count;
    shape.insert(dim + 1, stride);
    x.contiguous()?.reshape(shape)?.narrow(dim + 1, 0, 1)?.squeeze(dim + 1)
}

/// Zero-pads an HWC tensor so that every tap `strided` takes is in range.
fn pad_for_taps(
    x: &Tensor,
    kernel: [usize; 2],
    strides: [usize; 2],
    out: [usize; 2],
    pad: [usize; 2],
) -> candle_core::Result<Tensor> {
    let (h, w) = (x.dim(0)?, x.dim(1)?);
    let need_h = kernel[0] - 1 + strides[0] * out[0];
    let need_w = kernel[1] - 1 + strides[1] * out[1];
    x.pad_with_zeros(0, pad[0], need_h.saturating_sub(pad[0] + h))?.pad_with_zeros(
        1,
        pad[1],
        need_w.saturating_sub(pad[1] + w),
    )
}

/// Convolution as one matrix product: 1×1 stride-1 kernels multiply the pixels directly,
/// larger ones gather their patches first (im2col); bias and activation in place.
fn conv2d(
    x: &Tensor,
    weight: &Tensor,
    patches: Option<&Im2Col>,
    output: &BiasActivation,
) -> candle_core::Result<Tensor> {
    let (h, w, c) = x.dims3()?;
    let (rows, out_h, out_w) = match patches {
        None => (x.reshape((h * w, c))?, h, w),
        Some(op) => {
            let (out_h, _) = output_and_pad(h, op.kernel_size[0], op.strides[0], op.padding);
            let (out_w, _) = output_and_pad(w, op.kernel_size[1], op.strides[1], op.padding);
            (x.apply_op1_no_bwd(op)?, out_h, out_w)
        }
    };
    let y = rows.matmul(weight)?;
    y.inplace_op1(output)?;
    output.activation.apply_after(y)?.reshape((out_h, out_w, weight.dim(1)?))
}

/// Average over `pool_size` windows, 'valid' padding.
fn average_pool(x: &Tensor, pool_size: [usize; 2], strides: [usize; 2]) -> candle_core::Result<Tensor> {
    let (h, w, _) = x.dims3()?;
    let (out_h, _) = output_and_pad(h, pool_size[0], strides[0], Padding::Valid);
    let (out_w, _) = output_and_pad(w, pool_size[1], strides[1], Padding::Valid);
    let x = pad_for_taps(x, pool_size, strides, [out_h, out_w], [0, 0])?;
    let mut sum: Option<Tensor> = None;
    for ky in 0..pool_size[0] {
        let rows = strided(&x, 0, ky, strides[0], out_h)?;
        for kx in 0..pool_size[1] {
            let tap = strided(&rows, 1, kx, strides[1], out_w)?;
            sum = Some(match sum {
                None => tap,
                Some(s) => (s + tap)?,
            });
        }
    }
    let count = (pool_size[0] * pool_size[1]) as f64;
    sum.ok_or_else(|| candle_core::Error::Msg("empty pooling window".into()))? / count
}
