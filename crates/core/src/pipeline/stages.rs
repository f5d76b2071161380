//! The stages in order: fetch → probe → store recording → media (audio ∥ video) → audio.wav →
//! transcribe → quality → engagement → analysis → safety → combined → timeline → report → manifest.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use session_media::{MediaInfo, probe};
use session_scoring::{
    CombineWeights, DetectedSpeech, EngagementReport, ParticipantSpeech, QualityReport, ScorePart, SpeechSegment,
    TranscriptSegment, VideoFeatures, combine_scores, score_conversation, score_engagement_with_speech,
    score_quality_with_speech, session_engagement, session_quality,
};
use session_transcribe::{SpeechMap, SpeechOptions, Transcript};

use crate::layout;
use crate::pipeline::damage_issues::damage_issues;
use crate::pipeline::media_analysis::{
    AudioAnalysis, AudioOutputs, NudityOutcome, NudityScan, VideoAnalysis, analyze_audio, analyze_video,
};
use crate::pipeline::reasoning_stage;
use crate::pipeline::report_stage::{self, TimelineParts};
use crate::pipeline::run::{Outcome, Run};
use crate::pipeline::safety_scan::{self, ScanInput};
use crate::pipeline::timeline_data::{TrackTimeline, issues_of};
use crate::report::{RunStatus, SessionResult, now_rfc3339};
use crate::storage::{RecordingInput, SessionStore, download};
use crate::{OutputLocation, ProcessingError};

/// The recording as a local file: the input itself, or a temporary download removed on drop.
struct LocalRecording {
    path: PathBuf,
    _download: Option<tempfile::TempPath>,
}

/// Where one recording's files go and how its stages are named: the session folder itself, or
/// `participants/<id>/` with stages named `<id>/<stage>` when each participant has a recording.
pub(crate) struct Scope {
    pub folder: String,
    pub label: String,
    pub input: RecordingInput,
    pub offset_s: f64,
}

impl Scope {
    /// The session's own recording (not recorded per participant).
    pub fn session(input: RecordingInput) -> Self {
        Scope { folder: String::new(), label: String::new(), input, offset_s: 0.0 }
    }

    fn stage(&self, name: &str) -> String {
        format!("{}{name}", self.label)
    }

    fn file(&self, name: &str) -> String {
        format!("{}{name}", self.folder)
    }
}

/// What the stages made of one recording.
struct Recording {
    info: MediaInfo,
    audio: Half<AudioAnalysis>,
    video: Half<VideoFeatures>,
    /// Damaged pieces the video decoder skipped while frames were sampled.
    video_decoder_errors: u32,
    /// Nudity scores of sampled frames; `None` without a nudity model.
    nudity: Option<NudityOutcome>,
    transcript: Half<Transcript>,
}

