//! Frame buffers in, the model's 224×224 RGB input out, exactly as nsfwjs prepares it.

use crate::SafetyError;

/// The largest frame side accepted (pixels).
const MAX_SIDE: u32 = 16_384;

/// How a frame's bytes are laid out. Rows are tightly packed (no padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelFormat {
    /// 3 bytes per pixel, R G B.
    Rgb8,
    /// 4 bytes per pixel, R G B A (browsers' `ImageData`); alpha is ignored,
    /// as `tf.browser.fromPixels` does.
    Rgba8,
    /// Planar YUV 4:2:0 (WebRTC/LiveKit's I420): the Y plane, then U and V at
    /// half width and height (rounded up). Converted with BT.601 limited range,
    /// libyuv's default for I420 → RGB.
    I420,
}

impl PixelFormat {
    fn name(self) -> &'static str {
        match self {
            PixelFormat::Rgb8 => "RGB8",
            PixelFormat::Rgba8 => "RGBA8",
            PixelFormat::I420 => "I420",
        }
    }

    /// `"rgb"`, `"rgba"` or `"i420"` (any case), as bindings and web stacks name them.
    pub fn parse(name: &str) -> Result<Self, SafetyError> {
        match name.to_ascii_lowercase().as_str() {
            "rgb" => Ok(PixelFormat::Rgb8),
            "rgba" => Ok(PixelFormat::Rgba8),
            "i420" => Ok(PixelFormat::I420),
            _ => Err(SafetyError::InvalidFrame(format!("pixel format {name:?}: use \"rgb\", \"rgba\" or \"i420\""))),
        }
    }

    /// Bytes a `width`×`height` frame takes in this format.
    pub fn frame_len(self, width: u32, height: u32) -> usize {
        let (w, h) = (width as usize, height as usize);
        match self {
            PixelFormat::Rgb8 => w * h * 3,
            PixelFormat::Rgba8 => w * h * 4,
            PixelFormat::I420 => w * h + 2 * w.div_ceil(2) * h.div_ceil(2),
        }
    }
}

/// Checks the size and length, then converts to RGB values divided by 255,
/// resized to `size`×`size` (row-major, interleaved RGB, float32).
#[cfg_attr(not(feature = "nudity-model"), allow(dead_code))]
pub(crate) fn model_input(
    pixels: &[u8],
    width: u32,
    height: u32,
    format: PixelFormat,
    size: usize,
) -> Result<Vec<f32>, SafetyError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(SafetyError::InvalidFrame(format!(
            "{} frame size {width}x{height}: width and height must be 1 to {MAX_SIDE} pixels",
            format.name()
        )));
    }
    let expected = format.frame_len(width, height);
    if pixels.len() != expected {
        return Err(SafetyError::FrameSize { format: format.name(), width, height, expected, actual: pixels.len() });
    }
    let (w, h) = (width as usize, height as usize);
    if (w, h) == (size, size) {
        // nsfwjs skips the resize then.
        return Ok(normalized_rgb(pixels, w, h, format));
    }
    Ok(resize_bilinear_align_corners(|row, col| normalized_pixel(pixels, w, h, format, row, col), w, h, size, size))
}

/// RGB in 0..1: each byte as float32 divided by 255 (nsfwjs: `toFloat().div(255)`), every pixel.
fn normalized_rgb(pixels: &[u8], w: usize, h: usize, format: PixelFormat) -> Vec<f32> {
    (0..h).flat_map(|row| (0..w).flat_map(move |col| normalized_pixel(pixels, w, h, format, row, col))).collect()
}

/// One pixel's RGB in 0..1, computed alone: the resize reads only the pixels it interpolates
/// (four per output pixel), not the whole frame. I420 is converted with BT.601 limited range.
fn normalized_pixel(pixels: &[u8], w: usize, h: usize, format: PixelFormat, row: usize, col: usize) -> [f32; 3] {
    let scale = |v: u8| f32::from(v) / 255.0;
    match format {
        PixelFormat::Rgb8 => std::array::from_fn(|ch| scale(pixels[(row * w + col) * 3 + ch])),
        PixelFormat::Rgba8 => std::array::from_fn(|ch| scale(pixels[(row * w + col) * 4 + ch])),
        PixelFormat::I420 => {
            let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
            let c = (row / 2) * cw + col / 2;
            let (u, v) = (pixels[w * h + c], pixels[w * h + cw * ch + c]);
            bt601_limited(pixels[row * w + col], u, v).map(scale)
        }
    }
}

