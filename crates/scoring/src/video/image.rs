//! A small f32 luma image and the resampling that puts every frame on the
//! same working grid, so that measures depending on scale (sharpness, noise)
//! compare across input sizes.

/// A luma image, row-major, values in 0–255.
pub(crate) struct LumaImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<f32>,
}

impl LumaImage {
    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.pixels[y * self.width + x]
    }

    /// Area-average resampling of an 8-bit plane to `width` × `height`
    /// (a box filter when shrinking, nearest neighbour when enlarging).
    pub fn from_plane(luma: &[u8], src_w: usize, src_h: usize, stride: usize, width: usize, height: usize) -> Self {
        let pixels = area_resample(|x, y| f32::from(luma[y * stride + x]), src_w, src_h, width, height);
        Self { width, height, pixels }
    }

    /// Area-average resampling of this image.
    pub fn resized(&self, width: usize, height: usize) -> Self {
        let pixels = area_resample(|x, y| self.at(x, y), self.width, self.height, width, height);
        Self { width, height, pixels }
    }
}

/// Height that keeps the aspect ratio of `src_w` × `src_h` at `width`.
pub(crate) fn height_for_width(src_w: usize, src_h: usize, width: usize) -> usize {
    ((width as f64 * src_h as f64 / src_w as f64).round() as usize).max(1)
}

fn area_resample(
    src: impl Fn(usize, usize) -> f32,
    src_w: usize,
    src_h: usize,
    width: usize,
    height: usize,
) -> Vec<f32> {
    let bounds = |out: usize, out_len: usize, src_len: usize| {
        let start = out * src_len / out_len;
        let end = ((out + 1) * src_len).div_ceil(out_len).max(start + 1).min(src_len);
        (start, end)
    };
    let columns: Vec<(usize, usize)> = (0..width).map(|x| bounds(x, width, src_w)).collect();
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let (y0, y1) = bounds(y, height, src_h);
        for &(x0, x1) in &columns {
            let mut sum = 0.0f32;
            for sy in y0..y1 {
                for sx in x0..x1 {
                    sum += src(sx, sy);
                }
            }
            pixels.push(sum / ((y1 - y0) * (x1 - x0)) as f32);
        }
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_averages_2x2_blocks() {
        let plane = [0u8, 100, 50, 50, 200, 100, 50, 50];
        let image = LumaImage::from_plane(&plane, 4, 2, 4, 2, 1);
        assert_eq!(image.pixels, vec![100.0, 50.0]);
    }

    #[test]
    fn enlarging_repeats_pixels_and_respects_stride() {
        let plane = [10u8, 20, 99, 30, 40, 99];
        let image = LumaImage::from_plane(&plane, 2, 2, 3, 4, 4);
        assert_eq!(image.at(0, 0), 10.0);
        assert_eq!(image.at(3, 0), 20.0);
        assert_eq!(image.at(3, 3), 40.0);
        assert_eq!(height_for_width(320, 180, 160), 90);
    }
}
