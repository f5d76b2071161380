//! Transcribes a 16 kHz mono 16-bit WAV with CandleWhisper: the transcript JSON goes to stdout,
//! timings and the real-time factor to stderr.
//!
//! ```sh
//! cargo run --release -p session_transcribe --features candle --example transcribe_wav -- \
//!     "$(scripts/prepare-whisper-tiny)" speech16k.wav [--projection f16|f32|q8|int8] [--decoder-weights f32|int8] [--encoder-weights f32|int8] [--encoder-attention blocks|fused] [--language en] \
//!     [--word-timestamps on|off] [--hallucination-guard on|off] [--vad SILERO_DIR [--pack-speech]] \
//!     [--profile STATS.json]
//! ```
//!
//! A second stderr line gives where the time went (`TranscriptionStats::summary`); `--profile`
//! also writes the stats with every window's decoding passes as JSON.
//!
//! With `--vad`, Silero VAD's speech map (computed inside the timed transcription) decides what
//! is skipped before decoding, as in the pipeline; `--pack-speech` joins its speech stretches
//! before decoding instead (`DecodingOptions::pack_speech`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use session_transcribe::{
    CandleWhisper, CandleWhisperSettings, DecodingOptions, EncoderAttention, ProjectionType, SileroVad, Transcriber,
    WeightType,
};

struct Args {
    model: PathBuf,
    wav: PathBuf,
    projection: ProjectionType,
    decoder_weights: WeightType,
    encoder_weights: WeightType,
    encoder_attention: EncoderAttention,
    language: Option<String>,
    word_timestamps: Option<bool>,
    hallucination_guard: Option<bool>,
    vad: Option<PathBuf>,
    pack_speech: bool,
    profile: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let usage = "usage: transcribe_wav MODEL_DIR WAV [--projection f16|f32|q8|int8] [--decoder-weights f32|int8] [--encoder-weights f32|int8] [--encoder-attention blocks|fused] [--language CODE] [--word-timestamps on|off] \
         [--hallucination-guard on|off] [--vad SILERO_DIR [--pack-speech]] [--profile STATS_JSON]";
    let mut positional = Vec::new();
    let defaults = CandleWhisperSettings::default();
    let mut projection = defaults.projection;
    let mut decoder_weights = defaults.decoder_weights;
    let mut encoder_weights = defaults.encoder_weights;
    let mut encoder_attention = defaults.encoder_attention;
    let mut language = None;
    let mut word_timestamps = None;
    let mut hallucination_guard = None;
    let mut vad = None;
    let mut pack_speech = false;
    let mut profile = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--projection" => {
                projection = match args.next().as_deref() {
                    Some("f16") => ProjectionType::F16,
                    Some("f32") => ProjectionType::F32,
                    Some("q8") => ProjectionType::Q8,
                    Some("int8") => ProjectionType::Int8,
                    other => {
                        return Err(format!("--projection takes f16, f32, q8 or int8, not {other:?}"));
                    }
                }
            }
            "--decoder-weights" => {
                decoder_weights = match args.next().as_deref() {
                    Some("f32") => WeightType::F32,
                    Some("int8") => WeightType::Int8,
                    other => return Err(format!("--decoder-weights takes f32 or int8, not {other:?}")),
                }
            }
            "--encoder-weights" => {
                encoder_weights = match args.next().as_deref() {
                    Some("f32") => WeightType::F32,
                    Some("int8") => WeightType::Int8,
                    other => return Err(format!("--encoder-weights takes f32 or int8, not {other:?}")),
                }
            }
            "--encoder-attention" => {
                encoder_attention = match args.next().as_deref() {
                    Some("blocks") => EncoderAttention::Blocks,
                    Some("fused") => EncoderAttention::Fused,
                    other => return Err(format!("--encoder-attention takes blocks or fused, not {other:?}")),
                }
            }
            "--language" => language = Some(args.next().ok_or(usage)?),
            "--word-timestamps" => word_timestamps = Some(on_off(&arg, args.next())?),
            "--hallucination-guard" => hallucination_guard = Some(on_off(&arg, args.next())?),
            "--vad" => vad = Some(PathBuf::from(args.next().ok_or(usage)?)),
            "--pack-speech" => pack_speech = true,
            "--profile" => profile = Some(PathBuf::from(args.next().ok_or(usage)?)),
            _ => positional.push(PathBuf::from(arg)),
        }
    }
    let [model, wav] = <[PathBuf; 2]>::try_from(positional).map_err(|_| usage.to_owned())?;
    Ok(Args {
        model,
        wav,
        projection,
        decoder_weights,
        encoder_weights,
        encoder_attention,
        language,
        word_timestamps,
        hallucination_guard,
        vad,
        pack_speech,
        profile,
    })
}

