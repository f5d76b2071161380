//! `session-processing`: process a recorded session into `sessions/<id>/…`, render its report
//! again, or probe a recording.

mod env_settings;
mod models;
mod participant_spec;
mod signals;
mod summary;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::{Parser, Subcommand};
use session_processing::{CancelFlag, Limits, ProcessorConfig, RecordingInput, StoredSession, runtime, write_report};

#[derive(Parser)]
#[command(
    name = "session-processing",
    version,
    about = "Turn a recorded LiveKit session into quality, engagement and transcript artifacts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Process a recording into <OUT>/sessions/<ID>/…
    Process {
        /// A local file, or s3://bucket/key (S3 settings from AWS_* variables and S3_ENDPOINT).
        input: Option<String>,
        /// One recording per participant instead of INPUT (the 1:1 flow): ID=FILE_OR_S3_URI[@OFFSET_S],
        /// repeated.
        #[arg(long = "participant", value_name = "ID=INPUT")]
        participants: Vec<String>,
        /// Session id: the folder name under sessions/.
        #[arg(long)]
        session_id: String,
        /// A local folder or s3://bucket[/prefix].
        #[arg(long, default_value = "session-output")]
        out: String,
        /// Skip transcription.
        #[arg(long)]
        no_transcribe: bool,
        /// Whisper model folder (model.safetensors, config.json, tokenizer.json) or Hugging Face hub
        /// id (openai/whisper-tiny.en: from the hub cache, downloaded when missing). Default: the
        /// folder scripts/prepare-whisper-tiny makes.
        #[arg(long, value_name = "FOLDER | HUB_ID")]
        model: Option<PathBuf>,
        /// Never download: a hub id must be in the hub cache (as with HF_HUB_OFFLINE=1).
        #[arg(long)]
        offline: bool,
        /// Spoken language (ISO 639-1, e.g. "en"); detected when omitted (English-only models ignore it).
        #[arg(long, value_name = "CODE")]
        language: Option<String>,
        /// nsfwjs nudity model folder (model.safetensors, config.json). Default: the folder
        /// scripts/prepare-nsfw-model makes.
        #[arg(long, value_name = "FOLDER")]
        nudity_model: Option<PathBuf>,
        /// Silero VAD folder (model.safetensors, config.json): finds the speech for transcription
        /// and engagement. Default: the folder scripts/prepare-silero-vad makes; without one the
        /// energy VAD is used.
        #[arg(long, value_name = "FOLDER")]
        vad_model: Option<PathBuf>,
        /// What kind of session this is, for the LLM analysis (e.g. "a tutoring session").
        #[arg(long, value_name = "TEXT")]
        context: Option<String>,
        /// The recording carries one person (not a room composite of several): a second voice
        /// in it is suspicious. Each --participant track is always checked.
        #[arg(long)]
        one_person: bool,
        /// Print the result object as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Render report.html again from a processed session's stored JSON (a newer library
    /// re-renders an older session); written into the session folder unless --out is given.
    Report {
        /// The session folder: <OUT>/sessions/<ID> or s3://bucket[/prefix]/sessions/<ID>.
        session: String,
        /// Write the page to this local file instead of the session folder.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print a recording's container, duration and streams.
    Probe {
        input: String,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SESSION_PROCESSING_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Process {
            input,
            participants,
            session_id,
            out,
            no_transcribe,
            model,
            offline,
            language,
            nudity_model,
            vad_model,
            context,
            one_person,
            json,
        } => {
            let config = ProcessorConfig {
                transcribe: !no_transcribe,
                whisper_model: model,
                offline,
                language,
                nudity_model,
                vad_model,
                session_context: context,
                one_person_recording: one_person,
                ..ProcessorConfig::new(out)
            };
            process(input.as_deref(), &participants, &session_id, config, json)
        }
        Command::Report { session, out } => report(&session, out.as_deref()),
        Command::Probe { input, json } => probe(&input, json),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

fn process(
    input: Option<&str>,
    participants: &[String],
    session_id: &str,
    mut config: ProcessorConfig,
    json: bool,
) -> Result<(), String> {
    config.s3 = Some(env_settings::s3_settings()?);
    models::fill_default_folders(&mut config);
    // The LLM comes from GEMINI_API_KEY when set; otherwise the stage says it was skipped and why.
    let mut builder = config.builder().map_err(|e| e.to_string())?.limits(Limits::default());
    if std::io::stderr().is_terminal() {
        let last = Arc::new(AtomicU64::new(u64::MAX));
        builder = builder.on_progress(move |p| {
            let percent = (p.fraction * 100.0).round() as u64;
            if last.swap(percent, Ordering::Relaxed) != percent {
                eprint!("\r\x1b[2K{:>3}% {:<16} {}", percent, p.stage, bar(p.fraction));
            }
        });
    }
    let cancel = CancelFlag::new();
    // SIGINT / SIGTERM stop the run at its next buffer or stage: the manifest says `failed`
    // (cancelled) and temporary files are removed as the run unwinds.
    signals::cancel_on_signals(&cancel).map_err(|e| e.to_string())?;
    let processor = builder.build();
    let result = match (input, participants.is_empty()) {
        (Some(input), true) => {
            let input = RecordingInput::parse(input).map_err(|e| e.to_string())?;
            processor.process_blocking(session_id, input, &cancel)
        }
        (None, false) => {
            let participants =
                participants.iter().map(|p| participant_spec::parse(p)).collect::<Result<Vec<_>, _>>()?;
            runtime().map_err(|e| e.to_string())?.block_on(processor.process_participants(
                session_id,
                participants,
                &cancel,
            ))
        }
        (Some(_), false) => {
            return Err("give either INPUT or --participant ID=INPUT, not both".into());
        }
        (None, true) => {
            return Err("give the recording (INPUT), or one --participant ID=INPUT per participant".into());
        }
    };
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
    let result = result.map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?);
    } else {
        print!("{}", summary::render(&result));
    }
    Ok(())
}

fn report(session: &str, out: Option<&std::path::Path>) -> Result<(), String> {
    let session = StoredSession::parse(session).map_err(|e| e.to_string())?;
    let s3 = env_settings::s3_settings()?;
    let written =
        runtime().map_err(|e| e.to_string())?.block_on(write_report(&session, &s3, out)).map_err(|e| e.to_string())?;
    println!("{written}");
    Ok(())
}

fn bar(fraction: f64) -> String {
    let filled = (fraction.clamp(0.0, 1.0) * 30.0).round() as usize;
    format!("[{}{}]", "#".repeat(filled), ".".repeat(30 - filled))
}

fn probe(input: &str, json: bool) -> Result<(), String> {
    let path = match RecordingInput::parse(input).map_err(|e| e.to_string())? {
        RecordingInput::Local { path } => path,
        RecordingInput::S3 { .. } => {
            return Err("probe reads local files only; download the object first".into());
        }
    };
    let info = session_processing::session_media::probe(&path, &Limits::default()).map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&info).map_err(|e| e.to_string())?);
    } else {
        print!("{}", summary::render_probe(&path, &info));
    }
    Ok(())
}
