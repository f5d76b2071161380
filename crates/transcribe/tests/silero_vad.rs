//! Silero VAD in Rust against the reference: the original ONNX model run by onnxruntime with the
//! reference's chunking and state (tools/silero_reference.py), and Silero's own
//! `get_speech_timestamps_from_probs`, on espeak-ng speech, silence and noise. These tests fail,
//! rather than skip, when the model cannot be prepared or the reference cannot run.

mod support;

use std::path::Path;
use std::process::Command;

use session_transcribe::{SpeechMap, SpeechOptions, TranscribeError};
use support::{espeak, silence, silero, silero_vad_dir, speech_between_noise, white_noise};

/// The reference tool's JSON output for `args`.
fn reference(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let python = support::faster_whisper_python();
    let script = support::repo_root().join("tools/silero_reference.py");
    let output = Command::new(&python).arg(&script).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {} (onnxruntime is in the repo's .venv; set FASTER_WHISPER_PYTHON): {e}", python.display())
    });
    assert!(output.status.success(), "{} failed: {}", script.display(), String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("reference JSON")
}

fn write_f32(path: &Path, samples: &[f32]) {
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).expect("write samples");
}

/// Speech, silence, steady noise and speech in noise at 10 dB and 0 dB SNR; not a multiple of 512.
fn mixed_audio() -> Vec<f32> {
    let mut samples = espeak("Could you tell me about a project you are proud of?");
    samples.extend(silence(2.0));
    samples.extend(white_noise(3.0, 0.05, 3));
    let (noisy, _) = speech_between_noise(&["What was the hardest part of that work?"], 1.5, 10.0);
    samples.extend(noisy);
    let (very_noisy, _) = speech_between_noise(&["Keeping the data consistent."], 1.0, 0.0);
    samples.extend(very_noisy);
    samples.extend(silence(0.3));
    samples.truncate(samples.len() - 77);
    samples
}

#[test]
fn probabilities_match_onnxruntime() {
    let samples = mixed_audio();
    let dir = support::tempfile_dir();
    let audio = dir.join("audio.f32");
    write_f32(&audio, &samples);
    let onnx = silero_vad_dir().join("reference/silero_vad.onnx");
    let expected: Vec<f64> =
        serde_json::from_value(reference(&["probabilities".as_ref(), onnx.as_os_str(), audio.as_os_str()]))
            .expect("a list of probabilities");
    let actual = silero().speech_probabilities(&samples).expect("probabilities");
    assert_eq!(actual.len(), expected.len(), "one probability per 512 samples, the last chunk padded");
    let max_diff = actual.iter().zip(&expected).map(|(a, e)| (f64::from(*a) - e).abs()).fold(0.0, f64::max);
    eprintln!("{} chunks, max |rust - onnxruntime| = {max_diff:.2e}", actual.len());
    assert!(max_diff < 1e-3, "max difference {max_diff}");
    // The audio has speech and non-speech: both ends of the range occur.
    assert!(expected.iter().any(|&p| p > 0.9) && expected.iter().any(|&p| p < 0.1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn streaming_in_odd_pieces_gives_the_same_probabilities() {
    let samples = mixed_audio();
    let whole = silero().speech_probabilities(&samples).expect("probabilities");
    let mut stream = silero().stream();
    for piece in samples.chunks(1_000) {
        stream.push(piece).expect("push");
    }
    assert_eq!(stream.finish().probabilities(), whole.as_slice());
}

#[test]
fn segments_match_silero_post_processing() {
    let samples = mixed_audio();
    let dir = support::tempfile_dir();
    let audio = dir.join("audio.f32");
    write_f32(&audio, &samples);
    let onnx = silero_vad_dir().join("reference/silero_vad.onnx");
    let probabilities: Vec<f32> =
        serde_json::from_value(reference(&["probabilities".as_ref(), onnx.as_os_str(), audio.as_os_str()]))
            .expect("probabilities");
    let probs_path = dir.join("probs.json");
    std::fs::write(&probs_path, serde_json::to_vec(&probabilities).unwrap()).unwrap();
    let map = SpeechMap::new(probabilities, samples.len(), "reference".into());
    let utils = silero_vad_dir().join("reference/utils_vad.py");
    let n_samples = samples.len().to_string();
    for (options, kwargs) in [
        (SpeechOptions::silero(), serde_json::json!({})),
        (
            SpeechOptions::whisper(),
            serde_json::json!({"min_silence_duration_ms": 2000, "speech_pad_ms": 400, "min_speech_duration_ms": 0}),
        ),
    ] {
        let kwargs_path = dir.join("options.json");
        std::fs::write(&kwargs_path, kwargs.to_string()).unwrap();
        let expected: Vec<(usize, usize)> = serde_json::from_value(reference(&[
            "segments".as_ref(),
            utils.as_os_str(),
            probs_path.as_os_str(),
            n_samples.as_ref(),
            kwargs_path.as_os_str(),
        ]))
        .expect("segments");
        assert!(!expected.is_empty());
        assert_eq!(map.segments_in_samples(&options), expected, "{options:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn steady_noise_is_not_speech_and_speech_in_noise_is() {
    let (samples, spans) = speech_between_noise(
        &["Good morning, and thank you for joining the interview today.", "What was the hardest part of that work?"],
        6.0,
        10.0,
    );
    let map = silero().speech_map(&samples).expect("map");
    let segments = map.segments(&SpeechOptions::silero());
    let inside = |t: f64| spans.iter().any(|&(a, b)| t >= a - 0.3 && t <= b + 0.3);
    for s in &segments {
        assert!(inside(s.start_s) && inside(s.end_s), "speech found in the noise: {s:?} (speech at {spans:?})");
    }
    let found: f64 = segments.iter().map(|s| s.end_s - s.start_s).sum();
    let truth: f64 = spans.iter().map(|(a, b)| b - a).sum();
    eprintln!("speech found {found:.2} s of {truth:.2} s");
    assert!((found - truth).abs() < 0.25 * truth, "found {found:.2} s of speech, {truth:.2} s spoken");
}

#[test]
fn a_missing_folder_names_the_file_and_the_script() {
    let dir = support::tempfile_dir();
    let error = session_transcribe::SileroVad::load(&dir).err().expect("an empty folder is not a model");
    assert!(matches!(error, TranscribeError::VadModelNotFound { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("config.json") && message.contains("scripts/prepare-silero-vad"), "{message}");
    std::fs::write(dir.join("config.json"), r#"{"format": "silero-vad-16k/1"}"#).unwrap();
    std::fs::write(dir.join("model.safetensors"), b"not safetensors").unwrap();
    let error = session_transcribe::SileroVad::load(&dir).err().expect("bad weights");
    assert!(matches!(error, TranscribeError::InvalidModel { .. }) && error.to_string().contains("model.safetensors"));
    let _ = std::fs::remove_dir_all(&dir);
}