/// Runs every stage; `keep` are the inputs already in place ([`inputs_in_place`]).
pub(crate) async fn run_all(
    run: &mut Run<'_>,
    participants: &[Scope],
    keep: &[String],
) -> Result<SessionResult, ProcessingError> {
    let temp_dir = run.config.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
    let swept = crate::pipeline::temp_files::sweep_dead(&temp_dir);
    if swept > 0 {
        tracing::info!(swept, "removed the temporary files of processes that died mid-run");
    }
    clear_previous_run(run, keep).await?;
    if participants.is_empty() {
        let scope = Scope::session(run.manifest.input.clone());
        let recording = analyze_recording(run, &scope, &temp_dir).await?;
        let quality = quality_stage(run, &scope, &recording).await?;
        let engagement = engagement_stage(run, &scope, &recording).await?;
        let safety = vec![(None, scan(run, None, &recording, quality.as_ref(), engagement.as_ref()).await?)];
        let timeline = TimelineParts {
            tracks: vec![track(None, 0.0, &recording, engagement.as_ref())],
            issues: quality.as_ref().map(|q| issues_of(None, 0.0, q)).unwrap_or_default(),
        };
        let (quality, engagement) = (
            report_value(run, layout::QUALITY, quality).await?,
            report_value(run, layout::ENGAGEMENT, engagement).await?,
        );
        let transcripts: Vec<_> = recording.transcript.iter().map(|t| (None, 0.0, t.clone())).collect();
        return finish_session(run, Some(recording.info), quality, engagement, safety, transcripts, timeline).await;
    }
    let mut qualities = Vec::new();
    let mut engagements = Vec::new();
    let mut speech = Vec::new();
    let mut safety = Vec::new();
    let mut transcripts = Vec::new();
    let mut timeline = TimelineParts::default();
    for scope in participants {
        let recording = analyze_recording(run, scope, &temp_dir).await?;
        let id = scope.label.trim_end_matches('/').to_string();
        let quality = quality_stage(run, scope, &recording).await?;
        let engagement = engagement_stage(run, scope, &recording).await?;
        safety.push((Some(id.clone()), scan(run, Some(&id), &recording, quality.as_ref(), engagement.as_ref()).await?));
        timeline.tracks.push(track(Some(&id), scope.offset_s, &recording, engagement.as_ref()));
        timeline.issues.extend(quality.as_ref().map(|q| issues_of(Some(&id), scope.offset_s, q)).unwrap_or_default());
        if let Ok(transcript) = &recording.transcript {
            transcripts.push((Some(id.clone()), scope.offset_s, transcript.clone()));
        }
        if let Some(quality) = quality {
            run.put_report(&scope.file(layout::QUALITY), &quality).await?;
            qualities.push((id.clone(), quality));
        }
        // The conversation reads the speech segments engagement found (Silero's or the energy
        // VAD's), on the session's timeline; without engagement there is no conversation report.
        let segments = engagement.as_ref().and_then(|e| e.voice.as_ref()).map_or_else(Vec::new, |voice| {
            let shift = |s: &SpeechSegment| SpeechSegment {
                start_s: s.start_s + scope.offset_s,
                end_s: s.end_s + scope.offset_s,
            };
            voice.speech_segments.iter().map(shift).collect()
        });
        if let Some(engagement) = engagement {
            run.put_report(&scope.file(layout::ENGAGEMENT), &engagement).await?;
            engagements.push((id.clone(), engagement));
        }
        let duration_s = recording.info.duration_s.unwrap_or(0.0) + scope.offset_s;
        speech.push(ParticipantSpeech { participant: id, segments, duration_s });
    }
    let quality = (!qualities.is_empty())
        .then(|| session_quality(&qualities.iter().map(|(id, q)| (id.clone(), q)).collect::<Vec<_>>()));
    let engagement = (!engagements.is_empty()).then(|| {
        let parts: Vec<_> = engagements.iter().map(|(id, e)| (id.clone(), e)).collect();
        session_engagement(&parts, score_conversation(&speech))
    });
    let (quality, engagement) =
        (report_value(run, layout::QUALITY, quality).await?, report_value(run, layout::ENGAGEMENT, engagement).await?);
    finish_session(run, None, quality, engagement, safety, transcripts, timeline).await
}

/// One recording's lanes for `timeline.json`: the speech engagement used (else Silero's).
fn track(
    participant: Option<&str>,
    offset_s: f64,
    recording: &Recording,
    engagement: Option<&EngagementReport>,
) -> TrackTimeline {
    let audio = recording.audio.as_ref().ok();
    let speech: Vec<(f64, f64)> = match engagement.and_then(|e| e.voice.as_ref()) {
        Some(voice) => voice.speech_segments.iter().map(|s| (s.start_s, s.end_s)).collect(),
        None => audio
            .and_then(|a| a.speech.as_ref())
            .map(|map| silero_segments(map).iter().map(|s| (s.start_s, s.end_s)).collect())
            .unwrap_or_default(),
    };
    TrackTimeline::new(
        participant.map(str::to_string),
        offset_s,
        recording.info.duration_s,
        audio.map(|a| &a.features),
        recording.video.as_ref().ok(),
        &speech,
    )
}

