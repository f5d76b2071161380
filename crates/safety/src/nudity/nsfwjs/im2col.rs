//! Gathers a convolution's input patches into rows (im2col) in one pass, so that a
//! k×k convolution becomes one matrix product.

use candle_core::{CpuStorage, CustomOp1, Layout, Shape};

use super::config::Padding;
use super::hwc_window::{SlidingWindow, hwc_input};

/// HWC in, `(out_h · out_w, kh · kw · c)` out; rows in Keras's kernel order
/// (`ky`, `kx`, channel), zeros where the window leaves the image.
pub(crate) struct Im2Col {
    pub kernel_size: [usize; 2],
    pub strides: [usize; 2],
    pub padding: Padding,
}

impl CustomOp1 for Im2Col {
    fn name(&self) -> &'static str {
        "im2col-hwc"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (input, [height, width, channels]) = hwc_input("im2col", storage, layout)?;
        let [kh, kw] = self.kernel_size;
        let window = SlidingWindow::new([height, width], self.kernel_size, self.strides, self.padding);
        let [out_h, out_w] = window.output;
        let row_len = kh * kw * channels;
        let mut output = vec![0f32; out_h * out_w * row_len];
        for (index, row) in output.chunks_exact_mut(row_len).enumerate() {
            for (tap, pixel, len) in window.runs(index / out_w, index % out_w) {
                row[tap * channels..][..len * channels].copy_from_slice(&input[pixel * channels..][..len * channels]);
            }
        }
        Ok((CpuStorage::F32(output), Shape::from((out_h * out_w, row_len))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    #[test]
    fn stride_two_valid_patches() {
        // 3x3 single-channel image 1..9, 2x2 kernel, stride 2, valid: one patch.
        let x = Tensor::arange(1f32, 10.0, &Device::Cpu).unwrap().reshape((3, 3, 1)).unwrap();
        let op = Im2Col { kernel_size: [2, 2], strides: [2, 2], padding: Padding::Valid };
        let patches = x.apply_op1_no_bwd(&op).unwrap();
        assert_eq!(patches.to_vec2::<f32>().unwrap(), vec![vec![1.0, 2.0, 4.0, 5.0]]);
        // 'same' with stride 1 pads with zeros around the border.
        let op = Im2Col { kernel_size: [3, 3], strides: [1, 1], padding: Padding::Same };
        let patches = x.apply_op1_no_bwd(&op).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(patches[0], vec![0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 4.0, 5.0]);
        assert_eq!(patches.len(), 9);
    }
}
