//! A real Gemini call, only when `GEMINI_API_KEY` is set (never in CI):
//!
//! ```sh
//! GEMINI_API_KEY=... cargo run -p session_reasoning --example gemini_live [-- path/to/transcript.json]
//! ```
//!
//! Analyses the given `transcript.json` (or a short built-in tutoring exchange), prints the
//! `analysis.json` content and the transcript safety report. Without a key it says so and exits 0.

use std::process::ExitCode;

use serde_json::json;
use session_reasoning::{AnalysisInput, AnalysisLimits, Gemini, Llm, analyze_session, classify_transcript_safety};
use session_transcribe::{DecodingOptions, Segment, Transcript};

fn built_in_transcript() -> Transcript {
    let lines = [
        (0.0, 4.0, "Hi Maya, thanks for joining. How did the homework go?"),
        (4.0, 9.0, "Pretty well, but I got stuck on question three about photosynthesis."),
        (9.0, 16.0, "Okay, let's look at it together. What do plants need to make glucose?"),
        (16.0, 21.0, "Sunlight, water and carbon dioxide, I think."),
        (21.0, 27.0, "Exactly right. And where in the cell does that happen?"),
        (27.0, 30.0, "In the chloroplasts!"),
    ];
    let segments: Vec<Segment> =
        lines.iter().map(|&(start_s, end_s, text)| Segment::from_text(start_s, end_s, text)).collect();
    Transcript {
        language: Some("en".into()),
        duration_s: 30.0,
        text: lines.iter().map(|l| l.2).collect::<Vec<_>>().join(" "),
        segments,
        words: None,
        model_id: "built-in example".into(),
        decoding: DecodingOptions::default(),
    }
}

fn main() -> ExitCode {
    let gemini = match Gemini::from_env() {
        Ok(Some(gemini)) => gemini,
        Ok(None) => {
            println!("GEMINI_API_KEY is not set: skipping the live Gemini example.");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let transcript = match std::env::args().nth(1) {
        Some(path) => match std::fs::read_to_string(&path).map_err(|e| e.to_string()).and_then(|text| {
            serde_json::from_str::<Transcript>(&text).map_err(|e| format!("not a transcript.json: {e}"))
        }) {
            Ok(transcript) => transcript,
            Err(error) => {
                eprintln!("cannot read {path}: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => built_in_transcript(),
    };
    let input = AnalysisInput {
        session_id: "gemini-live-example".into(),
        transcript: Some(transcript.clone()),
        quality: json!({"score": 84.0, "audio": {"score": 88.0}, "video": {"score": 80.0}}),
        engagement: json!({"score": 76.0, "conversation": {"turn_count": 6, "balance": 0.7}}),
        context: Some("tutoring session".into()),
    };
    let limits = AnalysisLimits::default();
    println!("model: {}", gemini.model_id());
    match analyze_session(&gemini, &input, &limits) {
        Ok(analysis) => println!("{}", serde_json::to_string_pretty(&analysis).unwrap_or_default()),
        Err(error) => {
            eprintln!("analysis failed: {error}");
            return ExitCode::FAILURE;
        }
    }
    match classify_transcript_safety(&gemini, &transcript, &limits) {
        Ok(report) => println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
        Err(error) => {
            eprintln!("safety classification failed: {error}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
