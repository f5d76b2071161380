//! Silero VAD over a 16 kHz mono 16-bit WAV: speech segments and speed (real-time factor).
//!
//! `cargo run --release -p session_transcribe --example silero_vad_wav -- MODEL_DIR AUDIO.wav`

use std::path::PathBuf;
use std::time::Instant;

use session_transcribe::{SileroVad, SpeechOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(model), Some(wav)) = (args.next(), args.next()) else {
        return Err("usage: silero_vad_wav MODEL_DIR AUDIO.wav (16 kHz mono 16-bit)".into());
    };
    let mut reader = hound::WavReader::open(&wav).map_err(|e| format!("{}: {e}", wav.display()))?;
    let spec = reader.spec();
    if spec.sample_rate != 16_000 || spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(format!("{}: 16 kHz mono 16-bit PCM expected, got {spec:?}", wav.display()).into());
    }
    let samples: Vec<f32> =
        reader.samples::<i16>().map(|s| s.map(|v| f32::from(v) / 32768.0)).collect::<Result<_, _>>()?;
    let vad = SileroVad::load(&model)?;
    let started = Instant::now();
    let map = vad.speech_map(&samples)?;
    let elapsed_s = started.elapsed().as_secs_f64();
    let segments = map.segments(&SpeechOptions::silero());
    let speech_s: f64 = segments.iter().map(|s| s.end_s - s.start_s).sum();
    println!(
        "{:.1} s of audio in {elapsed_s:.3} s ({:.0}x real time); {} segments, {speech_s:.1} s of speech",
        map.duration_s(),
        map.duration_s() / elapsed_s,
        segments.len()
    );
    Ok(())
}