fn on_off(flag: &str, value: Option<String>) -> Result<bool, String> {
    match value.as_deref() {
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        other => Err(format!("{flag} takes on or off, not {other:?}")),
    }
}

fn read_wav(path: &PathBuf) -> Result<Vec<f32>, String> {
    let mut reader = hound::WavReader::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec = reader.spec();
    if spec.channels != 1 || spec.sample_rate != 16_000 || spec.bits_per_sample != 16 {
        return Err(format!(
            "{}: need 16 kHz mono 16-bit PCM, got {} Hz, {} channels, {} bits \
             (convert with: ffmpeg -i IN -ac 1 -ar 16000 -c:a pcm_s16le OUT.wav)",
            path.display(),
            spec.sample_rate,
            spec.channels,
            spec.bits_per_sample
        ));
    }
    reader.samples::<i16>().map(|s| s.map(|v| f32::from(v) / 32768.0).map_err(|e| e.to_string())).collect()
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let samples = read_wav(&args.wav)?;
    let started = Instant::now();
    let settings = CandleWhisperSettings {
        projection: args.projection,
        decoder_weights: args.decoder_weights,
        encoder_weights: args.encoder_weights,
        encoder_attention: args.encoder_attention,
        ..Default::default()
    };
    let whisper = CandleWhisper::load_with(&args.model, settings).map_err(|e| e.to_string())?;
    let vad = args.vad.as_deref().map(SileroVad::load).transpose().map_err(|e| e.to_string())?;
    let load_s = started.elapsed().as_secs_f64();
    let mut options = DecodingOptions { language: args.language, pack_speech: args.pack_speech, ..Default::default() };
    if let Some(on) = args.word_timestamps {
        options.word_timestamps = on;
    }
    if args.hallucination_guard == Some(false) {
        options.hallucination_silence_threshold_s = None;
    }
    let started = Instant::now();
    let speech = vad.as_ref().map(|v| v.speech_map(&samples)).transpose().map_err(|e| e.to_string())?;
    let speech_map_s = started.elapsed().as_secs_f64();
    let (transcript, stats) =
        whisper.transcribe_profiled(&samples, &options, speech.as_ref()).map_err(|e| e.to_string())?;
    let transcribe_s = started.elapsed().as_secs_f64();
    println!("{}", serde_json::to_string_pretty(&transcript).map_err(|e| e.to_string())?);
    let audio_s = transcript.duration_s;
    eprintln!(
        "model {} | load {load_s:.2} s | audio {audio_s:.2} s | transcribe {transcribe_s:.2} s | \
         rtf {:.4} ({:.1}x real time) | threads {}",
        whisper.model_id(),
        transcribe_s / audio_s,
        audio_s / transcribe_s,
        candle_core_threads()
    );
    eprintln!("profile | speech map {speech_map_s:.2} s | {}", stats.summary());
    if let Some(path) = &args.profile {
        let json = serde_json::to_string_pretty(&stats).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn candle_core_threads() -> String {
    std::env::var("RAYON_NUM_THREADS")
        .unwrap_or_else(|_| std::thread::available_parallelism().map(|n| n.to_string()).unwrap_or_else(|_| "?".into()))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("transcribe_wav: {message}");
            ExitCode::FAILURE
        }
    }
}
