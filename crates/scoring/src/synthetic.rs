//! Synthetic inputs for the unit tests: speech-like audio, textured moving
//! video frames, and the degraded versions of both.

use crate::{AudioAnalyzer, AudioFeatures, PacketInfo, VideoFeatures, compression_stats, frame_stats};

pub const RATE: u32 = 16_000;
pub const WIDTH: usize = 320;
pub const HEIGHT: usize = 180;

/// A sine of `freq_hz` with the given peak, `seconds` long at `sample_rate`.
pub fn sine(freq_hz: f64, peak: f64, sample_rate: u32, seconds: f64) -> Vec<f32> {
    let n = (f64::from(sample_rate) * seconds) as usize;
    (0..n)
        .map(|i| (peak * (2.0 * std::f64::consts::PI * freq_hz * i as f64 / f64::from(sample_rate)).sin()) as f32)
        .collect()
}

/// Deterministic noise in [-1, 1): splitmix64 of (seed, index).
pub fn noise(seed: u64, i: u64) -> f64 {
    let mut z = (i ^ seed.rotate_left(32)).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Approximately Gaussian noise with unit deviation (sum of 4 uniforms, rescaled).
pub fn gaussian(seed: u64, i: u64) -> f64 {
    (0..4).map(|k| noise(seed + k, i)).sum::<f64>() * (3.0f64 / 4.0).sqrt()
}

/// Speech-like audio: utterances of 1.2–3 s separated by 0.4–1.4 s pauses;
/// inside them syllables at about 4 per second (a raised-sine envelope) on a
/// six-harmonic voice whose pitch glides between 110 and 190 Hz; a
/// -70 dBFS noise bed as any microphone has.
pub fn speech_like(seconds: f64) -> Vec<f32> {
    let n = (seconds * f64::from(RATE)) as usize;
    let mut talking = vec![false; n];
    let (mut t, mut k) = (0.5, 0u64);
    while t < seconds {
        let utterance = 1.2 + 1.8 * (noise(7, k) * 0.5 + 0.5);
        let pause = 0.4 + 1.0 * (noise(8, k) * 0.5 + 0.5);
        let (a, b) = ((t * f64::from(RATE)) as usize, (((t + utterance) * f64::from(RATE)) as usize).min(n));
        talking[a..b].fill(true);
        t += utterance + pause;
        k += 1;
    }
    let mut phase = 0.0f64;
    (0..n)
        .map(|i| {
            let time = i as f64 / f64::from(RATE);
            let f0 = 150.0 + 40.0 * (2.0 * std::f64::consts::PI * 0.3 * time).sin();
            phase += 2.0 * std::f64::consts::PI * f0 / f64::from(RATE);
            let voice: f64 = (1..=6).map(|h| (phase * h as f64).sin() / h as f64).sum();
            let syllable = (std::f64::consts::PI * 4.0 * time).sin().abs().powf(0.7);
            let speech = if talking[i] { 0.25 * syllable * voice } else { 0.0 };
            (speech + 0.000_3 * gaussian(1, i as u64)) as f32
        })
        .collect()
}

/// The same, pushed through `x * gain` and clamped to [-1, 1].
pub fn clipped(samples: &[f32], gain: f32) -> Vec<f32> {
    samples.iter().map(|x| (x * gain).clamp(-1.0, 1.0)).collect()
}

/// The same with white Gaussian noise of equal RMS (0 dB SNR over the whole signal).
pub fn with_noise_at_0_db(samples: &[f32]) -> Vec<f32> {
    let rms = (samples.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
    samples.iter().enumerate().map(|(i, &x)| (f64::from(x) + rms * gaussian(99, i as u64)) as f32).collect()
}

pub fn analyze(samples: &[f32]) -> AudioFeatures {
    let mut analyzer = AudioAnalyzer::new(RATE).unwrap();
    for chunk in samples.chunks(1_000) {
        analyzer.push(chunk);
    }
    analyzer.finish()
}

/// A textured picture that moves with `time_s`: soft gradients, gratings
/// and hard-edged blocks, with a little sensor noise.
pub fn textured_frame(time_s: f64) -> Vec<u8> {
    let shift = time_s * 12.0;
    (0..HEIGHT)
        .flat_map(|y| (0..WIDTH).map(move |x| (x, y)))
        .map(|(x, y)| {
            let (xf, yf) = (x as f64 + shift, y as f64 + shift * 0.5);
            let gradient = 60.0 + 60.0 * (xf / WIDTH as f64);
            let grating = 25.0 * (xf / 6.0).sin() * (yf / 9.0).cos();
            let blocks = if ((xf / 24.0).floor() as i64 + (yf / 24.0).floor() as i64) % 2 == 0 { 40.0 } else { 0.0 };
            let sensor = 1.5 * gaussian(time_s.to_bits(), (y * WIDTH + x) as u64);
            (gradient + grating + blocks + sensor).round().clamp(0.0, 255.0) as u8
        })
        .collect()
}

pub fn darkened(plane: &[u8], factor: f64) -> Vec<u8> {
    plane.iter().map(|&p| (f64::from(p) * factor).round() as u8).collect()
}

/// Box blur with a square window of `2 * radius + 1` pixels.
pub fn box_blurred(plane: &[u8], radius: usize) -> Vec<u8> {
    let mut out = vec![0u8; plane.len()];
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let (y0, y1) = (y.saturating_sub(radius), (y + radius).min(HEIGHT - 1));
            let (x0, x1) = (x.saturating_sub(radius), (x + radius).min(WIDTH - 1));
            let mut sum = 0u32;
            for yy in y0..=y1 {
                for xx in x0..=x1 {
                    sum += u32::from(plane[yy * WIDTH + xx]);
                }
            }
            out[y * WIDTH + x] = (sum / ((y1 - y0 + 1) * (x1 - x0 + 1)) as u32) as u8;
        }
    }
    out
}

