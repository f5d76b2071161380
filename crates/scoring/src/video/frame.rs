//! Statistics of one decoded frame's luma plane: exposure, contrast,
//! sharpness, noise and a thumbnail for frozen-frame and motion detection.
//!
//! Sharpness and noise are measured on a fixed working grid 320 pixels wide
//! (aspect kept), because both depend on scale.

use serde::{Deserialize, Serialize};

use super::image::{LumaImage, height_for_width};

/// Width of the working grid, pixels.
pub const WORKING_WIDTH: usize = 320;
/// Width of the thumbnail, pixels (its height keeps the aspect ratio).
pub const THUMBNAIL_WIDTH: usize = 32;
/// Pixels at or below this luma are under-exposed.
pub const UNDEREXPOSED_LUMA: u8 = 20;
/// Pixels at or above this luma are over-exposed (235 is white in limited-range video).
pub const OVEREXPOSED_LUMA: u8 = 235;

/// Statistics of one sampled frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FrameStats {
    /// Presentation time of the frame, seconds.
    pub time_s: f64,
    /// Width of the analysed plane, pixels.
    pub width: u32,
    /// Height of the analysed plane, pixels.
    pub height: u32,
    /// Mean luma, 0–255.
    pub mean_luma: f32,
    /// Standard deviation of luma, 0–255 (global contrast).
    pub std_luma: f32,
    /// Fraction of pixels with luma <= 20.
    pub underexposed_ratio: f32,
    /// Fraction of pixels with luma >= 235.
    pub overexposed_ratio: f32,
    /// Variance of the 4-neighbour Laplacian on the working grid (Pech-Pacheco 2000), luma².
    pub laplacian_variance: f32,
    /// Noise standard deviation by Immerkær's method on the working grid,
    /// with the 10 % strongest-gradient pixels left out (so edges are not read as noise), luma.
    pub noise_sigma: f32,
    /// Thumbnail width, pixels.
    pub thumbnail_width: u32,
    /// Thumbnail height, pixels.
    pub thumbnail_height: u32,
    /// Average-pooled luma thumbnail, row-major.
    pub thumbnail: Vec<u8>,
}

impl FrameStats {
    /// Sharpness with the noise's share taken out: the 4-neighbour Laplacian
    /// of white noise with deviation σ has variance 20σ², so this is
    /// `max(0, laplacian_variance - 20 * noise_sigma²)`.
    pub fn sharpness(&self) -> f32 {
        (self.laplacian_variance - 20.0 * self.noise_sigma * self.noise_sigma).max(0.0)
    }

    /// Black or covered: a nearly uniform picture of any brightness
    /// (std < 4), or a dark, flat one without texture (mean <= 30,
    /// std <= 10 and [`sharpness`](Self::sharpness) < 2). A dark scene that still
    /// shows detail is not covered, only dark.
    pub fn is_covered(&self) -> bool {
        self.std_luma < 4.0 || (self.mean_luma <= 30.0 && self.std_luma <= 10.0 && self.sharpness() < 2.0)
    }
}

/// Statistics of one 8-bit luma plane (`stride` bytes per row), taken at `time_s`.
/// Rows that `luma` is too short to hold are left out.
pub fn frame_stats(luma: &[u8], width: u32, height: u32, stride: usize, time_s: f64) -> FrameStats {
    let w = width as usize;
    let stride = stride.max(w);
    let h = usable_rows(luma.len(), w, stride, height as usize);
    if w == 0 || h == 0 {
        return empty_stats(time_s, width);
    }
    let (mean, std, under, over) = exposure(luma, w, h, stride);
    let working = LumaImage::from_plane(luma, w, h, stride, WORKING_WIDTH, height_for_width(w, h, WORKING_WIDTH));
    let thumb = working.resized(THUMBNAIL_WIDTH, height_for_width(w, h, THUMBNAIL_WIDTH));
    FrameStats {
        time_s,
        width,
        height: h as u32,
        mean_luma: mean,
        std_luma: std,
        underexposed_ratio: under,
        overexposed_ratio: over,
        laplacian_variance: laplacian_variance(&working),
        noise_sigma: immerkaer_noise_sigma(&working),
        thumbnail_width: thumb.width as u32,
        thumbnail_height: thumb.height as u32,
        thumbnail: thumb.pixels.iter().map(|&p| p.round().clamp(0.0, 255.0) as u8).collect(),
    }
}

