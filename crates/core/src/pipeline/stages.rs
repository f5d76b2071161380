//! The stages in order: fetch → probe → store recording → media (audio ∥ video) → audio.wav →
//! transcribe → quality → engagement → analysis → safety → combined → manifest.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use session_media::{MediaInfo, probe};
use session_scoring::{
    CombineWeights, ScorePart, TranscriptSegment, VideoFeatures, combine_scores, score_engagement,
    score_quality,
};
use session_transcribe::Transcript;

use crate::layout;
use crate::pipeline::media_analysis::{AudioAnalysis, analyze_audio, analyze_video};
use crate::pipeline::run::{Outcome, Run};
use crate::report::{RunStatus, SessionResult, now_rfc3339};
use crate::storage::{RecordingInput, download};
use crate::{OutputLocation, ProcessingError};

const ANALYSIS_SKIPPED: &str =
    "reasoning scores need an LLM provider; none is configured in this build";
const SAFETY_SKIPPED: &str =
    "the post-session safety scan is not built yet; realtime events are stored as they arrive";

/// The recording as a local file: the input itself, or a temporary download removed on drop.
struct LocalRecording {
    path: PathBuf,
    _download: Option<tempfile::TempPath>,
}

pub(crate) async fn run_all(run: &mut Run<'_>) -> Result<SessionResult, ProcessingError> {
    let temp_dir = run
        .config
        .temp_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    for name in layout::DERIVED {
        run.store.delete(name).await?;
    }
    let recording = fetch(run, &temp_dir).await?;
    let info = probe_stage(run, &recording.path).await?;
    store_recording(run, &recording.path).await?;
    let (audio, video) = media_stage(run, &recording.path, &info, &temp_dir).await?;
    audio_wav_stage(run, &audio).await?;
    let transcript = transcribe_stage(run, &audio).await?;
    let quality = quality_stage(run, &audio, &video).await?;
    let engagement = engagement_stage(run, &audio, &video, &transcript).await?;
    skip(run, "analysis", ANALYSIS_SKIPPED);
    skip(run, "safety", SAFETY_SKIPPED);
    let combined = combined_stage(run, &quality, &engagement).await?;
    finish(run, info, quality, engagement, combined).await
}

fn skip(run: &mut Run<'_>, stage: &str, reason: &str) {
    run.record(stage, Instant::now(), Outcome::Skipped(reason.to_string()));
}

/// Runs blocking work (GStreamer, Whisper) on tokio's blocking pool; a panic becomes an error.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ProcessingError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ProcessingError::Internal(format!("worker thread failed: {e}")))
}

async fn fetch(run: &mut Run<'_>, temp_dir: &Path) -> Result<LocalRecording, ProcessingError> {
    let started = Instant::now();
    run.progress("fetch", 0.0);
    match run.manifest.input.clone() {
        RecordingInput::Local { path } => {
            run.record(
                "fetch",
                started,
                Outcome::Skipped("the recording is a local file".into()),
            );
            Ok(LocalRecording {
                path,
                _download: None,
            })
        }
        RecordingInput::S3 { bucket, key } => {
            let uri = format!("s3://{bucket}/{key}");
            let file = tempfile::Builder::new()
                .prefix("session-recording-")
                .suffix(&format!(".{}", run.manifest.input.extension()))
                .tempfile_in(temp_dir)
                .map_err(|e| ProcessingError::io(temp_dir.display(), e))?
                .into_temp_path();
            let store = run.config.s3.store(&bucket)?;
            download(store.as_ref(), &uri, &key, &file).await?;
            run.record("fetch", started, Outcome::Ok);
            Ok(LocalRecording {
                path: file.to_path_buf(),
                _download: Some(file),
            })
        }
    }
}

async fn probe_stage(run: &mut Run<'_>, path: &Path) -> Result<MediaInfo, ProcessingError> {
    let started = Instant::now();
    run.check_cancel()?;
    let (path, limits) = (path.to_path_buf(), run.config.limits.clone());
    let info = blocking(move || probe(&path, &limits))
        .await?
        .map_err(ProcessingError::from)?;
    run.manifest.media = Some(info.clone());
    run.record("probe", started, Outcome::Ok);
    Ok(info)
}

