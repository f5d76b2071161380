//! Compression damage on one frame's luma plane at its coded size, without the original:
//! blockiness (steps on the 8-pixel grid of block-transform coding) and blur (how little a
//! further blur changes the picture).
//!
//! Both read the decoded luma before any scaling: scaling smears the 8-pixel grid. Each direction
//! reads at most [`MAX_LINES`] rows (columns), evenly spread, so the cost does not grow with the
//! resolution beyond that.

use serde::{Deserialize, Serialize};

/// Block size of the transform coding whose edges are looked for (JPEG, MPEG-2, H.264's
/// macroblocks, VP8), pixels.
pub const BLOCK_SIZE: usize = 8;
/// Rows read for the horizontal steps, and columns for the vertical ones, at most.
pub const MAX_LINES: usize = 360;
/// Added to both means of [`CompressionStats::block_edge_factor`], luma levels (about the
/// smallest visible step), so that a nearly flat picture reads 1 (no grid) instead of a ratio of
/// two tiny numbers, and a few faint steps of a drawn picture on the grid do not count.
pub const STEP_FLOOR: f64 = 1.0;
/// Steps larger than this (luma levels) are edges of the scene, not of coarse quantisation,
/// and are left out of both means of the block-edge factor: a scene whose own edges fall on
/// the grid (a screen, a test pattern) does not read as block coding.
pub const SCENE_EDGE_STEP: u8 = 24;
/// Frames of one clip the measures read, at most, evenly spread: they are averaged over the clip,
/// and sixty frames tell the codec's damage as well as six hundred (a 10-minute recording's key
/// frames), at a tenth of the cost.
pub const MAX_MEASURED_FRAMES: usize = 60;
/// Half-width of the box filter of the blur measure: 9 taps (Crete-Roffet 2007).
const BLUR_RADIUS: usize = 4;
/// Below this mean step (luma levels) a picture has too few edges for the blur measure.
const MIN_MEAN_STEP: f64 = 0.05;

/// Compression measures of one sampled frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CompressionStats {
    /// Presentation time of the frame, seconds.
    pub time_s: f64,
    /// Mean absolute luma step across 8-pixel block boundaries over the mean step between
    /// the other neighbouring pixels, rows and columns together, steps over 24 levels left
    /// out and each mean plus 1 luma level: 1 when the picture has no block grid, above 1
    /// as block edges show.
    pub block_edge_factor: f32,
    /// Crete-Roffet (2007) blur, 0 (sharp) – 1 (blurred): the share of the picture's
    /// neighbour differences that survive a 9-tap box blur, the worse of rows and columns;
    /// `null` when the picture is too flat to tell.
    pub blur: Option<f32>,
}

/// Compression measures of one 8-bit luma plane at its coded size (`stride` bytes per row),
/// taken at `time_s`; `None` when the plane is smaller than two blocks either way or the
/// buffer does not hold it.
pub fn compression_stats(luma: &[u8], width: u32, height: u32, stride: usize, time_s: f64) -> Option<CompressionStats> {
    let plane = Plane::new(luma, width as usize, height as usize, stride)?;
    let mut steps = PhaseSteps::default();
    let mut blur = [ReblurSums::default(), ReblurSums::default()];
    for y in plane.lines(plane.height) {
        steps.add(plane.row(y));
        blur[0].add(plane.row(y));
    }
    let mut column = Vec::with_capacity(plane.height);
    for x in plane.lines(plane.width) {
        plane.column_into(x, &mut column);
        steps.add(&column);
        blur[1].add(&column);
    }
    let blur = blur.iter().filter_map(ReblurSums::blur).reduce(f64::max);
    Some(CompressionStats { time_s, block_edge_factor: steps.factor() as f32, blur: blur.map(|b| b as f32) })
}

/// A luma plane whose rows lie `stride` bytes apart.
struct Plane<'a> {
    luma: &'a [u8],
    width: usize,
    height: usize,
    stride: usize,
}

