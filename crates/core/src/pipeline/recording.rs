//! One recording, from its input to what the scores need: fetch → probe → store recording →
//! media (audio ∥ video) → `audio.wav` → transcribe.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use session_media::{MediaInfo, probe};
use session_scoring::{SpeechSegment, VideoFeatures};
use session_transcribe::{SpeechMap, SpeechOptions, Transcript};

use crate::ProcessingError;
use crate::layout;
use crate::pipeline::context::{Run, StageClock, blocking};
use crate::pipeline::media_analysis::{
    AudioAnalysis, AudioOutputs, NudityOutcome, NudityScan, VideoAnalysis, analyze_audio, analyze_video,
};
use crate::storage::{RecordingInput, SessionStore, download};

/// A part of the analysis that may be missing, with the reason it is.
pub(crate) type Half<T> = Result<T, String>;

/// One recording of a session and where its files go: the session folder itself (a session with
/// one recording), or `participants/<id>/` with stages named `<id>/<stage>` (one recording per
/// participant). A participant who left and joined again has one recording per part: the
/// second goes to `participants/<id>/part-2/` with stages named `<id>/part-2/<stage>`, and so on.
pub(crate) struct Scope {
    /// The participant, when each participant has a recording.
    pub participant: Option<String>,
    /// Which of the participant's recordings this is, from 1.
    pub part: u32,
    pub input: RecordingInput,
    /// Where the recording starts on the session's timeline, seconds.
    pub offset_s: f64,
}

impl Scope {
    /// The session's own recording (not recorded per participant).
    pub fn session(input: RecordingInput) -> Self {
        Scope { participant: None, part: 1, input, offset_s: 0.0 }
    }

    pub fn participant(participant: String, part: u32, input: RecordingInput, offset_s: f64) -> Self {
        Scope { participant: Some(participant), part, input, offset_s }
    }

    /// The stage `name` of this recording: `probe`, `<participant>/probe` or
    /// `<participant>/part-2/probe`.
    pub fn stage(&self, name: &str) -> String {
        match &self.participant {
            Some(who) if self.part > 1 => format!("{who}/{}{}/{name}", layout::PART_PREFIX, self.part),
            Some(who) => format!("{who}/{name}"),
            None => name.to_string(),
        }
    }

    /// The file `name` of this recording: `audio.wav`, `participants/<id>/audio.wav` or
    /// `participants/<id>/part-2/audio.wav`.
    pub fn file(&self, name: &str) -> String {
        match &self.participant {
            Some(who) => format!("{}/{name}", layout::participant_folder(who, self.part)),
            None => name.to_string(),
        }
    }

    /// The part number a report shows: `None` for a first (or only) recording.
    pub fn later_part(&self) -> Option<u32> {
        (self.part > 1).then_some(self.part)
    }

    /// Where the recording is stored in the session folder.
    fn stored_name(&self) -> String {
        self.file(&layout::recording(&self.input.extension()))
    }
}

/// What the stages made of one recording.
pub(crate) struct Recording {
    pub info: MediaInfo,
    pub audio: Half<AudioAnalysis>,
    pub video: Half<VideoFeatures>,
    /// Damaged pieces the video decoder skipped while frames were sampled.
    pub video_decoder_errors: u32,
    /// Nudity scores of sampled frames; `None` without a nudity model.
    pub nudity: Option<NudityOutcome>,
    pub transcript: Half<Transcript>,
}

impl Recording {
    /// Speech as a listener hears it: Silero's segments with its own defaults, with the VAD's
    /// id; `None` when Silero did not run.
    pub fn silero_speech(&self) -> Option<(Vec<SpeechSegment>, &str)> {
        let map = self.audio.as_ref().ok()?.speech.as_ref()?;
        Some((silero_segments(map), map.model_id()))
    }
}

