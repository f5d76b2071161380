//! Frames per second of the realtime `SafetyChecker::check_frame` (nudity model + covered/frozen
//! signals), one checker on one thread, with p50/p95 latency per frame.
//!
//! ```sh
//! NSFW_MODEL_DIR=$(scripts/prepare-nsfw-model | tail -n 1) \
//!   cargo run --release -p session_safety --example check_frame_throughput -- [FRAMES]
//! ```

use std::time::{Duration, Instant};

use session_safety::{PixelFormat, SafetyChecker, SafetyCheckerSettings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::var("NSFW_MODEL_DIR")
        .map_err(|_| "NSFW_MODEL_DIR is not set: run scripts/prepare-nsfw-model and pass the folder it prints")?;
    let frames: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().map_err(|_| format!("FRAMES must be a positive number, got {n:?}"))?,
        None => 60,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (width, height) in [(224u32, 224u32), (640, 360), (1280, 720)] {
        let mut checker = SafetyChecker::new(SafetyCheckerSettings {
            nudity_model: Some(folder.clone().into()),
            ..SafetyCheckerSettings::default()
        })?;
        // RGBA, as a browser's canvas or a decoded WebRTC frame gives it; moving so no frame repeats.
        let frame = |i: usize| -> Vec<u8> {
            (0..(width * height) as usize)
                .flat_map(|p| {
                    let (x, y) = (p % width as usize, p / width as usize);
                    [(x + i * 7) as u8, (y * 2 + i) as u8, ((x ^ y) + i * 3) as u8, 255]
                })
                .collect()
        };
        let inputs: Vec<Vec<u8>> = (0..frames + 3).map(frame).collect();
        for (i, input) in inputs.iter().take(3).enumerate() {
            checker.check_frame(input, width, height, PixelFormat::Rgba8, i as f64)?;
        }
        let mut latencies: Vec<Duration> = Vec::with_capacity(frames);
        let total = Instant::now();
        for (i, input) in inputs.iter().skip(3).enumerate() {
            let start = Instant::now();
            let check = checker.check_frame(input, width, height, PixelFormat::Rgba8, (i + 3) as f64)?;
            latencies.push(start.elapsed());
            std::hint::black_box(check);
        }
        let elapsed = total.elapsed();
        latencies.sort();
        let percentile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
        println!(
            "check_frame {width}x{height} RGBA, {frames} frames, {threads} cores: {:.1} frames/s, p50 {:.1} ms, p95 {:.1} ms",
            frames as f64 / elapsed.as_secs_f64(),
            percentile(0.50),
            percentile(0.95)
        );
    }
    Ok(())
}
