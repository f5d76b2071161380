//! Times the audio encoder per kind of operation, `f32` against 8-bit linears, interleaved.
//!
//! ```text
//! encoder_ops MODEL_DIR WAV [RUNS [SETTING ...]]
//! ```
//!
//! Encodes the first 30 seconds of `WAV` (16 kHz mono 16-bit PCM) `RUNS` times (default 5) with
//! each setting (`WEIGHTS-ATTENTION`: `f32|int8` - `blocks|fused`; default `f32-blocks
//! int8-blocks f32-fused int8-fused`), alternating, and prints the median seconds of each
//! operation, of the whole pass, and how far each output is from the first setting's
//! (docs/decisions/030).

use std::path::PathBuf;
use std::time::Instant;

use candle_core::{Device, Tensor};
use session_transcribe::encoder_op_times::EncoderOpTimes;
use session_transcribe::mel::LogMelExtractor;
use session_transcribe::{CandleWhisper, CandleWhisperSettings, EncoderAttention, WeightType};

const N_FRAMES: usize = 3000;

fn main() {
    if let Err(e) = run() {
        eprintln!("encoder_ops: {e}");
        std::process::exit(1);
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn setting(name: &str) -> Result<(WeightType, EncoderAttention), String> {
    match name.split_once('-') {
        Some((w, a)) => Ok((
            match w {
                "f32" => WeightType::F32,
                "int8" => WeightType::Int8,
                _ => return Err(format!("{name}: weights f32 or int8")),
            },
            match a {
                "blocks" => EncoderAttention::Blocks,
                "fused" => EncoderAttention::Fused,
                _ => return Err(format!("{name}: attention blocks or fused")),
            },
        )),
        None => Err(format!("{name}: WEIGHTS-ATTENTION expected")),
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: encoder_ops MODEL_DIR WAV [RUNS]";
    let model = PathBuf::from(args.next().ok_or(usage)?);
    let wav = PathBuf::from(args.next().ok_or(usage)?);
    let runs: usize = args.next().map_or(Ok(5), |r| r.parse().map_err(|e| format!("RUNS: {e}")))?;
    let mut names: Vec<String> = args.collect();
    if names.is_empty() {
        names = ["f32-blocks", "int8-blocks", "f32-fused", "int8-fused"].map(String::from).to_vec();
    }
    let kinds = names.iter().map(|n| setting(n)).collect::<Result<Vec<_>, _>>()?;
    let mut reader = hound::WavReader::open(&wav).map_err(|e| format!("{}: {e}", wav.display()))?;
    let samples: Vec<f32> = reader
        .samples::<i16>()
        .take(30 * 16_000)
        .map(|s| s.map(|v| f32::from(v) / 32768.0).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let models = kinds
        .iter()
        .map(|&(encoder_weights, encoder_attention)| {
            let settings = CandleWhisperSettings { encoder_weights, encoder_attention, ..Default::default() };
            CandleWhisper::load_with(&model, settings).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = std::fs::read_to_string(model.join("config.json")).map_err(|e| format!("config.json: {e}"))?;
    let config: serde_json::Value = serde_json::from_str(&config).map_err(|e| format!("config.json: {e}"))?;
    let n_mels = config["num_mel_bins"].as_u64().unwrap_or(80) as usize;
    let extractor = LogMelExtractor::new(n_mels);
    let window = extractor.compute(&samples).window(0, N_FRAMES);
    let mel = Tensor::from_vec(window, (1, n_mels, N_FRAMES), &Device::Cpu).map_err(|e| e.to_string())?;

    let mut times: Vec<Vec<(f64, EncoderOpTimes)>> = vec![Vec::new(); kinds.len()];
    let mut outputs = Vec::new();
    for run in 0..runs + 1 {
        for (i, whisper) in models.iter().enumerate() {
            let started = Instant::now();
            let (audio, ops) = whisper.bench_encode_timed(&mel).map_err(|e| e.to_string())?;
            let wall = started.elapsed().as_secs_f64();
            if run == 0 {
                outputs.push(audio.flatten_all().and_then(|a| a.to_vec1::<f32>()).map_err(|e| e.to_string())?);
            } else {
                times[i].push((wall, ops));
            }
        }
    }
    println!("| operation | {} |", names.iter().map(|k| format!("{k} s (share)")).collect::<Vec<_>>().join(" | "));
    println!("|---|{}", "---|".repeat(kinds.len()));
    let operations = EncoderOpTimes::default().parts().map(|(name, _)| name);
    for (p, operation) in operations.iter().enumerate() {
        let cells: Vec<String> = times
            .iter()
            .map(|runs| {
                let op = median(runs.iter().map(|(_, t)| t.parts()[p].1).collect());
                let total = median(runs.iter().map(|(_, t)| t.total_s()).collect());
                format!("{op:.4} ({:.1} %)", 100.0 * op / total)
            })
            .collect();
        println!("| {operation} | {} |", cells.join(" | "));
    }
    let walls: Vec<f64> = times.iter().map(|runs| median(runs.iter().map(|(w, _)| *w).collect())).collect();
    println!(
        "| whole pass (median of {runs}) | {} |",
        walls.iter().map(|w| format!("{w:.4}")).collect::<Vec<_>>().join(" | ")
    );
    for i in 1..names.len() {
        let paired: Vec<f64> = times[0].iter().zip(&times[i]).map(|(a, b)| a.0 / b.0).collect();
        let (a, b) = (&outputs[0], &outputs[i]);
        let mean_abs = a.iter().map(|v| v.abs() as f64).sum::<f64>() / a.len() as f64;
        let diff: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x - y).abs() as f64).collect();
        let max_diff = diff.iter().copied().fold(0.0, f64::max);
        let mean_diff = diff.iter().sum::<f64>() / diff.len() as f64;
        println!(
            "{} over {}: paired speed-up median {:.2}× ({paired:.2?}); output mean |Δ| {mean_diff:.2e}, max |Δ| {max_diff:.3} (mean |x| {mean_abs:.3})",
            names[i],
            names[0],
            median(paired.clone())
        );
    }
    Ok(())
}
