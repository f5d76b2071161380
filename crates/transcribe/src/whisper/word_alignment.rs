//! Token-to-time alignment from cross-attention, the method of openai-whisper's `timing.py`:
//! the alignment heads' attention (softmax over the window's audio frames), standardised per
//! head and frame over the tokens, median-filtered along time, averaged over the heads; dynamic
//! time warping through the negated matrix then gives each token the audio frame where it starts.

use std::ops::Range;

use rayon::prelude::*;

/// Width of the median filter along time, in encoder frames.
pub const MEDIAN_FILTER_WIDTH: usize = 7;

/// Attention scores of the alignment heads, `[heads][tokens][frames]` in one flat buffer.
pub struct HeadScores<'a> {
    pub scores: &'a [f32],
    pub heads: usize,
    pub tokens: usize,
    pub frames: usize,
}

/// For each token row in `rows`, the encoder frame (20 ms each) where the warping path enters
/// it. Standardisation uses every row; the path runs through `rows` only (the rows that predict
/// the text tokens and `<|endoftext|>`: from `<|notimestamps|>` to the last text token, not the
/// start-of-transcript sequence). Only the first `content_frames`
/// frames are used (the rest of the window is padding). Returns an empty list when the shapes
/// do not match or there is nothing to align.
pub fn token_start_frames(input: &HeadScores<'_>, rows: Range<usize>, content_frames: usize) -> Vec<usize> {
    let HeadScores { scores, heads, tokens, frames } = *input;
    let used = content_frames.min(frames);
    if heads == 0 || rows.is_empty() || rows.end > tokens || used == 0 || scores.len() != heads * tokens * frames {
        return Vec::new();
    }
    // Per head (in parallel): softmax over the frames, standardise over all tokens, median
    // filter the rows that are aligned.
    let per_head: Vec<Vec<f32>> = (0..heads)
        .into_par_iter()
        .map(|head| {
            let mut weights: Vec<f32> =
                (0..tokens).flat_map(|t| softmax(&scores[(head * tokens + t) * frames..][..used])).collect();
            standardise_columns(&mut weights, tokens, used);
            rows.clone().flat_map(|t| median_filter(&weights[t * used..(t + 1) * used], MEDIAN_FILTER_WIDTH)).collect()
        })
        .collect();
    let mut cost = vec![0f32; rows.len() * used];
    for filtered in &per_head {
        for (c, w) in cost.iter_mut().zip(filtered) {
            *c -= w / heads as f32;
        }
    }
    let path = dtw_path(&cost, rows.len(), used);
    let mut starts = Vec::with_capacity(rows.len());
    for &(row, frame) in &path {
        if starts.len() == row {
            starts.push(frame);
        }
    }
    if starts.len() != rows.len() {
        return Vec::new();
    }
    starts
}

fn softmax(row: &[f32]) -> Vec<f32> {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = row.iter().map(|&v| (v - max).exp()).collect();
    let total: f32 = exps.iter().sum();
    exps.into_iter().map(|e| if total > 0.0 { e / total } else { 0.0 }).collect()
}

/// Each column (frame) of the `[rows × cols]` matrix to zero mean and unit standard deviation
/// over the rows (population deviation; a constant column becomes zeros).
fn standardise_columns(m: &mut [f32], rows: usize, cols: usize) {
    for c in 0..cols {
        let mean = (0..rows).map(|r| m[r * cols + c]).sum::<f32>() / rows as f32;
        let var = (0..rows).map(|r| (m[r * cols + c] - mean).powi(2)).sum::<f32>() / rows as f32;
        let std = var.sqrt();
        for r in 0..rows {
            let v = &mut m[r * cols + c];
            *v = if std > 0.0 { (*v - mean) / std } else { 0.0 };
        }
    }
}

/// Running median of odd `width`, the edges padded by reflection (as `numpy.pad(mode="reflect")`).
/// Rows shorter than the half-width are returned unchanged.
pub fn median_filter(row: &[f32], width: usize) -> Vec<f32> {
    let half = width / 2;
    if half == 0 || row.len() <= half {
        return row.to_vec();
    }
    let n = row.len() as isize;
    let at = |i: isize| -> f32 {
        let reflected = if i < 0 {
            -i
        } else if i >= n {
            2 * (n - 1) - i
        } else {
            i
        };
        row[reflected as usize]
    };
    let mut window = vec![0f32; 2 * half + 1];
    (0..n)
        .map(|i| {
            for (k, w) in window.iter_mut().enumerate() {
                *w = at(i - half as isize + k as isize);
            }
            window.sort_by(f32::total_cmp);
            window[half]
        })
        .collect()
}

