//! Silero VAD in the pipeline, computed once per audio track: engagement's talk time and the
//! transcriber's skipped stretches on sentences separated by 8 s of steady white noise
//! (`gaps-noise-{10,0}db.ogg`), against the energy detectors (at 0 dB the energy VAD loses the
//! speech in the noise). Real weights
//! (scripts/prepare-silero-vad, scripts/prepare-whisper-tiny); the tests fail, not skip, without them.

mod support;

use std::path::Path;
use std::sync::Arc;

use session_processing::session_transcribe::wer;
use session_processing::{CancelFlag, CandleWhisper, SessionProcessorBuilder, SileroVad, Stages};
use support::{builder_for, fixture, fixture_spans, local, model_dir, number, read_json, silero_vad_dir};

const SPOKEN: &str = "The quarterly report is ready for review. \
Please send the invoice to the finance department tomorrow. \
Our team will meet again on Thursday afternoon.";

fn silero() -> Arc<SileroVad> {
    Arc::new(SileroVad::load(&silero_vad_dir()).expect("load Silero VAD"))
}

/// Runs `builder` on `input` as session "noisy" in `out`; returns that session's folder.
async fn run(builder: SessionProcessorBuilder, input: &str, out: &Path) -> std::path::PathBuf {
    builder.build().process("noisy", local(&fixture(input)), &CancelFlag::new()).await.expect("process");
    out.join("sessions/noisy")
}