/// The names of the inputs that already lie in the session folder as their scope's stored
/// recording (`recording.mp4`, `participants/a/recording.mp4`): kept, never removed. An input
/// anywhere else in the folder (`audio.wav`, another participant's recording, through a symbolic
/// link too) is refused before anything is removed: the run would replace it.
pub(crate) fn inputs_in_place(
    store: &SessionStore,
    session_id: &str,
    scopes: &[Scope],
) -> Result<Vec<String>, ProcessingError> {
    let mut keep = Vec::new();
    for scope in scopes {
        let Some(name) = store.name_of(&scope.input) else { continue };
        let expected = scope.file(&layout::recording(&scope.input.extension()));
        if name != expected {
            return Err(ProcessingError::InputInSessionFolder {
                input: session_media::escape_controls(&scope.input.to_string()),
                name: session_media::escape_controls(&name),
                session_id: session_id.to_string(),
                expected,
            });
        }
        keep.push(name);
    }
    Ok(keep)
}

/// Removes what an earlier run of the session left, so the folder never mixes two runs: derived
/// artifacts, participant folders, a recording under another extension, and the staged pieces of
/// an upload a killed run never finished. The inputs in `keep` stay.
async fn clear_previous_run(run: &Run<'_>, keep: &[String]) -> Result<(), ProcessingError> {
    let removed = run.store.remove_partial_uploads()?;
    if removed > 0 {
        tracing::info!(removed, "removed the partial uploads of an interrupted run");
    }
    let mut stale: Vec<String> = layout::DERIVED.iter().map(|name| name.to_string()).collect();
    stale.extend(run.store.names_in(layout::PARTICIPANTS_DIR).await?);
    let recordings = run.store.names_in("").await?.into_iter().filter(|n| n.starts_with("recording."));
    stale.extend(recordings);
    for name in stale.iter().filter(|name| !keep.contains(name)) {
        run.store.delete(name).await?;
    }
    Ok(())
}

/// The safety scan's verdicts for one recording (written later, with the session's): signals and
/// lexicon, merged with the LLM's transcript verdicts.
async fn scan(
    run: &Run<'_>,
    participant: Option<&str>,
    recording: &Recording,
    quality: Option<&QualityReport>,
    engagement: Option<&EngagementReport>,
) -> Result<Vec<session_safety::CategoryAssessment>, ProcessingError> {
    if !run.config.stages.safety_scan {
        return Ok(Vec::new()); // nothing to judge, and no LLM call to pay for
    }
    let input = ScanInput {
        participant,
        duration_s: recording.info.duration_s.unwrap_or(0.0),
        quality,
        engagement,
        audio: recording.audio.as_ref().map(|a| &a.features).map_err(String::as_str),
        video: recording.video.as_ref().map_err(String::as_str),
        nudity: recording.nudity.as_ref().map(|n| n.as_deref().map_err(String::as_str)),
        transcript: recording.transcript.as_ref().map_err(String::as_str),
    };
    let verdicts = safety_scan::assess(&run.config.safety, &input);
    let from_llm = reasoning_stage::text_safety(run, participant, recording.transcript.as_ref().ok()).await?;
    Ok(safety_scan::merge(verdicts, from_llm))
}

/// Writes a session-level report, when there is one, and returns it as JSON.
async fn report_value<T: serde::Serialize>(
    run: &mut Run<'_>,
    name: &str,
    report: Option<T>,
) -> Result<Option<serde_json::Value>, ProcessingError> {
    match report {
        Some(report) => Ok(Some(run.put_report(name, &report).await?)),
        None => Ok(None),
    }
}

async fn analyze_recording(run: &mut Run<'_>, scope: &Scope, temp_dir: &Path) -> Result<Recording, ProcessingError> {
    let local = fetch(run, scope, temp_dir).await?;
    let info = probe_stage(run, scope, &local.path).await?;
    store_recording(run, scope, &local.path).await?;
    let MediaHalves { mut audio, video, video_decoder_errors, nudity } =
        media_stage(run, scope, &local.path, &info, temp_dir).await?;
    audio_wav_stage(run, scope, &audio).await?;
    let transcript = transcribe_stage(run, scope, &mut audio).await?;
    Ok(Recording { info, audio, video, video_decoder_errors, nudity, transcript })
}

