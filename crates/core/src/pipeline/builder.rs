use std::path::PathBuf;
use std::sync::Arc;

use session_media::{FrameSampling, GStreamer, Limits, MediaDecoder};
use session_reasoning::{AnalysisLimits, Llm};
use session_scoring::CombineWeights;
use session_transcribe::{DecodingOptions, Transcriber, VoiceActivity};

use crate::SafetySettings;
use crate::pipeline::SessionProcessor;
use crate::progress::{Progress, ProgressFn};
use crate::storage::{OutputLocation, S3Settings, SessionStore, Sink};
use crate::{ProcessingError, SessionId};

/// Which optional stages run. Media decoding and the manifest always run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stages {
    /// Copy the recording into the session folder (skipped when it is already there).
    pub store_recording: bool,
    /// Write `audio.wav`.
    pub audio_wav: bool,
    /// Transcribe (needs a transcriber).
    pub transcribe: bool,
    pub quality: bool,
    pub engagement: bool,
    /// The post-session safety scan (`safety-scan.json`, `safety/post-session-*.json`).
    pub safety_scan: bool,
    /// `timeline.json` and `report.html`.
    pub report: bool,
}

impl Default for Stages {
    fn default() -> Self {
        Self {
            store_recording: true,
            audio_wav: true,
            transcribe: true,
            quality: true,
            engagement: true,
            safety_scan: true,
            report: true,
        }
    }
}

/// Assembles a [`SessionProcessor`]: where artifacts go, which stages run, which transcriber.
///
/// ```
/// use session_processing::{OutputLocation, SessionProcessor};
/// let processor = SessionProcessor::builder()
///     .output(OutputLocation::parse("out").unwrap())
///     .build();
/// ```
#[derive(Clone)]
pub struct SessionProcessorBuilder {
    pub(crate) output: OutputLocation,
    pub(crate) s3: S3Settings,
    /// A sink given with [`Self::sink`]; otherwise `output` is the sink.
    pub(crate) sink: Option<Arc<dyn Sink>>,
    pub(crate) transcriber: Option<Arc<dyn Transcriber>>,
    pub(crate) voice_activity: Option<Arc<dyn VoiceActivity>>,
    /// Reads the recordings: GStreamer unless [`Self::decoder`] gives another.
    pub(crate) decoder: Arc<dyn MediaDecoder>,
    pub(crate) decoding: DecodingOptions,
    pub(crate) stages: Stages,
    pub(crate) frame_sampling: FrameSampling,
    pub(crate) limits: Limits,
    pub(crate) weights: CombineWeights,
    pub(crate) progress: Option<ProgressFn>,
    pub(crate) temp_dir: Option<PathBuf>,
    pub(crate) safety: SafetySettings,
    pub(crate) llm: Option<Arc<dyn Llm>>,
    pub(crate) analysis_limits: AnalysisLimits,
    pub(crate) context: Option<String>,
    pub(crate) lease_ttl: std::time::Duration,
}

impl Default for SessionProcessorBuilder {
    fn default() -> Self {
        Self {
            output: OutputLocation::Local { dir: PathBuf::from("session-output") },
            s3: S3Settings::default(),
            sink: None,
            transcriber: None,
            voice_activity: None,
            decoder: Arc::new(GStreamer),
            decoding: DecodingOptions::default(),
            stages: Stages::default(),
            frame_sampling: FrameSampling::default(),
            limits: Limits::default(),
            weights: CombineWeights::default(),
            progress: None,
            temp_dir: None,
            safety: SafetySettings::default(),
            llm: None,
            analysis_limits: AnalysisLimits::default(),
            context: None,
            lease_ttl: crate::storage::DEFAULT_LEASE_TTL,
        }
    }
}

impl SessionProcessorBuilder {
    /// Where `sessions/<id>/…` is written: a local folder (the default, `./session-output`) or S3.
    /// Replaces a [`Self::sink`] given before.
    pub fn output(mut self, output: OutputLocation) -> Self {
        self.output = output;
        self.sink = None;
        self
    }

