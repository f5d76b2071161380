//! What the custom HWC ops share: reading their input tensor, and the sliding kernel window with
//! TensorFlow's padding rules.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, Layout};

use super::config::Padding;

/// The contiguous f32 data and `[height, width, channels]` of an HWC tensor given to `op`.
pub(crate) fn hwc_input<'a>(
    op: &str,
    storage: &'a CpuStorage,
    layout: &Layout,
) -> candle_core::Result<(&'a [f32], [usize; 3])> {
    let CpuStorage::F32(data) = storage else { candle_core::bail!("{op} expects f32, got {:?}", storage.dtype()) };
    let &[height, width, channels] = layout.dims() else {
        candle_core::bail!("{op} expects an HWC tensor, got shape {:?}", layout.dims())
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("{op} expects a contiguous tensor")
    };
    Ok((&data[start..end], [height, width, channels]))
}

/// Output length and padding before, TensorFlow's rule (`same` pads the extra pixel after).
pub(crate) fn output_and_pad(input: usize, kernel: usize, stride: usize, padding: Padding) -> (usize, usize) {
    match padding {
        Padding::Valid => ((input.saturating_sub(kernel)) / stride + 1, 0),
        Padding::Same => {
            let output = input.div_ceil(stride);
            let total = (output.saturating_sub(1) * stride + kernel).saturating_sub(input);
            (output, total / 2)
        }
    }
}

/// A `kh × kw` kernel sliding over a `height × width` image with the given strides and padding.
pub(crate) struct SlidingWindow {
    /// `[out_h, out_w]`.
    pub output: [usize; 2],
    input: [usize; 2],
    kernel: [usize; 2],
    strides: [usize; 2],
    pad_before: [usize; 2],
}

impl SlidingWindow {
    pub fn new(input: [usize; 2], kernel: [usize; 2], strides: [usize; 2], padding: Padding) -> Self {
        let (out_h, pad_top) = output_and_pad(input[0], kernel[0], strides[0], padding);
        let (out_w, pad_left) = output_and_pad(input[1], kernel[1], strides[1], padding);
        Self { output: [out_h, out_w], input, kernel, strides, pad_before: [pad_top, pad_left] }
    }

    /// The kernel taps of output position (`oy`, `ox`) that fall inside the image, one run per
    /// kernel row: (first tap index `ky · kw + kx`, first input pixel index `iy · width + ix`,
    /// number of taps). Taps and pixels within a run are consecutive.
    pub fn runs(&self, oy: usize, ox: usize) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let [height, width] = self.input;
        let [kh, kw] = self.kernel;
        // Kernel columns whose pixel lies inside the row: x = ox · stride + kx − pad in 0..width.
        let x0 = ox * self.strides[1];
        let kx_first = self.pad_before[1].saturating_sub(x0);
        let kx_end = (width + self.pad_before[1]).saturating_sub(x0).min(kw);
        let y0 = oy * self.strides[0];
        (0..kh).filter(move |_| kx_first < kx_end).filter_map(move |ky| {
            let iy = (y0 + ky).checked_sub(self.pad_before[0]).filter(|&y| y < height)?;
            let ix = x0 + kx_first - self.pad_before[1];
            Some((ky * kw + kx_first, iy * width + ix, kx_end - kx_first))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_matches_tensorflow() {
        assert_eq!(output_and_pad(112, 3, 1, Padding::Same), (112, 1));
        assert_eq!(output_and_pad(112, 3, 2, Padding::Same), (56, 0));
        assert_eq!(output_and_pad(113, 3, 2, Padding::Valid), (56, 0));
    }

    #[test]
    fn corner_taps_skip_the_padding() {
        let window = SlidingWindow::new([4, 4], [3, 3], [1, 1], Padding::Same);
        assert_eq!(window.output, [4, 4]);
        assert_eq!(window.runs(0, 0).collect::<Vec<_>>(), vec![(4, 0, 2), (7, 4, 2)]);
        assert_eq!(window.runs(1, 1).collect::<Vec<_>>(), vec![(0, 0, 3), (3, 4, 3), (6, 8, 3)]);
        assert_eq!(window.runs(3, 3).collect::<Vec<_>>(), vec![(0, 10, 2), (3, 14, 2)]);
        let strided = SlidingWindow::new([5, 5], [3, 3], [2, 2], Padding::Valid);
        assert_eq!(strided.output, [2, 2]);
        assert_eq!(strided.runs(1, 1).collect::<Vec<_>>(), vec![(0, 12, 3), (3, 17, 3), (6, 22, 3)]);
    }
}