fn silero_segments(map: &SpeechMap) -> Vec<SpeechSegment> {
    map.segments(&SpeechOptions::silero())
        .into_iter()
        .map(|s| SpeechSegment { start_s: s.start_s, end_s: s.end_s })
        .collect()
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
        let expected = scope.stored_name();
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

/// Runs the stages of one recording, in order.
pub(crate) async fn analyze_recording(
    run: &mut Run<'_>,
    scope: &Scope,
    temp_dir: &Path,
) -> Result<Recording, ProcessingError> {
    let local = fetch(run, scope, temp_dir).await?;
    let info = probe_stage(run, scope, &local.path).await?;
    store_recording(run, scope, &local.path).await?;
    let MediaHalves { mut audio, video, video_decoder_errors, nudity } =
        media_stage(run, scope, &local.path, &info, temp_dir).await?;
    audio_wav_stage(run, scope, &audio).await?;
    let transcript = transcribe_stage(run, scope, &mut audio).await?;
    Ok(Recording { info, audio, video, video_decoder_errors, nudity, transcript })
}

/// The recording as a local file: the input itself, or a temporary download removed on drop.
struct LocalRecording {
    path: PathBuf,
    _download: Option<tempfile::TempPath>,
}

async fn fetch(run: &mut Run<'_>, scope: &Scope, temp_dir: &Path) -> Result<LocalRecording, ProcessingError> {
    let stage = run.begin(scope.stage("fetch"))?;
    run.progress(&stage.name, 0.0);
    match &scope.input {
        RecordingInput::Local { path } => {
            stage.skipped(run, "the recording is a local file");
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
            stage.done(run);
            Ok(LocalRecording { path: file.to_path_buf(), _download: Some(file) })
        }
    }
}

async fn probe_stage(run: &mut Run<'_>, scope: &Scope, path: &Path) -> Result<MediaInfo, ProcessingError> {
    let stage = run.begin(scope.stage("probe"))?;
    let (path, limits) = (path.to_path_buf(), run.config.limits.clone());
    let info = blocking(move || probe(&path, &limits)).await?.map_err(ProcessingError::from)?;
    if scope.participant.is_none() {
        run.manifest.media = Some(info.clone());
    }
    run.manifest.audio_tracks.extend(crate::AudioTracks::of(&scope.stored_name(), &info));
    stage.done(run);
    Ok(info)
}

async fn store_recording(run: &mut Run<'_>, scope: &Scope, path: &Path) -> Result<(), ProcessingError> {
    let stage = run.begin(scope.stage("store_recording"))?;
    let name = scope.stored_name();
    if !run.config.stages.store_recording {
        stage.skipped(run, "disabled in the pipeline's stages");
        return Ok(());
    }
    if run.store.name_of(&scope.input).as_deref() == Some(name.as_str()) {
        let bytes = run.store.size_of(&name).await?.unwrap_or(0);
        run.manifest.artifacts.push(crate::ArtifactRecord {
            name: name.clone(),
            location: run.store.location(&name),
            bytes,
        });
        stage.skipped(run, "the recording is already in the session folder");
        return Ok(());
    }
    let record = match run.store.key_in_same_bucket(&scope.input) {
        Some(key) => run.store.copy_within(&key, &name).await?,
        None => run.store.put_file(&name, path).await?,
    };
    run.manifest.artifacts.push(record);
    stage.done(run);
    Ok(())
}

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
    let stage = run.begin(scope.stage("media"))?;
    run.progress(&stage.name, 0.0);
    let keep_samples = run.config.stages.transcribe && run.config.transcriber.is_some();
    let audio_task = info.audio().map(|_| {
        let (path, temp_dir, limits, cancel) =
            (path.to_path_buf(), temp_dir.to_path_buf(), run.config.limits.clone(), run.cancel.clone());
        let expected_s = info.duration_s.unwrap_or(0.0);
        let (progress, session_id, media_stage) = (run.config.progress.clone(), run.id.to_string(), stage.name.clone());
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
        return Err(neither_half(run, scope, &stage, audio.and_then(Result::err), video.and_then(Result::err)));
    }
    let audio = settle(run, stage.same_start(scope.stage("audio")), audio, "the recording has no audio stream")?;
    let video = settle(run, stage.same_start(scope.stage("video")), video, "the recording has no video stream")?;
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
    media: &StageClock,
    audio: Option<ProcessingError>,
    video: Option<ProcessingError>,
) -> ProcessingError {
    for (stage, error) in [("audio", &audio), ("video", &video)] {
        if let Some(error) = error.as_ref().filter(|e| !e.is_cancelled()) {
            media.same_start(scope.stage(stage)).failed(run, error);
        }
    }
    audio.or(video).unwrap_or_else(|| ProcessingError::Internal("the recording has neither audio nor video".into()))
}

/// Records one half of the media stage; a missing stream is a skip, a failure is kept as the
/// reason the scores that need it are `null`.
fn settle<T>(
    run: &mut Run<'_>,
    stage: StageClock,
    result: Option<Result<T, ProcessingError>>,
    absent: &str,
) -> Result<Half<T>, ProcessingError> {
    match result {
        None => {
            run.skip(&stage.name, absent);
            Ok(Err(absent.into()))
        }
        Some(Ok(value)) => {
            stage.done(run);
            Ok(Ok(value))
        }
        Some(Err(error)) if error.is_cancelled() => Err(error),
        Some(Err(error)) => {
            let reason = format!("{} analysis failed: {error}", stage.name);
            stage.failed(run, &error);
            Ok(Err(reason))
        }
    }
}

async fn audio_wav_stage(run: &mut Run<'_>, scope: &Scope, audio: &Half<AudioAnalysis>) -> Result<(), ProcessingError> {
    let stage = run.begin(scope.stage("audio_wav"))?;
    match audio {
        _ if !run.config.stages.audio_wav => stage.skipped(run, "disabled in the pipeline's stages"),
        Err(reason) => stage.skipped(run, reason.clone()),
        Ok(audio) => {
            let record = run.store.put_file(&scope.file(layout::AUDIO_WAV), &audio.wav).await?;
            run.manifest.artifacts.push(record);
            stage.done(run);
        }
    }
    Ok(())
}

async fn transcribe_stage(
    run: &mut Run<'_>,
    scope: &Scope,
    audio: &mut Half<AudioAnalysis>,
) -> Result<Half<Transcript>, ProcessingError> {
    let stage = run.begin(scope.stage("transcribe"))?;
    let input = match (audio, &run.config.transcriber) {
        _ if !run.config.stages.transcribe => Err("transcription is disabled in the pipeline's stages".to_string()),
        (_, None) => Err("no transcriber is configured (give the pipeline a Whisper model to transcribe)".to_string()),
        (Err(reason), _) => Err(reason.clone()),
        // The samples are only kept for the transcriber: hand them over instead of copying them.
        (Ok(audio), Some(transcriber)) => {
            Ok((Arc::clone(transcriber), audio.samples.take().unwrap_or_default(), audio.speech.clone()))
        }
    };
    let (transcriber, samples, speech) = match input {
        Ok(input) => input,
        Err(reason) => {
            stage.skipped(run, reason.clone());
            return Ok(Err(reason));
        }
    };
    let options = run.config.decoding.clone();
    run.progress(&stage.name, 0.0);
    let result = blocking(move || transcriber.transcribe_with_speech(&samples, &options, speech.as_ref())).await?;
    match result.map_err(ProcessingError::from) {
        Ok(transcript) => {
            run.put_report(&scope.file(layout::TRANSCRIPT_JSON), &transcript).await?;
            let record =
                run.store.put_bytes(&scope.file(layout::TRANSCRIPT_TXT), transcript_text(&transcript).into()).await?;
            run.manifest.artifacts.push(record);
            stage.done(run);
            Ok(Ok(transcript))
        }
        Err(error) if error.is_cancelled() => Err(error),
        Err(error) => {
            let reason = format!("transcription failed: {error}");
            stage.failed(run, &error);
            Ok(Err(reason))
        }
    }
}

/// `transcript.txt`: one segment per line.
fn transcript_text(transcript: &Transcript) -> String {
    let mut text: String = transcript.segments.iter().map(|s| format!("{}\n", s.text.trim())).collect();
    if text.is_empty() && !transcript.text.trim().is_empty() {
        text = format!("{}\n", transcript.text.trim());
    }
    text
}