/// `plane` with each 8 × 8 block (cut at the borders) pulled towards its own mean by
/// `strength` (0 none, 1 flat blocks): what coarse quantisation of a block transform leaves.
pub fn blocked(plane: &[u8], strength: f64) -> Vec<u8> {
    let mut out = plane.to_vec();
    for by in (0..HEIGHT).step_by(8) {
        for bx in (0..WIDTH).step_by(8) {
            let (y1, x1) = ((by + 8).min(HEIGHT), (bx + 8).min(WIDTH));
            let pixels = || (by..y1).flat_map(|y| (bx..x1).map(move |x| y * WIDTH + x));
            let mean = pixels().map(|i| f64::from(plane[i])).sum::<f64>() / pixels().count() as f64;
            for i in pixels() {
                out[i] = (f64::from(plane[i]) + strength * (mean - f64::from(plane[i]))).round() as u8;
            }
        }
    }
    out
}

pub fn with_pixel_noise(plane: &[u8], sigma: f64) -> Vec<u8> {
    plane
        .iter()
        .enumerate()
        .map(|(i, &p)| (f64::from(p) + sigma * gaussian(5, i as u64)).round().clamp(0.0, 255.0) as u8)
        .collect()
}

/// Packets of a 30 fps stream: a key frame every 2 s, `p_frame_bytes` otherwise.
pub fn packets_30fps(seconds: f64, p_frame_bytes: u32) -> Vec<PacketInfo> {
    (0..(seconds * 30.0) as usize)
        .map(|i| PacketInfo {
            pts_s: Some(i as f64 / 30.0),
            dts_s: Some(i as f64 / 30.0),
            duration_s: Some(1.0 / 30.0),
            size_bytes: if i % 60 == 0 { 40_000 } else { p_frame_bytes },
            keyframe: i % 60 == 0,
        })
        .collect()
}

/// One sampled frame per second for `seconds`, each made by `plane(time_s)`, which also stands
/// for the frame's luma at its coded size.
pub fn video(seconds: usize, p_frame_bytes: u32, plane: impl Fn(f64) -> Vec<u8>) -> VideoFeatures {
    let (mut frames, mut compression) = (Vec::new(), Vec::new());
    for s in 0..seconds {
        let t = s as f64;
        let luma = plane(t);
        frames.push(frame_stats(&luma, WIDTH as u32, HEIGHT as u32, WIDTH, t));
        compression.extend(compression_stats(&luma, WIDTH as u32, HEIGHT as u32, WIDTH, t));
    }
    VideoFeatures {
        width: 1280,
        height: 720,
        declared_fps: Some(30.0),
        duration_s: seconds as f64,
        packets: packets_30fps(seconds as f64, p_frame_bytes),
        frames,
        compression,
    }
}
