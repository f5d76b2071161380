//! Frames per second of `NudityClassifier::classify` on 640×360 RGB frames (squashed to
//! the model's 224×224 input), with p50/p95 latency per frame.
//!
//! ```sh
//! NSFW_MODEL_DIR=$(scripts/prepare-nsfw-model | tail -n 1) \
//!   cargo run --release -p session_safety --example nudity_throughput -- [FRAMES]
//! ```

use std::time::{Duration, Instant};

use session_safety::NudityClassifier;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 360;
const WARM_UP: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::var("NSFW_MODEL_DIR")
        .map_err(|_| "NSFW_MODEL_DIR is not set: run scripts/prepare-nsfw-model and pass the folder it prints")?;
    let frames: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().map_err(|_| format!("FRAMES must be a positive number, got {n:?}"))?,
        None => 60,
    };
    let loading = Instant::now();
    let classifier = NudityClassifier::load(&folder)?;
    eprintln!("loaded {folder} in {:.0} ms", loading.elapsed().as_secs_f64() * 1e3);

    // A moving pattern, so that no two frames are identical.
    let frame = |i: usize| -> Vec<u8> {
        (0..(WIDTH * HEIGHT) as usize)
            .flat_map(|p| {
                let (x, y) = (p % WIDTH as usize, p / WIDTH as usize);
                [(x + i * 7) as u8, (y * 2 + i) as u8, ((x ^ y) + i * 3) as u8]
            })
            .collect()
    };
    for i in 0..WARM_UP {
        classifier.classify(&frame(i), WIDTH, HEIGHT)?;
    }
    let inputs: Vec<Vec<u8>> = (0..frames).map(frame).collect();
    let mut latencies: Vec<Duration> = Vec::with_capacity(frames);
    let total = Instant::now();
    for input in &inputs {
        let start = Instant::now();
        let scores = classifier.classify(input, WIDTH, HEIGHT)?;
        latencies.push(start.elapsed());
        std::hint::black_box(scores);
    }
    let elapsed = total.elapsed();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{frames} frames {WIDTH}x{HEIGHT} -> 224x224 on {threads} threads: {:.1} frames/s, p50 {:.1} ms, p95 {:.1} ms",
        frames as f64 / elapsed.as_secs_f64(),
        percentile(0.50),
        percentile(0.95)
    );
    Ok(())
}