/// BT.601 luma of interleaved 8-bit RGB (`channels` = 3) or RGBA (4) rows of `stride` bytes,
/// as a tightly packed plane.
pub fn luma_from_rgb(pixels: &[u8], width: u32, height: u32, stride: usize, channels: usize) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut luma = Vec::with_capacity(w * h);
    for row in pixels.chunks(stride.max(1)).take(h) {
        luma.extend(
            row.chunks_exact(channels.max(3))
                .take(w)
                .map(|p| ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]) + 128) >> 8) as u8),
        );
    }
    luma
}

fn usable_rows(len: usize, w: usize, stride: usize, h: usize) -> usize {
    if len < w || w == 0 {
        return 0;
    }
    h.min((len - w) / stride + 1)
}

fn empty_stats(time_s: f64, width: u32) -> FrameStats {
    FrameStats {
        time_s,
        width,
        height: 0,
        mean_luma: 0.0,
        std_luma: 0.0,
        underexposed_ratio: 1.0,
        overexposed_ratio: 0.0,
        laplacian_variance: 0.0,
        noise_sigma: 0.0,
        thumbnail_width: 0,
        thumbnail_height: 0,
        thumbnail: Vec::new(),
    }
}

/// Mean, standard deviation, under- and over-exposed ratios at full resolution.
fn exposure(luma: &[u8], w: usize, h: usize, stride: usize) -> (f32, f32, f32, f32) {
    let mut histogram = [0u64; 256];
    for row in luma.chunks(stride).take(h) {
        for &p in &row[..w] {
            histogram[p as usize] += 1;
        }
    }
    let n = (w * h) as f64;
    let sum: f64 = histogram.iter().enumerate().map(|(v, &c)| v as f64 * c as f64).sum();
    let mean = sum / n;
    let var = histogram.iter().enumerate().map(|(v, &c)| (v as f64 - mean).powi(2) * c as f64).sum::<f64>() / n;
    let under: u64 = histogram[..=UNDEREXPOSED_LUMA as usize].iter().sum();
    let over: u64 = histogram[OVEREXPOSED_LUMA as usize..].iter().sum();
    (mean as f32, var.sqrt() as f32, (under as f64 / n) as f32, (over as f64 / n) as f32)
}

/// Variance of the 4-neighbour Laplacian over interior pixels.
fn laplacian_variance(image: &LumaImage) -> f32 {
    let (w, h) = (image.width, image.height);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let l = f64::from(
                image.at(x - 1, y) + image.at(x + 1, y) + image.at(x, y - 1) + image.at(x, y + 1)
                    - 4.0 * image.at(x, y),
            );
            sum += l;
            sum_sq += l * l;
        }
    }
    let n = ((w - 2) * (h - 2)) as f64;
    let mean = sum / n;
    (sum_sq / n - mean * mean).max(0.0) as f32
}