async fn finish_session(
    run: &mut Run<'_>,
    media: Option<MediaInfo>,
    quality: Option<serde_json::Value>,
    engagement: Option<serde_json::Value>,
    safety: Vec<(Option<String>, Vec<session_safety::CategoryAssessment>)>,
    transcripts: Vec<(Option<String>, f64, Transcript)>,
    timeline: TimelineParts,
) -> Result<SessionResult, ProcessingError> {
    let transcript = reasoning_stage::session_transcript(&transcripts);
    let analysis = reasoning_stage::analysis(run, transcript, &quality, &engagement).await?;
    let safety = safety_scan::write(run, safety).await?;
    let combined = combined_stage(run, &quality, &engagement, &analysis).await?;
    report_stage::timeline_and_report(run, timeline, safety.as_ref()).await?;
    finish(run, media, quality, engagement, combined, safety, analysis.ok()).await
}

fn skip(run: &mut Run<'_>, stage: &str, reason: &str) {
    run.record(stage, Instant::now(), Outcome::Skipped(reason.to_string()));
}

/// Runs blocking work (GStreamer, Whisper) on tokio's blocking pool; a panic becomes an error.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ProcessingError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ProcessingError::Internal(format!("worker thread failed: {e}")))
}

async fn fetch(run: &mut Run<'_>, scope: &Scope, temp_dir: &Path) -> Result<LocalRecording, ProcessingError> {
    let started = Instant::now();
    let stage = scope.stage("fetch");
    run.progress(&stage, 0.0);
    match &scope.input {
        RecordingInput::Local { path } => {
            run.record(&stage, started, Outcome::Skipped("the recording is a local file".into()));
            Ok(LocalRecording { path: path.clone(), _download: None })
        }
        RecordingInput::S3 { bucket, key } => {
            let uri = format!("s3://{bucket}/{key}");
            let file = tempfile::Builder::new()
                .prefix(&crate::pipeline::temp_files::prefix("recording"))
                .suffix(&format!(".{}", scope.input.extension()))
                .tempfile_in(temp_dir)
                .map_err(|e| ProcessingError::io(temp_dir.display(), e))?
                .into_temp_path();
            let store = run.config.s3.store(bucket)?;
            download(store.as_ref(), &uri, key, &file).await?;
            run.record(&stage, started, Outcome::Ok);
            Ok(LocalRecording { path: file.to_path_buf(), _download: Some(file) })
        }
    }
}

async fn probe_stage(run: &mut Run<'_>, scope: &Scope, path: &Path) -> Result<MediaInfo, ProcessingError> {
    let started = Instant::now();
    run.check_cancel()?;
    let (path, limits) = (path.to_path_buf(), run.config.limits.clone());
    let info = blocking(move || probe(&path, &limits)).await?.map_err(ProcessingError::from)?;
    if scope.folder.is_empty() {
        run.manifest.media = Some(info.clone());
    }
    let stored = scope.file(&layout::recording(&scope.input.extension()));
    run.manifest.audio_tracks.extend(crate::AudioTracks::of(&stored, &info));
    run.record(&scope.stage("probe"), started, Outcome::Ok);
    Ok(info)
}

async fn store_recording(run: &mut Run<'_>, scope: &Scope, path: &Path) -> Result<(), ProcessingError> {
    let started = Instant::now();
    let stage = scope.stage("store_recording");
    run.check_cancel()?;
    let name = scope.file(&layout::recording(&scope.input.extension()));
    if !run.config.stages.store_recording {
        run.record(&stage, started, Outcome::Skipped("disabled in the pipeline's stages".into()));
        return Ok(());
    }
    if run.store.name_of(&scope.input).as_deref() == Some(name.as_str()) {
        let bytes = run.store.size_of(&name).await?.unwrap_or(0);
        run.manifest.artifacts.push(crate::ArtifactRecord {
            name: name.clone(),
            location: run.store.location(&name),
            bytes,
        });
        run.record(&stage, started, Outcome::Skipped("the recording is already in the session folder".into()));
        return Ok(());
    }
    let same_bucket = match (&scope.input, &run.config.output) {
        (RecordingInput::S3 { bucket, key }, OutputLocation::S3 { bucket: out, .. }) if bucket == out => {
            Some(key.clone())
        }
        _ => None,
    };
    let record = match same_bucket {
        Some(key) => run.store.copy_within(&key, &name).await?,
        None => run.store.put_file(&name, path).await?,
    };
    run.manifest.artifacts.push(record);
    run.record(&stage, started, Outcome::Ok);
    Ok(())
}

