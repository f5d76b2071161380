//! The pipeline on real recordings of people, against their independent references
//! (`scripts/prepare-validation-corpus`; the figures are in docs/validation.md).
//!
//! pyannote.audio's sample: 30 s of a real two-person conversation with its reference speaker
//! timeline (RTTM), recorded as one mixed track, as a room-composite egress records a session.
//! whisper.cpp's JFK sample: 11 s of a real speech (1961) with its known words.

mod support;

use std::path::Path;
use std::sync::Arc;

use session_processing::session_transcribe::wer;
use session_processing::{CancelFlag, CandleWhisper, SessionProcessorBuilder, SileroVad, Stages};
use support::{base_model_dir, builder_for, local, model_dir, read_json, silero_vad_dir, validation_corpus_dir};

/// Spacing of the frames speech is compared on, seconds.
const STEP_S: f64 = 0.01;

/// `(speaker, start_s, end_s)` per `SPEAKER` line of an RTTM file.
fn rttm(path: &Path) -> Vec<(String, f64, f64)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|line| line.starts_with("SPEAKER"))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let start: f64 = fields[3].parse().expect("onset");
            let duration: f64 = fields[4].parse().expect("duration");
            (fields[7].to_string(), start, start + duration)
        })
        .collect()
}

/// Which `STEP_S` frames of `duration_s` fall inside any of `spans`.
fn frames(spans: &[(f64, f64)], duration_s: f64) -> Vec<bool> {
    let count = (duration_s / STEP_S).round() as usize;
    (0..count)
        .map(|i| {
            let t = (i as f64 + 0.5) * STEP_S;
            spans.iter().any(|&(start, end)| t >= start && t < end)
        })
        .collect()
}

/// What one run found: the speech share, the speech spans, and the safety categories flagged.
struct Found {
    speech_ratio: f64,
    speech: Vec<(f64, f64)>,
    vad: String,
    flagged: Vec<String>,
}