/// One YUV pixel to RGB, BT.601 limited range (Y 16..235, UV 16..240).
fn bt601_limited(y: u8, u: u8, v: u8) -> [u8; 3] {
    let y = 1.164_383_6 * (f32::from(y) - 16.0);
    let (u, v) = (f32::from(u) - 128.0, f32::from(v) - 128.0);
    let to_byte = |x: f32| x.round().clamp(0.0, 255.0) as u8;
    [to_byte(y + 1.596_026_8 * v), to_byte(y - 0.391_762_3 * u - 0.812_967_6 * v), to_byte(y + 2.017_232_1 * u)]
}

/// TF.js's CPU `resizeBilinear` with `alignCorners = true, halfPixelCenters = false`:
/// source position `r × (in − 1) / (out − 1)`, interpolation in double precision,
/// each result stored as float32. `pixel(row, col)` gives a source pixel's RGB.
fn resize_bilinear_align_corners(
    pixel: impl Fn(usize, usize) -> [f32; 3],
    w: usize,
    h: usize,
    out_w: usize,
    out_h: usize,
) -> Vec<f32> {
    let rows = sample_positions(h, out_h);
    let cols = sample_positions(w, out_w);
    let mut out = Vec::with_capacity(out_w * out_h * 3);
    for &(top, bottom, row_frac) in &rows {
        for &(left, right, col_frac) in &cols {
            let corners = [pixel(top, left), pixel(top, right), pixel(bottom, left), pixel(bottom, right)];
            for ch in 0..3 {
                let [tl, tr, bl, br] = corners.map(|p| f64::from(p[ch]));
                let upper = tl + (tr - tl) * col_frac;
                let lower = bl + (br - bl) * col_frac;
                out.push((upper + (lower - upper) * row_frac) as f32);
            }
        }
    }
    out
}

/// For each output index: the two source indices and the fraction between them.
fn sample_positions(input: usize, output: usize) -> Vec<(usize, usize, f64)> {
    let (effective_in, effective_out) = if output > 1 { (input - 1, output - 1) } else { (input, output) };
    let ratio = effective_in as f64 / effective_out as f64;
    (0..output)
        .map(|i| {
            let source = ratio * i as f64;
            let floor = source.floor().max(0.0);
            let ceil = (source.ceil() as usize).min(input - 1);
            (floor as usize, ceil, source - floor)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_corners_keeps_the_corner_pixels() {
        // A 2x2 image scaled to 3x3: corners stay, the centre is the mean.
        let src: Vec<f32> = [0.0, 1.0, 0.5, 0.25].iter().flat_map(|&v| [v, v, v]).collect();
        let out = resize_bilinear_align_corners(|r, c| std::array::from_fn(|ch| src[(r * 2 + c) * 3 + ch]), 2, 2, 3, 3);
        let red: Vec<f32> = out.chunks(3).map(|p| p[0]).collect();
        assert_eq!(red[0], 0.0);
        assert_eq!(red[2], 1.0);
        assert_eq!(red[6], 0.5);
        assert_eq!(red[8], 0.25);
        assert!((red[4] - 0.4375).abs() < 1e-7, "{red:?}");
    }

    #[test]
    fn rgba_drops_alpha_and_i420_grey_is_grey() {
        let rgba = [255, 0, 51, 7];
        assert_eq!(model_input(&rgba, 1, 1, PixelFormat::Rgba8, 1).unwrap(), vec![1.0, 0.0, 0.2]);
        // Y=126 with neutral chroma is mid grey (126-16)*1.164 = 128.
        let i420 = [126, 126, 126, 126, 128, 128];
        let grey = model_input(&i420, 2, 2, PixelFormat::I420, 2).unwrap();
        assert!(grey.iter().all(|&v| v == 128.0 / 255.0), "{grey:?}");
    }

    #[test]
    fn sizes_and_lengths_are_checked() {
        let message = model_input(&[0; 10], 4, 4, PixelFormat::Rgb8, 224).unwrap_err().to_string();
        assert!(message.contains("RGB8 4x4 needs 48 bytes, got 10"), "{message}");
        let message = model_input(&[], 0, 4, PixelFormat::Rgba8, 224).unwrap_err().to_string();
        assert!(message.contains("0x4"), "{message}");
        assert_eq!(PixelFormat::I420.frame_len(3, 3), 9 + 2 * 4);
    }
}
