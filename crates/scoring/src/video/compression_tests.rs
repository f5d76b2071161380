use super::*;
use crate::synthetic::{HEIGHT as H, WIDTH as W, blocked, box_blurred, textured_frame};

/// A camera-like picture whose own edges (24-pixel squares) fall between the 8-pixel grid.
fn textured() -> Vec<u8> {
    textured_frame(1.0)
}

fn stats(plane: &[u8]) -> CompressionStats {
    compression_stats(plane, W as u32, H as u32, W, 0.0).expect("a 320 × 180 plane is measured")
}

#[test]
fn a_picture_without_block_coding_has_no_grid() {
    let ratio = stats(&textured()).block_edge_factor;
    assert!((0.95..1.05).contains(&ratio), "{ratio}");
}

#[test]
fn block_edges_rise_with_the_quantisation() {
    let plane = textured();
    let ratios: Vec<f32> =
        [0.0, 0.3, 0.6, 0.9, 1.0].iter().map(|&s| stats(&blocked(&plane, s)).block_edge_factor).collect();
    assert!(ratios.windows(2).all(|w| w[1] > w[0]), "{ratios:?}");
    assert!(ratios[4] > 2.0, "flat blocks show their edges: {ratios:?}");
}

#[test]
fn scene_edges_on_the_grid_are_not_block_coding() {
    // At 0 s the picture's 24-pixel squares have their edges on the 8-pixel grid.
    let ratio = stats(&textured_frame(0.0)).block_edge_factor;
    assert!((0.95..1.1).contains(&ratio), "{ratio}");
}

#[test]
fn a_grid_off_the_block_boundaries_is_not_block_coding() {
    // Flat 8 × 8 blocks shifted by 4 pixels both ways: their steps fall inside the coding blocks.
    let plane = blocked(&textured(), 1.0);
    let shifted: Vec<u8> = (0..W * H).map(|i| plane[((i / W + 4) % H) * W + (i % W + 4) % W]).collect();
    let ratio = stats(&shifted).block_edge_factor;
    assert!(ratio < 1.0, "{ratio}");
}

#[test]
fn blur_rises_with_a_box_blur_and_ignores_the_grid() {
    let plane = textured();
    let sharp = stats(&plane).blur.expect("textured");
    let soft = stats(&box_blurred(&plane, 1)).blur.expect("textured");
    let softer = stats(&box_blurred(&plane, 3)).blur.expect("textured");
    assert!(sharp < soft && soft < softer, "{sharp} {soft} {softer}");
    assert!(softer - sharp > 0.15, "{sharp} {softer}");
    let blocky = stats(&blocked(&plane, 0.5)).blur.expect("textured");
    assert!((blocky - sharp).abs() < 0.1, "block edges are not blur: {sharp} {blocky}");
}

#[test]
fn a_flat_picture_reads_no_grid_and_no_blur() {
    let flat = vec![128u8; W * H];
    let s = stats(&flat);
    assert_eq!(s.block_edge_factor, 1.0);
    assert_eq!(s.blur, None);
}

#[test]
fn stride_padding_is_ignored() {
    let plane = blocked(&textured(), 0.7);
    let stride = W + 24;
    let mut padded = vec![255u8; stride * H];
    for y in 0..H {
        padded[y * stride..y * stride + W].copy_from_slice(&plane[y * W..(y + 1) * W]);
    }
    let a = compression_stats(&padded, W as u32, H as u32, stride, 1.5).expect("padded plane");
    assert_eq!(a, CompressionStats { time_s: 1.5, ..stats(&plane) });
}

#[test]
fn a_plane_too_small_or_a_short_buffer_is_not_measured() {
    assert_eq!(compression_stats(&[128u8; 15 * 64], 15, 64, 15, 0.0), None);
    assert_eq!(compression_stats(&[128u8; 64 * 15], 64, 15, 64, 0.0), None);
    assert_eq!(compression_stats(&[128u8; 100], 64, 64, 64, 0.0), None);
    assert_eq!(compression_stats(&[], 0, 0, 0, 0.0), None);
    assert_eq!(compression_stats(&[0u8; 64], 32, 32, usize::MAX, 0.0), None);
}

#[test]
fn a_large_plane_reads_a_bounded_number_of_lines() {
    let plane = Plane::new(&[0u8; 1], 1, 1, 1);
    assert!(plane.is_none());
    let luma = vec![0u8; 3840 * 2160];
    let plane = Plane::new(&luma, 3840, 2160, 3840).expect("4K plane");
    let rows = plane.lines(2160);
    assert_eq!(rows.len(), MAX_LINES);
    assert_eq!((rows[0], *rows.last().unwrap()), (0, 2154));
    assert_eq!(plane.lines(100), (0..100).collect::<Vec<_>>());
}
