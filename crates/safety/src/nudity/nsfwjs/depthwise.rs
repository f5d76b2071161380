//! Depthwise 2-D convolution (one filter per channel) on an HWC tensor, with the
//! bias (batch-norm folded in) and the activation applied in the same pass.
//!
//! Candle's `conv2d` with `groups = channels` runs one convolution per channel;
//! MobileNetV2 has up to 960 channels, so this op walks the image once instead.

use candle_core::{CpuStorage, CustomOp1, Layout, Shape};

use super::activation::Activation;
use super::config::Padding;
use super::hwc_window::{SlidingWindow, hwc_input};

pub(crate) struct DepthwiseConv {
    /// `[kh][kw][channels]`, row-major (Keras's `depthwise_kernel` without its last axis).
    pub kernel: Vec<f32>,
    pub bias: Vec<f32>,
    pub kernel_size: [usize; 2],
    pub strides: [usize; 2],
    pub padding: Padding,
    pub activation: Activation,
}

impl CustomOp1 for DepthwiseConv {
    fn name(&self) -> &'static str {
        "depthwise-conv2d-hwc"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (input, [height, width, channels]) = hwc_input("depthwise conv", storage, layout)?;
        let [kh, kw] = self.kernel_size;
        if channels != self.bias.len() || self.padding == Padding::Valid && (height < kh || width < kw) {
            candle_core::bail!(
                "depthwise conv with {} channels and a {kh}x{kw} kernel cannot take shape {:?}",
                self.bias.len(),
                layout.dims()
            )
        }
        let window = SlidingWindow::new([height, width], self.kernel_size, self.strides, self.padding);
        let [out_h, out_w] = window.output;
        let mut output = vec![0f32; out_h * out_w * channels];
        for (oy, out_row) in output.chunks_exact_mut(out_w * channels).enumerate() {
            for (ox, acc) in out_row.chunks_exact_mut(channels).enumerate() {
                acc.copy_from_slice(&self.bias);
                for (tap, pixel, len) in window.runs(oy, ox) {
                    let pixels = input[pixel * channels..][..len * channels].chunks_exact(channels);
                    let weights = self.kernel[tap * channels..][..len * channels].chunks_exact(channels);
                    for (pixel, weights) in pixels.zip(weights) {
                        for ((a, &x), &w) in acc.iter_mut().zip(pixel).zip(weights) {
                            *a += x * w;
                        }
                    }
                }
                self.activation.apply_slice(acc);
            }
        }
        Ok((CpuStorage::F32(output), Shape::from((out_h, out_w, channels))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    #[test]
    fn one_channel_box_filter_with_bias_and_relu6() {
        // 3x3 ones, 3x3 box filter, 'same': the centre sums 9, corners 4; bias 1; ReLU6 caps.
        let op = DepthwiseConv {
            kernel: vec![1.0; 9],
            bias: vec![1.0],
            kernel_size: [3, 3],
            strides: [1, 1],
            padding: Padding::Same,
            activation: Activation::Relu { max: Some(6.0) },
        };
        let x = Tensor::ones((3, 3, 1), candle_core::DType::F32, &Device::Cpu).unwrap();
        let y = x.apply_op1_no_bwd(&op).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(y, vec![5.0, 6.0, 5.0, 6.0, 6.0, 6.0, 5.0, 6.0, 5.0]);
    }
}
