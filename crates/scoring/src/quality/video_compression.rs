//! The compression part of video quality: block edges and blur of the sampled frames' luma at
//! its coded size (`metrics.compression`, `sub_scores.compression`).

use serde::{Deserialize, Serialize};

use crate::report::SubScore;
use crate::scale::{ramp, round_to};
use crate::stats::median;
use crate::video::CompressionStats;

/// Block-edge factor up to which a picture shows no block coding: a lossless encode of a
/// camera-like scene reads 1.00, x264 of it up to CRF 36 0.97–1.01 (docs/decisions/031).
pub const BLOCK_EDGE_FACTOR_CLEAN: f64 = 1.05;
/// Block-edge factor from which the blocks dominate the picture (MPEG-2 at its coarsest
/// quantiser, JPEG at its coarsest).
pub const BLOCK_EDGE_FACTOR_BLOCKY: f64 = 1.3;

/// Compression measurements over the sampled frames.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CompressionMetrics {
    /// Frames measured at their coded size (black or covered ones left out).
    pub frames_measured: usize,
    /// Median over those frames of the block-edge factor: the mean luma step across 8-pixel
    /// block boundaries over the mean step inside blocks (steps over 24 levels left out, each
    /// mean plus 1 luma level), rows and columns together. 1 = no block grid.
    pub block_edge_factor: f64,
    /// Median Crete-Roffet (2007) blur, 0 (sharp) – 1 (blurred), over frames with enough
    /// edges; `null` when none had.
    pub blur: Option<f64>,
}

/// The compression metrics of the frames measured at coded size; `None` when there were none.
pub(crate) fn compression_metrics(frames: &[CompressionStats]) -> Option<CompressionMetrics> {
    let ratios: Vec<f64> = frames.iter().map(|f| f64::from(f.block_edge_factor)).collect();
    let blurs: Vec<f64> = frames.iter().filter_map(|f| f.blur.map(f64::from)).collect();
    Some(CompressionMetrics {
        frames_measured: frames.len(),
        block_edge_factor: round_to(median(&ratios)?, 4),
        blur: median(&blurs).map(|b| round_to(b, 4)),
    })
}

/// 100 up to a block-edge factor of 1.05, 0 from 1.3, linear between.
pub(crate) fn compression_score(metrics: Option<&CompressionMetrics>, reason: &str) -> SubScore {
    SubScore::from_option(
        metrics.map(|m| ramp(m.block_edge_factor, BLOCK_EDGE_FACTOR_BLOCKY, BLOCK_EDGE_FACTOR_CLEAN)),
        reason,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ratio: f32, blur: Option<f32>) -> CompressionStats {
        CompressionStats { time_s: 0.0, block_edge_factor: ratio, blur }
    }

    #[test]
    fn medians_over_the_frames() {
        let m = compression_metrics(&[frame(1.0, Some(0.2)), frame(1.6, None), frame(1.2, Some(0.4))]).unwrap();
        assert_eq!(m, CompressionMetrics { frames_measured: 3, block_edge_factor: 1.2, blur: Some(0.3) });
        assert_eq!(compression_metrics(&[]), None);
        assert_eq!(compression_metrics(&[frame(1.0, None)]).unwrap().blur, None);
    }

    #[test]
    fn a_clean_picture_keeps_full_marks_and_blocks_cost_them() {
        let score = |ratio: f64| {
            let m = CompressionMetrics { frames_measured: 1, block_edge_factor: ratio, blur: None };
            compression_score(Some(&m), "unused").score.unwrap()
        };
        assert_eq!(score(1.0), 100.0);
        assert_eq!(score(BLOCK_EDGE_FACTOR_CLEAN), 100.0);
        assert!((score(1.175) - 50.0).abs() < 1e-9, "{}", score(1.175));
        assert_eq!(score(1.6), 0.0);
        let missing = compression_score(None, "no frame was measured at its coded size");
        assert_eq!(missing, SubScore::missing("no frame was measured at its coded size"));
    }
}