/// `(talk_time_s, voice.vad)` of a session's engagement.json.
fn talk_time(session: &Path) -> (f64, String) {
    let engagement = read_json(&session.join("engagement.json"));
    let talk = number(&engagement, &["voice", "talk_time_s"]).expect("talk time");
    (talk, engagement["voice"]["vad"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn engagement_talk_time_follows_silero_in_steady_noise() {
    let stages = Stages { transcribe: false, store_recording: false, safety_scan: false, ..Stages::default() };
    let truth: f64 = fixture_spans("gaps-8s.txt").iter().map(|(a, b)| b - a).sum();
    for (input, snr_db) in [("gaps-noise-10db.ogg", 10), ("gaps-noise-0db.ogg", 0)] {
        let out = tempfile::tempdir().unwrap();
        let builder = builder_for(out.path()).stages(stages.clone()).voice_activity(silero());
        let (silero_talk, method) = talk_time(&run(builder, input, out.path()).await);
        let out = tempfile::tempdir().unwrap();
        let builder = builder_for(out.path()).stages(stages.clone());
        let (energy_talk, energy_method) = talk_time(&run(builder, input, out.path()).await);
        eprintln!("{snr_db} dB SNR: spoken {truth:.2} s; silero {silero_talk:.2} s, energy {energy_talk:.2} s");
        assert!(method.starts_with("silero-vad=="), "{method}");
        assert_eq!(energy_method, "energy");
        assert!((silero_talk - truth).abs() <= 0.25 * truth, "{snr_db} dB: silero {silero_talk:.2} s of {truth:.2} s");
        if snr_db == 0 {
            // Its adaptive floor rises with the noise and the speech no longer stands out of it.
            assert!((energy_talk - truth).abs() > 0.5 * truth, "the energy VAD was expected to fail at 0 dB");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_transcriber_skips_the_noise_only_stretches() {
    let whisper = Arc::new(CandleWhisper::load(&model_dir()).expect("load Whisper tiny.en"));
    let stages = Stages { store_recording: false, safety_scan: false, ..Stages::default() };
    let input = "gaps-noise-10db.ogg";
    let out = tempfile::tempdir().unwrap();
    let builder = builder_for(out.path()).stages(stages.clone()).transcriber(whisper.clone()).voice_activity(silero());
    let transcript = read_json(&run(builder, input, out.path()).await.join("transcript.json"));
    let energy_out = tempfile::tempdir().unwrap();
    let builder = builder_for(energy_out.path()).stages(stages).transcriber(whisper);
    let energy = read_json(&run(builder, input, energy_out.path()).await.join("transcript.json"));

    let decoding = &transcript["decoding"]["voice_activity"];
    assert_eq!(decoding["method"], "silero", "{decoding}");
    assert_eq!(energy["decoding"]["voice_activity"]["method"], "energy");
    let skipped = decoding["skipped_s"].as_f64().expect("skipped_s");
    // Three 8 s gaps of noise alone before the sentences, less 0.4 s of padding around each.
    assert!(skipped > 15.0, "only {skipped} s skipped");
    let (text, energy_text) = (transcript["text"].as_str().unwrap(), energy["text"].as_str().unwrap());
    let (error, energy_error) = (wer(SPOKEN, text), wer(SPOKEN, energy_text));
    eprintln!("silero WER {error:.3}: {text}\nenergy WER {energy_error:.3}: {energy_text}");
    // Whisper tiny on Opus-coded speech at 10 dB SNR: no worse than decoding the noise too.
    assert!(error <= energy_error.max(0.3) + 0.05, "WER {error:.3} (energy mask {energy_error:.3}): {text}");
    let spans = fixture_spans("gaps-noise-10db.txt");
    for segment in transcript["segments"].as_array().unwrap() {
        let (start, end) = (segment["start_s"].as_f64().unwrap(), segment["end_s"].as_f64().unwrap());
        let near = |t: f64| spans.iter().any(|&(a, b)| t >= a - 1.0 && t <= b + 1.0);
        assert!(near(start) && near(end), "text in the noise: {segment}, speech at {spans:?}");
    }
}

/// 16 kHz mono samples of a fixture, decoded by ffmpeg (independently of our media stage).
fn samples_of(name: &str) -> Vec<f64> {
    let output = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(fixture(name))
        .args(["-ac", "1", "-ar", "16000", "-f", "f32le", "-"])
        .output()
        .expect("ffmpeg (Debian: apt-get install ffmpeg)");
    assert!(output.status.success(), "ffmpeg could not decode {name}");
    output.stdout.chunks_exact(4).map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))).collect()
}

/// Mean square of `samples` over the spans for which `keep(t)` holds.
fn power(samples: &[f64], keep: impl Fn(f64) -> bool) -> f64 {
    let kept: Vec<f64> =
        samples.iter().enumerate().filter(|(i, _)| keep(*i as f64 / 16_000.0)).map(|(_, x)| x * x).collect();
    kept.iter().sum::<f64>() / kept.len() as f64
}

#[tokio::test(flavor = "multi_thread")]
async fn the_noise_score_measures_speech_over_the_noise_between_words() {
    // The truth, from the parts of the mix: the clean sentences' power inside their spoken spans
    // (gaps-8s.wav, gaps-8s.txt) over the noise's power in the 8 s gaps of the noisy file.
    let spans = fixture_spans("gaps-8s.txt");
    let spoken = |t: f64| spans.iter().any(|(a, b)| (*a..*b).contains(&t));
    let far_from_speech = |t: f64| spans.iter().all(|(a, b)| t < a - 0.5 || t > b + 0.5);
    let speech_power = power(&samples_of("gaps-8s.wav"), spoken);
    let stages = Stages { transcribe: false, store_recording: false, safety_scan: false, ..Stages::default() };
    for input in ["gaps-noise-10db.ogg", "gaps-noise-0db.ogg"] {
        let noise_power = power(&samples_of(input), far_from_speech);
        let truth = 10.0 * (speech_power / noise_power).log10();
        let out = tempfile::tempdir().unwrap();
        let builder = builder_for(out.path()).stages(stages.clone()).voice_activity(silero());
        let quality = read_json(&run(builder, input, out.path()).await.join("quality.json"));
        let metrics = &quality["audio"]["metrics"];
        let measured = metrics["snr_db"].as_f64().unwrap_or_else(|| panic!("{input}: no snr_db: {metrics:#}"));
        eprintln!("{input}: speech over noise {truth:.1} dB from the parts; measured {measured:.1} dB");
        assert!((measured - truth).abs() <= 2.0, "{input}: true {truth:.1} dB, measured {measured:.1} dB: {metrics:#}");
        assert!(metrics["speech_detector"].as_str().is_some_and(|d| d.starts_with("silero-vad")), "{metrics:#}");
    }
}