    /// Where `sessions/<id>/…` is written, as any [`Sink`]: a [`crate::LocalFolder`], an
    /// [`crate::S3Bucket`], an [`crate::ObjectStoreSink`] on another `object_store` backend, or
    /// your own. Replaces an [`Self::output`] given before.
    pub fn sink(mut self, sink: Arc<dyn Sink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// How to reach S3, for S3 inputs and outputs.
    pub fn s3(mut self, settings: S3Settings) -> Self {
        self.s3 = settings;
        self
    }

    /// The transcriber; without one the transcription stage is skipped with a reason.
    pub fn transcriber(mut self, transcriber: Arc<dyn Transcriber>) -> Self {
        self.transcriber = Some(transcriber);
        self
    }

    /// The voice-activity detector, usually Silero VAD (`SileroVad::load(folder)`, or any
    /// [`VoiceActivity`]): each audio track's speech map is computed once,
    /// while it is decoded, and used by the transcriber (stretches without speech, noise
    /// included, are skipped before decoding) and by engagement (talk time, pauses). Without
    /// one, the transcriber's energy mask and the energy VAD are used.
    pub fn voice_activity(mut self, vad: Arc<dyn VoiceActivity>) -> Self {
        self.voice_activity = Some(vad);
        self
    }

    /// Decodes the recordings with `decoder` (probe, audio, video packets, sampled frames)
    /// instead of GStreamer ([`session_media::GStreamer`]).
    pub fn decoder(mut self, decoder: Arc<dyn MediaDecoder>) -> Self {
        self.decoder = decoder;
        self
    }

    pub fn decoding_options(mut self, options: DecodingOptions) -> Self {
        self.decoding = options;
        self
    }

    pub fn stages(mut self, stages: Stages) -> Self {
        self.stages = stages;
        self
    }

    pub fn frame_sampling(mut self, sampling: FrameSampling) -> Self {
        self.frame_sampling = sampling;
        self
    }

    /// Watchdog limits for the media pipelines.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Weights of `combined-score.json`.
    pub fn weights(mut self, weights: CombineWeights) -> Self {
        self.weights = weights;
        self
    }

    /// Called with a [`Progress`] event as stages start and advance.
    pub fn on_progress(mut self, progress: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Folder for temporary files (downloaded recordings, audio); the system's by default.
    pub fn temp_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.temp_dir = Some(dir.into());
        self
    }

    /// Thresholds and word list of the safety detectors.
    pub fn safety(mut self, settings: SafetySettings) -> Self {
        self.safety = settings;
        self
    }

    /// The LLM behind `analysis.json` and the transcript safety classifier (for example
    /// `session_reasoning::Gemini::from_env()`); without one those are skipped with a reason.
    /// Its model's list prices go into the cost caps ([`AnalysisLimits::for_model`]; a later
    /// [`Self::analysis_limits`] replaces them).
    pub fn llm(mut self, llm: Arc<dyn Llm>) -> Self {
        let priced = AnalysisLimits::for_model(&llm.model_id());
        self.analysis_limits.input_price_per_million_usd = priced.input_price_per_million_usd;
        self.analysis_limits.output_price_per_million_usd = priced.output_price_per_million_usd;
        self.llm = Some(llm);
        self
    }

    /// Transcript length, output tokens, prices, and the cost caps of each LLM call and of all
    /// the calls of one session.
    pub fn analysis_limits(mut self, limits: AnalysisLimits) -> Self {
        self.analysis_limits = limits;
        self
    }

    /// What kind of session this is ("a tutoring session", "a 1:1 match"), for the LLM.
    pub fn session_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// How long a run's lease on an S3 session folder lives without renewal (default 60 s;
    /// renewed every third of it). A crashed run's lease blocks the session this long; a local
    /// folder's lock is released by the OS at once. See decision 014.
    pub fn session_lease_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.lease_ttl = ttl.max(std::time::Duration::from_secs(1));
        self
    }

    /// The folder of session `id` in the sink.
    pub(crate) fn open_session(&self, id: &SessionId) -> Result<SessionStore, ProcessingError> {
        match &self.sink {
            Some(sink) => sink.open(id),
            None => SessionStore::open(&self.output, &self.s3, id.as_str()),
        }
    }

    pub fn build(self) -> SessionProcessor {
        SessionProcessor { config: Arc::new(self) }
    }
}