/// The cheapest monotonic path from `(0, 0)` to `(rows - 1, cols - 1)` through `cost`
/// (`[rows × cols]`), moving down, right or diagonally; as `(row, col)` pairs in order.
/// Ties prefer moving along the columns (time), as openai-whisper's `dtw_cpu` does. With
/// non-finite costs the path may not reach `(0, 0)`; callers check that every row is visited.
pub fn dtw_path(cost: &[f32], rows: usize, cols: usize) -> Vec<(usize, usize)> {
    if rows == 0 || cols == 0 || cost.len() != rows * cols {
        return Vec::new();
    }
    #[derive(Clone, Copy)]
    enum Step {
        Diagonal,
        Down,
        Right,
    }
    let width = cols + 1;
    let mut total = vec![f32::INFINITY; (rows + 1) * width];
    let mut trace = vec![Step::Right; (rows + 1) * width];
    total[0] = 0.0;
    for j in 1..=cols {
        for i in 1..=rows {
            let diagonal = total[(i - 1) * width + j - 1];
            let down = total[(i - 1) * width + j];
            let right = total[i * width + j - 1];
            let (best, step) = if diagonal < down && diagonal < right {
                (diagonal, Step::Diagonal)
            } else if down < diagonal && down < right {
                (down, Step::Down)
            } else {
                (right, Step::Right)
            };
            total[i * width + j] = cost[(i - 1) * cols + j - 1] + best;
            trace[i * width + j] = step;
        }
    }
    let (mut i, mut j) = (rows, cols);
    let mut path = Vec::with_capacity(rows + cols);
    while i > 0 && j > 0 {
        path.push((i - 1, j - 1));
        match trace[i * width + j] {
            Step::Diagonal => (i, j) = (i - 1, j - 1),
            Step::Down => i -= 1,
            Step::Right => j -= 1,
        }
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_filter_removes_spikes_and_reflects_edges() {
        let row = [1.0, 1.0, 9.0, 1.0, 1.0, 1.0, 1.0, 5.0];
        let out = median_filter(&row, 3);
        assert_eq!(out, vec![1.0; 8]);
        // Reflection: the window at index 0 is [4, 0, 4].
        assert_eq!(median_filter(&[0.0, 4.0, 2.0], 3), vec![4.0, 2.0, 4.0]);
        assert_eq!(median_filter(&[3.0, 1.0], 7), vec![3.0, 1.0]);
    }

    #[test]
    fn dtw_follows_the_cheap_diagonal_band() {
        // Row r is cheap on columns 2r and 2r+1.
        let (rows, cols) = (3, 6);
        let cost: Vec<f32> = (0..rows * cols).map(|k| if (k % cols) / 2 == k / cols { -1.0 } else { 1.0 }).collect();
        let path = dtw_path(&cost, rows, cols);
        assert_eq!(path.first(), Some(&(0, 0)));
        assert_eq!(path.last(), Some(&(2, 5)));
        assert!(path.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1));
        let entered: Vec<usize> =
            (0..rows).map(|r| path.iter().find(|&&(row, _)| row == r).map(|&(_, c)| c).unwrap()).collect();
        assert_eq!(entered, vec![0, 2, 4]);
    }

    #[test]
    fn tokens_start_where_their_attention_peaks() {
        // Two heads, three tokens over 40 frames; token t attends to frames 12t..12t+12.
        let (heads, tokens, frames) = (2, 3, 40);
        let mut scores = vec![0f32; heads * tokens * frames];
        for h in 0..heads {
            for t in 0..tokens {
                for f in 12 * t..12 * t + 12 {
                    scores[(h * tokens + t) * frames + f] = 6.0;
                }
            }
        }
        let input = HeadScores { scores: &scores, heads, tokens, frames };
        let starts = token_start_frames(&input, 0..3, 36);
        assert_eq!(starts.len(), 3);
        for (t, &s) in starts.iter().enumerate() {
            assert!(s.abs_diff(12 * t) <= 1, "token {t} starts at {s}: {starts:?}");
        }
        let later = token_start_frames(&input, 1..3, 36);
        assert_eq!(later.len(), 2);
        assert_eq!(later[0], 0, "the path starts at the first frame");
        assert!(later[1].abs_diff(24) <= 1, "{later:?}");
        assert!(token_start_frames(&HeadScores { scores: &scores[1..], heads, tokens, frames }, 0..3, 36).is_empty());
    }
}