/// Immerkær (1996): σ = √(π/2) / 6 · mean |I * N| with
/// N = [[1,-2,1],[-2,4,-2],[1,-2,1]], over interior pixels whose Sobel
/// gradient is not among the strongest 10 %.
fn immerkaer_noise_sigma(image: &LumaImage) -> f32 {
    let (w, h) = (image.width, image.height);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let mut samples: Vec<(f32, f32)> = Vec::with_capacity((w - 2) * (h - 2));
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let p = |dx: usize, dy: usize| image.at(x + dx - 1, y + dy - 1);
            let gx = p(2, 0) + 2.0 * p(2, 1) + p(2, 2) - p(0, 0) - 2.0 * p(0, 1) - p(0, 2);
            let gy = p(0, 2) + 2.0 * p(1, 2) + p(2, 2) - p(0, 0) - 2.0 * p(1, 0) - p(2, 0);
            let n =
                p(0, 0) + p(2, 0) + p(0, 2) + p(2, 2) - 2.0 * (p(1, 0) + p(0, 1) + p(2, 1) + p(1, 2)) + 4.0 * p(1, 1);
            samples.push((gx.abs() + gy.abs(), n.abs()));
        }
    }
    let mut gradients: Vec<f32> = samples.iter().map(|s| s.0).collect();
    let cut = gradients.len() * 9 / 10;
    let (_, &mut threshold, _) = gradients.select_nth_unstable_by(cut.min(samples.len() - 1), f32::total_cmp);
    let kept: Vec<f32> = samples.iter().filter(|s| s.0 <= threshold).map(|s| s.1).collect();
    let mean_abs = kept.iter().map(|&v| f64::from(v)).sum::<f64>() / kept.len().max(1) as f64;
    ((std::f64::consts::PI / 2.0).sqrt() / 6.0 * mean_abs) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random noise in [-1, 1] (splitmix64 of the index).
    fn noise(i: usize) -> f32 {
        let mut z = (i as u64).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn gradient_plane(w: usize, h: usize) -> Vec<u8> {
        (0..w * h).map(|i| (40 + (i % w) * 160 / w) as u8).collect()
    }

    #[test]
    fn flat_black_frame_is_dark_flat_and_covered() {
        let stats = frame_stats(&vec![0u8; 320 * 180], 320, 180, 320, 1.5);
        assert_eq!(stats.time_s, 1.5);
        assert_eq!(stats.mean_luma, 0.0);
        assert_eq!(stats.std_luma, 0.0);
        assert_eq!(stats.underexposed_ratio, 1.0);
        assert_eq!(stats.laplacian_variance, 0.0);
        assert!(stats.is_covered());
        assert_eq!((stats.thumbnail_width, stats.thumbnail_height), (32, 18));
        assert_eq!(stats.thumbnail.len(), 32 * 18);
    }

    #[test]
    fn noise_estimate_tracks_added_noise_not_the_edges() {
        let (w, h) = (320, 180);
        let clean = gradient_plane(w, h);
        // uniform noise in [-a, a] has σ = a/√3: a = 17.32 gives σ = 10.
        let noisy: Vec<u8> = clean
            .iter()
            .enumerate()
            .map(|(i, &p)| (f32::from(p) + 17.32 * noise(i)).round().clamp(0.0, 255.0) as u8)
            .collect();
        let clean_sigma = frame_stats(&clean, w as u32, h as u32, w, 0.0).noise_sigma;
        let noisy_sigma = frame_stats(&noisy, w as u32, h as u32, w, 0.0).noise_sigma;
        assert!(clean_sigma < 1.0, "{clean_sigma}");
        assert!((7.0..13.0).contains(&noisy_sigma), "{noisy_sigma}");
    }

    #[test]
    fn stride_padding_is_ignored() {
        let (w, h, stride) = (64usize, 36usize, 80usize);
        let mut padded = vec![255u8; stride * h];
        for y in 0..h {
            for x in 0..w {
                padded[y * stride + x] = (x * 2 + y) as u8;
            }
        }
        let tight: Vec<u8> = (0..h).flat_map(|y| (0..w).map(move |x| (x * 2 + y) as u8)).collect();
        let a = frame_stats(&padded, w as u32, h as u32, stride, 0.0);
        let b = frame_stats(&tight, w as u32, h as u32, w, 0.0);
        assert_eq!(a, b);
    }

    #[test]
    fn a_short_buffer_is_not_read_past_its_end() {
        let stats = frame_stats(&[128u8; 100], 20, 20, 20, 0.0);
        assert_eq!(stats.height, 5);
        assert_eq!(frame_stats(&[], 20, 20, 20, 0.0).height, 0);
    }
}
