//! Synthetic inputs for the criterion benches in `benches/benches/`.

use session_scoring::{AudioAnalyzer, AudioFeatures, FrameStats, PacketInfo, VideoFeatures, frame_stats};

/// Deterministic noise in [-1, 1) (splitmix64 of the index).
fn noise(i: u64) -> f64 {
    let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Speech-like audio: a gliding six-harmonic voice with syllables at 4 per
/// second, 2 s on and 1 s off, over a faint noise bed.
pub fn speech_like_audio(sample_rate: u32, seconds: f64) -> Vec<f32> {
    let rate = f64::from(sample_rate);
    let mut phase = 0.0f64;
    (0..(rate * seconds) as u64)
        .map(|i| {
            let t = i as f64 / rate;
            phase += 2.0 * std::f64::consts::PI * (150.0 + 40.0 * (0.6 * std::f64::consts::PI * t).sin()) / rate;
            let voice: f64 = (1..=6).map(|h| (phase * f64::from(h)).sin() / f64::from(h)).sum();
            let talking = t % 3.0 < 2.0;
            let syllable = (4.0 * std::f64::consts::PI * t).sin().abs();
            let speech = if talking { 0.25 * syllable * voice } else { 0.0 };
            (speech + 0.000_3 * noise(i)) as f32
        })
        .collect()
}

/// A textured luma plane that moves with `time_s`.
pub fn textured_plane(width: usize, height: usize, time_s: f64) -> Vec<u8> {
    let shift = time_s * 12.0;
    (0..width * height)
        .map(|i| {
            let (x, y) = ((i % width) as f64 + shift, (i / width) as f64);
            let blocks = if ((x / 24.0).floor() as i64 + (y / 24.0).floor() as i64) % 2 == 0 { 40.0 } else { 0.0 };
            let value = 60.0 + 60.0 * x / width as f64 + 25.0 * (x / 6.0).sin() * (y / 9.0).cos() + blocks;
            (value + 1.5 * noise(i as u64)).round().clamp(0.0, 255.0) as u8
        })
        .collect()
}

/// Ten minutes of audio features and of video features (30 fps packets,
/// one sampled 320×180 frame per second).
pub fn ten_minutes_of_features() -> (AudioFeatures, VideoFeatures) {
    let seconds = 600usize;
    let mut analyzer = AudioAnalyzer::new(16_000).expect("16 kHz is supported");
    for chunk in speech_like_audio(16_000, seconds as f64).chunks(16_000) {
        analyzer.push(chunk);
    }
    let frames: Vec<FrameStats> =
        (0..seconds).map(|s| frame_stats(&textured_plane(320, 180, s as f64), 320, 180, 320, s as f64)).collect();
    let packets = (0..seconds * 30)
        .map(|i| PacketInfo {
            pts_s: Some(i as f64 / 30.0),
            dts_s: Some(i as f64 / 30.0),
            duration_s: Some(1.0 / 30.0),
            size_bytes: if i % 60 == 0 { 40_000 } else { 6_000 },
            keyframe: i % 60 == 0,
        })
        .collect();
    let video = VideoFeatures {
        width: 1280,
        height: 720,
        declared_fps: Some(30.0),
        duration_s: seconds as f64,
        packets,
        frames,
    };
    (analyzer.finish(), video)
}