impl<'a> Plane<'a> {
    fn new(luma: &'a [u8], width: usize, height: usize, stride: usize) -> Option<Self> {
        let stride = stride.max(width);
        let fits = height.checked_sub(1).and_then(|rows| rows.checked_mul(stride)).and_then(|n| n.checked_add(width));
        let big_enough = width >= 2 * BLOCK_SIZE && height >= 2 * BLOCK_SIZE;
        (big_enough && fits.is_some_and(|n| n <= luma.len())).then_some(Self { luma, width, height, stride })
    }

    /// At most [`MAX_LINES`] of `count` line indices, evenly spread.
    fn lines(&self, count: usize) -> Vec<usize> {
        let taken = count.min(MAX_LINES);
        (0..taken).map(|i| i * count / taken).collect()
    }

    fn row(&self, y: usize) -> &'a [u8] {
        &self.luma[y * self.stride..y * self.stride + self.width]
    }

    fn column_into(&self, x: usize, column: &mut Vec<u8>) {
        column.clear();
        column.extend((0..self.height).map(|y| self.luma[y * self.stride + x]));
    }
}

/// Sums of absolute steps between neighbours, split by where the step falls: across a block
/// boundary (between pixel 8k − 1 and 8k) or inside a block.
#[derive(Default)]
struct PhaseSteps {
    edge_sum: f64,
    edge_count: u64,
    inner_sum: f64,
    inner_count: u64,
}

impl PhaseSteps {
    fn add(&mut self, line: &[u8]) {
        for (i, pair) in line.windows(2).enumerate() {
            let step = pair[0].abs_diff(pair[1]);
            if step > SCENE_EDGE_STEP {
                continue;
            }
            let step = f64::from(step);
            if (i + 1) % BLOCK_SIZE == 0 {
                self.edge_sum += step;
                self.edge_count += 1;
            } else {
                self.inner_sum += step;
                self.inner_count += 1;
            }
        }
    }

    fn factor(&self) -> f64 {
        let mean = |sum: f64, count: u64| if count == 0 { 0.0 } else { sum / count as f64 };
        (mean(self.edge_sum, self.edge_count) + STEP_FLOOR) / (mean(self.inner_sum, self.inner_count) + STEP_FLOOR)
    }
}

/// Crete-Roffet's sums along one direction: the picture's neighbour differences, and how much
/// of each a 9-tap box blur takes away.
#[derive(Default)]
struct ReblurSums {
    original: f64,
    removed: f64,
    steps: u64,
}

impl ReblurSums {
    fn add(&mut self, line: &[u8]) {
        let blurred = box_blur(line);
        // Leave out the ends, where the box is cut short.
        for i in (BLUR_RADIUS + 1)..line.len().saturating_sub(BLUR_RADIUS) {
            let original = f64::from(line[i].abs_diff(line[i - 1]));
            let after = (blurred[i] - blurred[i - 1]).abs();
            self.original += original;
            self.removed += (original - after).max(0.0);
            self.steps += 1;
        }
    }

    /// `(s_F − s_V) / s_F`: 1 when blurring again changes nothing.
    fn blur(&self) -> Option<f64> {
        let enough = self.steps > 0 && self.original / self.steps as f64 >= MIN_MEAN_STEP;
        enough.then(|| ((self.original - self.removed) / self.original).clamp(0.0, 1.0))
    }
}

/// Mean of the [`BLUR_RADIUS`] pixels either side and the pixel itself, the box cut at the ends.
fn box_blur(line: &[u8]) -> Vec<f64> {
    let mut prefix = Vec::with_capacity(line.len() + 1);
    prefix.push(0u64);
    for &p in line {
        prefix.push(prefix[prefix.len() - 1] + u64::from(p));
    }
    (0..line.len())
        .map(|i| {
            let (lo, hi) = (i.saturating_sub(BLUR_RADIUS), (i + BLUR_RADIUS + 1).min(line.len()));
            (prefix[hi] - prefix[lo]) as f64 / (hi - lo) as f64
        })
        .collect()
}

#[cfg(test)]
#[path = "compression_tests.rs"]
mod tests;