type Half<T> = Result<T, String>;

/// What the media stage made of a recording's audio and video.
struct MediaHalves {
    audio: Half<AudioAnalysis>,
    video: Half<VideoFeatures>,
    video_decoder_errors: u32,
    nudity: Option<NudityOutcome>,
}

/// Audio and video are analysed at the same time on two worker threads.
async fn media_stage(
    run: &mut Run<'_>,
    scope: &Scope,
    path: &Path,
    info: &MediaInfo,
    temp_dir: &Path,
) -> Result<MediaHalves, ProcessingError> {
    run.check_cancel()?;
    let media_stage = scope.stage("media");
    run.progress(&media_stage, 0.0);
    let started = Instant::now();
    let keep_samples = run.config.stages.transcribe && run.config.transcriber.is_some();
    let audio_task = info.audio().map(|_| {
        let (path, temp_dir, limits, cancel) =
            (path.to_path_buf(), temp_dir.to_path_buf(), run.config.limits.clone(), run.cancel.clone());
        let expected_s = info.duration_s.unwrap_or(0.0);
        let (progress, session_id) = (run.config.progress.clone(), run.id.to_string());
        let vad = run.config.voice_activity.clone();
        blocking(move || {
            let report = move |within: f64| {
                if let Some(progress) = &progress {
                    let fraction = crate::progress::overall_fraction(&media_stage, within);
                    progress(&crate::Progress { session_id: session_id.clone(), stage: media_stage.clone(), fraction });
                }
            };
            let outputs = AudioOutputs { keep_samples, vad: vad.as_deref() };
            analyze_audio(&path, &temp_dir, &limits, &cancel, outputs, expected_s, &report)
        })
    });
    let nudity = match (&run.config.safety.nudity_model, run.config.stages.safety_scan) {
        (Some(model), true) => {
            Some(NudityScan { model: Arc::clone(model), interval_s: run.config.safety.nudity_interval_s })
        }
        _ => None,
    };
    let video_task = info.video().map(|_| {
        let (path, info, sampling, limits, cancel) = (
            path.to_path_buf(),
            info.clone(),
            run.config.frame_sampling,
            run.config.limits.clone(),
            run.cancel.clone(),
        );
        blocking(move || analyze_video(&path, &info, sampling, &limits, &cancel, nudity.as_ref()))
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
    let failed = |half: Option<bool>| half.is_none_or(|ok| !ok);
    if failed(audio.as_ref().map(Result::is_ok)) && failed(video.as_ref().map(Result::is_ok)) {
        return Err(neither_half(run, scope, started, audio.and_then(Result::err), video.and_then(Result::err)));
    }
    let audio = settle(run, &scope.stage("audio"), started, audio, "the recording has no audio stream")?;
    let video = settle(run, &scope.stage("video"), started, video, "the recording has no video stream")?;
    let (video, video_decoder_errors, nudity) = match video {
        Ok(VideoAnalysis { features, decoder_errors, nudity }) => (Ok(features), decoder_errors, nudity),
        Err(reason) => {
            let nudity = run.config.safety.nudity_model.as_ref().map(|_| Err(reason.clone()));
            (Err(reason), 0, nudity)
        }
    };
    Ok(MediaHalves { audio, video, video_decoder_errors, nudity })
}

/// Neither half could be analysed: the failures are recorded and the run fails with the audio's
/// error (else the video's), which names what is wrong with the file and keeps its kind (a broken
/// limit is `input`, not `internal`).
fn neither_half(
    run: &mut Run<'_>,
    scope: &Scope,
    started: Instant,
    audio: Option<ProcessingError>,
    video: Option<ProcessingError>,
) -> ProcessingError {
    for (stage, error) in [("audio", &audio), ("video", &video)] {
        if let Some(error) = error.as_ref().filter(|e| e.kind() != "cancelled") {
            run.record(&scope.stage(stage), started, Outcome::Failed(error));
        }
    }
    audio.or(video).unwrap_or_else(|| ProcessingError::Internal("the recording has neither audio nor video".into()))
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

async fn audio_wav_stage(run: &mut Run<'_>, scope: &Scope, audio: &Half<AudioAnalysis>) -> Result<(), ProcessingError> {
    let started = Instant::now();
    let stage = scope.stage("audio_wav");
    run.check_cancel()?;
    match audio {
        _ if !run.config.stages.audio_wav => skip(run, &stage, "disabled in the pipeline's stages"),
        Err(reason) => skip(run, &stage, reason),
        Ok(audio) => {
            let record = run.store.put_file(&scope.file(layout::AUDIO_WAV), &audio.wav).await?;
            run.manifest.artifacts.push(record);
            run.record(&stage, started, Outcome::Ok);
        }
    }
    Ok(())
}

async fn transcribe_stage(
    run: &mut Run<'_>,
    scope: &Scope,
    audio: &mut Half<AudioAnalysis>,
) -> Result<Half<Transcript>, ProcessingError> {
    let started = Instant::now();
    let stage = scope.stage("transcribe");
    run.check_cancel()?;
    let samples = match (audio, &run.config.transcriber) {
        _ if !run.config.stages.transcribe => Err("transcription is disabled in the pipeline's stages".to_string()),
        (_, None) => Err("no transcriber is configured (give the pipeline a Whisper model to transcribe)".to_string()),
        (Err(reason), _) => Err(reason.clone()),
        // The samples are only kept for the transcriber: hand them over instead of copying them.
        (Ok(audio), Some(_)) => Ok((audio.samples.take().unwrap_or_default(), audio.speech.clone())),
    };
    let (samples, speech) = match samples {
        Ok(input) => input,
        Err(reason) => {
            skip(run, &stage, &reason);
            return Ok(Err(reason));
        }
    };
    let transcriber = Arc::clone(run.config.transcriber.as_ref().expect("checked above"));
    let options = run.config.decoding.clone();
    run.progress(&stage, 0.0);
    let result = blocking(move || transcriber.transcribe_with_speech(&samples, &options, speech.as_ref())).await?;
    match result {
        Ok(transcript) => {
            run.put_report(&scope.file(layout::TRANSCRIPT_JSON), &transcript).await?;
            let record =
                run.store.put_bytes(&scope.file(layout::TRANSCRIPT_TXT), transcript_text(&transcript).into()).await?;
            run.manifest.artifacts.push(record);
            run.record(&stage, started, Outcome::Ok);
            Ok(Ok(transcript))
        }
        Err(error) => {
            let error = ProcessingError::from(error);
            if error.kind() == "cancelled" {
                return Err(error);
            }
            run.record(&stage, started, Outcome::Failed(&error));
            Ok(Err(format!("transcription failed: {error}")))
        }
    }
}

/// Speech as a listener hears it: Silero's segments with its own defaults.
fn silero_segments(map: &SpeechMap) -> Vec<SpeechSegment> {
    map.segments(&SpeechOptions::silero())
        .into_iter()
        .map(|s| SpeechSegment { start_s: s.start_s, end_s: s.end_s })
        .collect()
}

/// `transcript.txt`: one segment per line.
fn transcript_text(transcript: &Transcript) -> String {
    let mut text: String = transcript.segments.iter().map(|s| format!("{}\n", s.text.trim())).collect();
    if text.is_empty() && !transcript.text.trim().is_empty() {
        text = format!("{}\n", transcript.text.trim());
    }
    text
}

async fn quality_stage(
    run: &mut Run<'_>,
    scope: &Scope,
    recording: &Recording,
) -> Result<Option<QualityReport>, ProcessingError> {
    let stage = scope.stage("quality");
    run.check_cancel()?;
    if !run.config.stages.quality {
        skip(run, &stage, "disabled in the pipeline's stages");
        return Ok(None);
    }
    let started = Instant::now();
    let (audio, video) = (&recording.audio, &recording.video);
    // Silero's speech, where it ran, tells the speech from the pauses the noise is measured in.
    let silero = audio.as_ref().ok().and_then(|a| a.speech.as_ref()).map(|map| (silero_segments(map), map.model_id()));
    let mut report = score_quality_with_speech(
        audio.as_ref().map(|a| &a.features).map_err(String::as_str),
        silero.as_ref().map(|(segments, vad)| DetectedSpeech { segments, vad }),
        video.as_ref().map_err(String::as_str),
    );
    let duration_s = recording.info.duration_s.unwrap_or(0.0);
    let audio_damage = audio.as_ref().ok().map(|a| &a.damage);
    report.issues.extend(damage_issues(audio_damage, recording.video_decoder_errors, duration_s));
    run.record(&stage, started, Outcome::Ok);
    Ok(Some(report))
}

async fn engagement_stage(
    run: &mut Run<'_>,
    scope: &Scope,
    recording: &Recording,
) -> Result<Option<EngagementReport>, ProcessingError> {
    let stage = scope.stage("engagement");
    run.check_cancel()?;
    if !run.config.stages.engagement {
        skip(run, &stage, "disabled in the pipeline's stages");
        return Ok(None);
    }
    let started = Instant::now();
    let segments: Half<Vec<TranscriptSegment>> = recording.transcript.as_ref().map_err(Clone::clone).map(|t| {
        t.segments
            .iter()
            .map(|s| TranscriptSegment { start_s: s.start_s, end_s: s.end_s, text: s.text.clone() })
            .collect()
    });
    let audio = recording.audio.as_ref().map_err(String::as_str);
    let silero = audio.ok().and_then(|a| a.speech.as_ref()).map(|map| (silero_segments(map), map.model_id()));
    let report = score_engagement_with_speech(
        audio.map(|a| &a.features),
        silero.as_ref().map(|(segments, vad)| DetectedSpeech { segments, vad }),
        recording.video.as_ref().map_err(String::as_str),
        segments.as_deref().map_err(String::as_str),
    );
    run.record(&stage, started, Outcome::Ok);
    Ok(Some(report))
}

async fn combined_stage(
    run: &mut Run<'_>,
    quality: &Option<serde_json::Value>,
    engagement: &Option<serde_json::Value>,
    analysis: &Result<serde_json::Value, String>,
) -> Result<Option<serde_json::Value>, ProcessingError> {
    let started = Instant::now();
    let part = |name: &str, report: &Option<serde_json::Value>| ScorePart {
        name: name.to_string(),
        score: report.as_ref().and_then(|r| r.get("score")).and_then(serde_json::Value::as_f64),
        reason: Some(match report {
            None => format!("the {name} stage did not run"),
            Some(r) => r.get("reason").and_then(|v| v.as_str()).unwrap_or("no score").to_string(),
        }),
    };
    let parts = [
        part("quality", quality),
        part("engagement", engagement),
        match analysis {
            Ok(report) => part("analysis", &Some(report.clone())),
            Err(reason) => ScorePart { name: "analysis".into(), score: None, reason: Some(reason.clone()) },
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
    media: Option<MediaInfo>,
    quality: Option<serde_json::Value>,
    engagement: Option<serde_json::Value>,
    combined: Option<serde_json::Value>,
    safety: Option<serde_json::Value>,
    analysis: Option<serde_json::Value>,
) -> Result<SessionResult, ProcessingError> {
    run.check_cancel()?;
    run.manifest.status = RunStatus::Complete;
    run.manifest.finished_at = Some(now_rfc3339());
    let manifest = run.write_manifest().await?;
    run.progress("finalize", 1.0);
    let mut artifacts = run.manifest.artifacts.clone();
    artifacts.push(manifest);
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
        safety,
        analysis,
        duration_ms: run.started.elapsed().as_millis() as u64,
    })
}