async fn run(builder: SessionProcessorBuilder, recording: &Path, out: &Path) -> Found {
    let stages = Stages { transcribe: false, ..Stages::default() };
    let processor = builder.stages(stages).build();
    processor.process("corpus", local(recording), &CancelFlag::new()).await.expect("the run completes");
    let dir = out.join("sessions/corpus");
    let engagement = read_json(&dir.join("engagement.json"));
    let speech = engagement["voice"]["speech_segments"]
        .as_array()
        .expect("speech segments")
        .iter()
        .map(|s| (s["start_s"].as_f64().unwrap(), s["end_s"].as_f64().unwrap()))
        .collect();
    let scan = read_json(&dir.join("safety-scan.json"));
    let flagged = scan["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["decision"] == "flagged")
        .map(|c| c["category"].as_str().unwrap().to_string())
        .collect();
    Found {
        speech_ratio: engagement["speech_ratio"].as_f64().expect("speech_ratio"),
        speech,
        vad: engagement["voice"]["vad"].as_str().unwrap_or_default().to_string(),
        flagged,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn speech_on_a_real_conversation_matches_its_reference_timeline() {
    let folder = validation_corpus_dir().join("pyannote-sample");
    let recording = folder.join("sample.wav");
    let reference = rttm(&folder.join("sample.rttm"));
    assert_eq!(reference.iter().map(|(who, ..)| who).collect::<std::collections::BTreeSet<_>>().len(), 2);
    let duration_s = 30.0;
    let truth = frames(&reference.iter().map(|&(_, s, e)| (s, e)).collect::<Vec<_>>(), duration_s);
    let truth_share = truth.iter().filter(|&&v| v).count() as f64 / truth.len() as f64;

    let silero = Arc::new(SileroVad::load(&silero_vad_dir()).expect("load Silero VAD"));
    for detector in ["silero", "energy"] {
        let out = tempfile::tempdir().unwrap();
        let builder = builder_for(out.path());
        let builder = if detector == "silero" { builder.voice_activity(silero.clone()) } else { builder };
        let found = run(builder, &recording, out.path()).await;
        let ours = frames(&found.speech, duration_s);
        let missed = truth.iter().zip(&ours).filter(|&(&t, &o)| t && !o).count() as f64;
        let false_alarm = truth.iter().zip(&ours).filter(|&(&t, &o)| !t && o).count() as f64;
        let speech_frames = truth.iter().filter(|&&v| v).count() as f64;
        let error = (missed + false_alarm) / speech_frames;
        println!(
            "{detector} ({}): speech share {:.3} vs reference {truth_share:.3}; detection error {:.3} \
             (missed {:.3}, false alarm {:.3} of the reference speech)",
            found.vad,
            found.speech_ratio,
            error,
            missed / speech_frames,
            false_alarm / speech_frames
        );
        assert!(
            (found.speech_ratio - truth_share).abs() <= 0.03,
            "{detector}: speech share {} vs the reference timeline's {truth_share:.3} (target: within 0.03)",
            found.speech_ratio
        );
        assert!(error <= 0.10, "{detector}: speech detection error {error:.3} against the reference timeline");
        assert!(
            found.flagged.is_empty(),
            "{detector}: an ordinary conversation recorded as one mixed track flagged {:?}",
            found.flagged
        );
    }
}

/// On a track declared as one person's, the second-voice check splits the voiced speech into
/// two pitch registers. Here the minor register's share is checked against the quieter speaker's
/// share of the reference timeline. Whether the pair is *flagged* depends on how far apart the
/// registers are: this pair (about 175 and 230 Hz, under 5 semitones) scores far below the
/// threshold, a miss docs/validation.md records; the assertion is on the measurement.
#[tokio::test(flavor = "multi_thread")]
async fn the_second_voice_check_splits_a_real_pair_like_the_reference_timeline() {
    let folder = validation_corpus_dir().join("pyannote-sample");
    let reference = rttm(&folder.join("sample.rttm"));
    let talk = |who: &str| reference.iter().filter(|(w, ..)| w == who).map(|(_, s, e)| e - s).sum::<f64>();
    let (a, b) = (talk("speaker90"), talk("speaker91"));
    let minor_reference = a.min(b) / (a + b);

    let out = tempfile::tempdir().unwrap();
    let safety = session_processing::SafetySettings { one_person_recording: true, ..Default::default() };
    let silero = Arc::new(SileroVad::load(&silero_vad_dir()).expect("load Silero VAD"));
    run(builder_for(out.path()).voice_activity(silero).safety(safety), &folder.join("sample.wav"), out.path()).await;
    let scan = read_json(&out.path().join("sessions/corpus/safety-scan.json"));
    let suspicious = scan["categories"].as_array().unwrap().iter().find(|c| c["category"] == "suspicious_behavior");
    let voice = &suspicious.expect("a suspicious_behavior verdict")["signals"]["second_voice"];
    let minor = voice["minor_share"].as_f64().unwrap_or_else(|| panic!("the second voice was checked: {voice}"));
    println!(
        "second voice: registers {} / {} Hz, minor share {minor:.3} vs the reference's {minor_reference:.3}, \
         score {} (threshold {})",
        voice["low_hz"],
        voice["high_hz"],
        voice["score"],
        suspicious.unwrap()["threshold"]
    );
    assert!(
        (minor - minor_reference).abs() <= 0.1,
        "minor register share {minor} vs the quieter speaker's share {minor_reference:.3} of the reference"
    );
}

/// Whisper tiny.en and base through the pipeline on a real recording of speech: the transcript's
/// words against the speech's known words.
#[tokio::test(flavor = "multi_thread")]
async fn a_real_speech_is_transcribed_with_its_known_words() {
    let folder = validation_corpus_dir().join("jfk");
    let reference = std::fs::read_to_string(folder.join("jfk.txt")).expect("the known words");
    for (name, model) in [("tiny.en", model_dir()), ("base", base_model_dir())] {
        let whisper = Arc::new(CandleWhisper::load(&model).expect("load Whisper"));
        let out = tempfile::tempdir().unwrap();
        let processor = builder_for(out.path()).transcriber(whisper).build();
        processor.process("jfk", local(&folder.join("jfk.wav")), &CancelFlag::new()).await.expect("the run completes");
        let transcript = read_json(&out.path().join("sessions/jfk/transcript.json"));
        let text = transcript["text"].as_str().expect("the transcript's text");
        let error = wer(&reference, text);
        println!("{name} ({}): WER {error:.3} on the JFK sample", transcript["language"]);
        assert_eq!(transcript["language"], "en", "{name}");
        assert!(error <= 0.05, "{name}: WER {error:.3}: {text:?}");
    }
}
