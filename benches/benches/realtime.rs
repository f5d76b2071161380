//! What the server-side room monitor (decision 020) costs per frame: `SafetyChecker::check_frame`
//! on one RGBA camera frame, with the nsfwjs model (`NSFW_MODEL_DIR`, from
//! `scripts/prepare-nsfw-model`) and without it. One frame is checked on one core at a time, so
//! frames scored per second per core = 1 / the time per frame.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use session_processing::{PixelFormat, SafetyChecker, SafetyCheckerSettings};

/// A camera-like RGBA frame: smooth gradients with a moving bright square, different per `n`.
fn frame(width: u32, height: u32, n: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height * 4) as usize);
    for y in 0..height {
        for x in 0..width {
            let square = (x + n * 8) % width < 60 && (height / 3..height / 2).contains(&y);
            let [r, g, b] =
                if square { [250, 240, 230] } else { [(x / 3 + n) as u8, (y / 2) as u8, ((x + y) / 5) as u8] };
            pixels.extend_from_slice(&[r, g, b, 255]);
        }
    }
    pixels
}

fn nudity_model() -> PathBuf {
    std::env::var_os("NSFW_MODEL_DIR")
        .map(PathBuf::from)
        .expect("NSFW_MODEL_DIR is not set: run scripts/prepare-nsfw-model and export the folder it prints")
}

fn check_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("room_monitor_check_frame");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    for (width, height) in [(640, 480), (1280, 720)] {
        let frames: Vec<Vec<u8>> = (0..4).map(|n| frame(width, height, n)).collect();
        for (label, model) in [("nudity_model", Some(nudity_model())), ("signals_only", None)] {
            let settings = SafetyCheckerSettings { nudity_model: model, ..Default::default() };
            let mut checker = SafetyChecker::new(settings).expect("checker");
            let mut n = 0usize;
            group.bench_function(format!("{label}_{width}x{height}_rgba"), |b| {
                b.iter(|| {
                    n += 1;
                    let pixels = &frames[n % frames.len()];
                    let time_s = n as f64;
                    black_box(checker.check_frame(black_box(pixels), width, height, PixelFormat::Rgba8, time_s))
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, check_frame);
criterion_main!(benches);