async fn store_recording(run: &mut Run<'_>, path: &Path) -> Result<(), ProcessingError> {
    let started = Instant::now();
    run.check_cancel()?;
    let name = layout::recording(&run.manifest.input.extension());
    if !run.config.stages.store_recording {
        run.record(
            "store_recording",
            started,
            Outcome::Skipped("disabled in the pipeline's stages".into()),
        );
        return Ok(());
    }
    let input = run.manifest.input.clone();
    let already_there = match &input {
        RecordingInput::S3 { bucket, key } => run.store.is_same_object(bucket, key, &name),
        RecordingInput::Local { path } => same_file(path, Path::new(&run.store.location(&name))),
    };
    if already_there {
        let bytes = run.store.size_of(&name).await?.unwrap_or(0);
        run.manifest.artifacts.push(crate::ArtifactRecord {
            name: name.clone(),
            location: run.store.location(&name),
            bytes,
        });
        run.record(
            "store_recording",
            started,
            Outcome::Skipped("the recording is already in the session folder".into()),
        );
        return Ok(());
    }
    let same_bucket = match (&input, &run.config.output) {
        (RecordingInput::S3 { bucket, key }, OutputLocation::S3 { bucket: out, .. })
            if bucket == out =>
        {
            Some(key.clone())
        }
        _ => None,
    };
    let record = match same_bucket {
        Some(key) => run.store.copy_within(&key, &name).await?,
        None => run.store.put_file(&name, path).await?,
    };
    run.manifest.artifacts.push(record);
    run.record("store_recording", started, Outcome::Ok);
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

type Half<T> = Result<T, String>;

/// Audio and video are analysed at the same time on two worker threads.
async fn media_stage(
    run: &mut Run<'_>,
    path: &Path,
    info: &MediaInfo,
    temp_dir: &Path,
) -> Result<(Half<AudioAnalysis>, Half<VideoFeatures>), ProcessingError> {
    run.check_cancel()?;
    run.progress("media", 0.0);
    let started = Instant::now();
    let keep_samples = run.config.stages.transcribe && run.config.transcriber.is_some();
    let audio_task = info.audio().map(|_| {
        let (path, temp_dir, limits, cancel) = (
            path.to_path_buf(),
            temp_dir.to_path_buf(),
            run.config.limits.clone(),
            run.cancel.clone(),
        );
        let expected_s = info.duration_s.unwrap_or(0.0);
        let progress = run.config.progress.clone();
        let session_id = run.id.to_string();
        blocking(move || {
            let report = move |within: f64| {
                if let Some(progress) = &progress {
                    let fraction = crate::progress::overall_fraction("media", within);
                    progress(&crate::Progress {
                        session_id: session_id.clone(),
                        stage: "media".into(),
                        fraction,
                    });
                }
            };
            analyze_audio(
                &path,
                &temp_dir,
                &limits,
                &cancel,
                keep_samples,
                expected_s,
                &report,
            )
        })
    });
    let video_task = info.video().map(|_| {
        let (path, info, sampling, limits, cancel) = (
            path.to_path_buf(),
            info.clone(),
            run.config.frame_sampling,
            run.config.limits.clone(),
            run.cancel.clone(),
        );
        blocking(move || analyze_video(&path, &info, sampling, &limits, &cancel))
    });
    let audio = match audio_task {
        Some(task) => Some(task.await?),
        None => None,
    };
    let video = match video_task {
        Some(task) => Some(task.await?),
        None => None,
    };
    run.check_cancel()?;
    let audio = settle(
        run,
        "audio",
        started,
        audio,
        "the recording has no audio stream",
    )?;
    let video = settle(
        run,
        "video",
        started,
        video,
        "the recording has no video stream",
    )?;
    if let (Err(_), Err(_)) = (&audio, &video) {
        let failed = run
            .manifest
            .stages
            .iter()
            .rev()
            .find_map(|s| s.error.clone());
        if let Some(error) = failed {
            return Err(ProcessingError::Internal(format!(
                "neither audio nor video could be analysed: {}",
                error.message
            )));
        }
    }
    Ok((audio, video))
}

/// Records one half of the media stage; a missing stream is a skip, a failure is kept as the
/// reason the scores that need it are `null`.
fn settle<T>(
    run: &mut Run<'_>,
    stage: &str,
    started: Instant,
    result: Option<Result<T, ProcessingError>>,
    absent: &str,
) -> Result<Half<T>, ProcessingError> {
    match result {
        None => {
            run.record(stage, Instant::now(), Outcome::Skipped(absent.into()));
            Ok(Err(absent.into()))
        }
        Some(Ok(value)) => {
            run.record(stage, started, Outcome::Ok);
            Ok(Ok(value))
        }
        Some(Err(error)) if error.kind() == "cancelled" => Err(error),
        Some(Err(error)) => {
            run.record(stage, started, Outcome::Failed(&error));
            Ok(Err(format!("{stage} analysis failed: {error}")))
        }
    }
}

async fn audio_wav_stage(
    run: &mut Run<'_>,
    audio: &Half<AudioAnalysis>,
) -> Result<(), ProcessingError> {
    let started = Instant::now();
    run.check_cancel()?;
    match audio {
        _ if !run.config.stages.audio_wav => {
            skip(run, "audio_wav", "disabled in the pipeline's stages")
        }
        Err(reason) => skip(run, "audio_wav", reason),
        Ok(audio) => {
            let record = run.store.put_file(layout::AUDIO_WAV, &audio.wav).await?;
            run.manifest.artifacts.push(record);
            run.record("audio_wav", started, Outcome::Ok);
        }
    }
    Ok(())
}

async fn transcribe_stage(
    run: &mut Run<'_>,
    audio: &Half<AudioAnalysis>,
) -> Result<Half<Transcript>, ProcessingError> {
    let started = Instant::now();
    run.check_cancel()?;
    let samples = match (audio, &run.config.transcriber) {
        _ if !run.config.stages.transcribe => {
            Err("transcription is disabled (--no-transcribe)".to_string())
        }
        (_, None) => Err(
            "no transcriber is configured; pass a Whisper model (--model) to transcribe"
                .to_string(),
        ),
        (Err(reason), _) => Err(reason.clone()),
        (Ok(audio), Some(_)) => Ok(audio.samples.clone().unwrap_or_default()),
    };
    let samples = match samples {
        Ok(samples) => samples,
        Err(reason) => {
            skip(run, "transcribe", &reason);
            return Ok(Err(reason));
        }
    };
    let transcriber = Arc::clone(run.config.transcriber.as_ref().expect("checked above"));
    let options = run.config.decoding.clone();
    run.progress("transcribe", 0.0);
    let result = blocking(move || transcriber.transcribe(&samples, &options)).await?;
    match result {
        Ok(transcript) => {
            run.put_report(layout::TRANSCRIPT_JSON, &transcript).await?;
            let record = run
                .store
                .put_bytes(layout::TRANSCRIPT_TXT, transcript_text(&transcript).into())
                .await?;
            run.manifest.artifacts.push(record);
            run.record("transcribe", started, Outcome::Ok);
            Ok(Ok(transcript))
        }
        Err(error) => {
            let error = ProcessingError::from(error);
            if error.kind() == "cancelled" {
                return Err(error);
            }
            run.record("transcribe", started, Outcome::Failed(&error));
            Ok(Err(format!("transcription failed: {error}")))
        }
    }
}

/// `transcript.txt`: one segment per line.
fn transcript_text(transcript: &Transcript) -> String {
    let mut text: String = transcript
        .segments
        .iter()
        .map(|s| format!("{}\n", s.text.trim()))
        .collect();
    if text.is_empty() && !transcript.text.trim().is_empty() {
        text = format!("{}\n", transcript.text.trim());
    }
    text
}

async fn quality_stage(
    run: &mut Run<'_>,
    audio: &Half<AudioAnalysis>,
    video: &Half<VideoFeatures>,
) -> Result<Option<serde_json::Value>, ProcessingError> {
    let started = Instant::now();
    run.check_cancel()?;
    if !run.config.stages.quality {
        skip(run, "quality", "disabled in the pipeline's stages");
        return Ok(None);
    }
    let report = score_quality(
        audio.as_ref().map(|a| &a.features).map_err(String::as_str),
        video.as_ref().map_err(String::as_str),
    );
    let value = run.put_report(layout::QUALITY, &report).await?;
    run.record("quality", started, Outcome::Ok);
    Ok(Some(value))
}

async fn engagement_stage(
    run: &mut Run<'_>,
    audio: &Half<AudioAnalysis>,
    video: &Half<VideoFeatures>,
    transcript: &Half<Transcript>,
) -> Result<Option<serde_json::Value>, ProcessingError> {
    let started = Instant::now();
    run.check_cancel()?;
    if !run.config.stages.engagement {
        skip(run, "engagement", "disabled in the pipeline's stages");
        return Ok(None);
    }
    let segments: Half<Vec<TranscriptSegment>> =
        transcript.as_ref().map_err(Clone::clone).map(|t| {
            t.segments
                .iter()
                .map(|s| TranscriptSegment {
                    start_s: s.start_s,
                    end_s: s.end_s,
                    text: s.text.clone(),
                })
                .collect()
        });
    let report = score_engagement(
        audio.as_ref().map(|a| &a.features).map_err(String::as_str),
        video.as_ref().map_err(String::as_str),
        segments.as_deref().map_err(String::as_str),
    );
    let value = run.put_report(layout::ENGAGEMENT, &report).await?;
    run.record("engagement", started, Outcome::Ok);
    Ok(Some(value))
}

async fn combined_stage(
    run: &mut Run<'_>,
    quality: &Option<serde_json::Value>,
    engagement: &Option<serde_json::Value>,
) -> Result<Option<serde_json::Value>, ProcessingError> {
    let started = Instant::now();
    let part = |name: &str, report: &Option<serde_json::Value>| ScorePart {
        name: name.to_string(),
        score: report
            .as_ref()
            .and_then(|r| r.get("score"))
            .and_then(serde_json::Value::as_f64),
        reason: Some(match report {
            None => format!("the {name} stage did not run"),
            Some(r) => r
                .get("reason")
                .and_then(|v| v.as_str())
                .unwrap_or("no score")
                .to_string(),
        }),
    };
    let parts = [
        part("quality", quality),
        part("engagement", engagement),
        ScorePart {
            name: "analysis".into(),
            score: None,
            reason: Some(ANALYSIS_SKIPPED.into()),
        },
    ];
    let weights: &CombineWeights = &run.config.weights;
    let combined = combine_scores(&parts, weights);
    let value = run.put_report(layout::COMBINED, &combined).await?;
    run.record("combined", started, Outcome::Ok);
    Ok(Some(value))
}

async fn finish(
    run: &mut Run<'_>,
    media: MediaInfo,
    quality: Option<serde_json::Value>,
    engagement: Option<serde_json::Value>,
    combined: Option<serde_json::Value>,
) -> Result<SessionResult, ProcessingError> {
    run.check_cancel()?;
    run.manifest.status = RunStatus::Complete;
    run.manifest.finished_at = Some(now_rfc3339());
    run.write_manifest().await?;
    run.progress("finalize", 1.0);
    let mut artifacts = run.manifest.artifacts.clone();
    artifacts.push(crate::ArtifactRecord {
        name: layout::MANIFEST.into(),
        location: run.store.location(layout::MANIFEST),
        bytes: 0,
    });
    Ok(SessionResult {
        session_id: run.id.to_string(),
        status: RunStatus::Complete,
        output: run.store.location("").trim_end_matches('/').to_string(),
        media,
        stages: run.manifest.stages.clone(),
        artifacts,
        quality,
        engagement,
        combined,
        duration_ms: run.started.elapsed().as_millis() as u64,
    })
}
