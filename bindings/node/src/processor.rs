//! `NativeProcessor`: the core's `SessionProcessor`, with results handed over as JSON text.
//!
//! Runs happen on the library's own tokio runtime (`session_processing::runtime()`); the promise
//! only awaits them, so the JavaScript thread is never blocked. The JSON is exactly what
//! `serde_json` makes of `SessionResult`; `index.js` parses it.

use napi::bindgen_prelude::{AsyncBlock, AsyncBlockBuilder, AsyncTask, FnArgs};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue};
use napi::{Env, Status, Task};
use napi_derive::napi;

use session_processing::{
    CancelFlag, ParticipantInput, ProcessingError, ProcessorConfig, Progress, RecordingInput, S3Settings,
    SessionProcessor, host,
};

use crate::cancel::CancelToken;
use crate::errors::to_js_error;

/// `(stage, fraction, sessionId)`, called on the JS thread without blocking the pipeline; weak,
/// so that it never keeps the process alive on its own.
type ProgressCallback = ThreadsafeFunction<
    FnArgs<(String, f64, String)>,
    UnknownReturnValue,
    FnArgs<(String, f64, String)>,
    Status,
    false,
    true,
>;

/// How to reach S3 or an S3-compatible server (MinIO, moto). Fields left out fall back to the
/// standard AWS chain (`AWS_*` environment variables, web identity, instance metadata).
#[napi(object, object_to_js = false)]
pub struct S3Options {
    /// Custom endpoint for S3-compatible servers, e.g. `http://127.0.0.1:9000`.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need.
    pub force_path_style: Option<bool>,
}

/// The options of `SessionProcessor`, declared here once: napi writes them into binding.d.ts,
/// and index.d.ts names them `SessionProcessorOptions`.
#[napi(object, object_to_js = false)]
pub struct ProcessorOptions {
    /// A local folder or `s3://bucket/prefix`: artifacts go to `<output>/sessions/<sessionId>/`.
    pub output: String,
    /// How to reach S3 (for S3 inputs and outputs); fields left out use the standard AWS chain.
    pub s3: Option<S3Options>,
    /// Run the transcription stage (default true); it needs `model`, else it is skipped with a
    /// reason.
    pub transcribe: Option<bool>,
    /// Local Whisper model folder (`model.safetensors`, `config.json`, `tokenizer.json`;
    /// `scripts/prepare-whisper-tiny` makes one), loaded by the constructor or `create` (a bad
    /// folder fails, kind `transcription`).
    pub model: Option<String>,
    /// Spoken language (ISO 639-1, e.g. "en"); detected when left out (English-only models
    /// ignore it).
    pub language: Option<String>,
    /// Called on the JS thread as stages start and advance; `fraction` is the run's share done
    /// (0–1); `sessionId` tells concurrent runs apart. An exception it throws becomes a process
    /// warning and does not stop the run.
    #[napi(ts_type = "(stage: string, fraction: number, sessionId: string) => void")]
    pub on_progress: Option<ProgressCallback>,
    /// Folder of the nsfwjs model (`scripts/prepare-nsfw-model`) for the nudity category of the
    /// post-session safety scan; loaded by the constructor or `create`, which fail (kind
    /// `config`) when it is missing or broken.
    pub nudity_model: Option<String>,
    /// Gemini API key for `analysis.json` and the LLM transcript safety classifier. Left out:
    /// `GEMINI_API_KEY` (with `GEMINI_MODEL`, `GEMINI_BASE_URL`) when set; `""` turns the LLM off.
    /// Never appears in error messages.
    pub gemini_api_key: Option<String>,
    /// What kind of session this is ("a tutoring session", "a 1:1 match"), for the LLM.
    pub session_context: Option<String>,
    /// Folder of the Silero VAD model (`scripts/prepare-silero-vad`): each track's speech map is
    /// computed once and used by the transcriber (stretches without speech, steady noise
    /// included, are not decoded) and by engagement; without it both use energy-based detection.
    /// A bad folder fails (kind `transcription`).
    pub vad_model: Option<String>,
}

/// One participant's recording of a session recorded one track per participant.
#[napi(object, object_to_js = false)]
pub struct ParticipantRecording {
    /// Participant identity (LiveKit identity): the folder `participants/<participant>/`.
    pub participant: String,
    /// A local path or `s3://bucket/key`.
    pub input: String,
    /// Where this recording starts on the session's timeline, in seconds (default 0).
    pub offset_s: Option<f64>,
}

/// The native processor; use `SessionProcessor` from the package instead.
#[napi]
pub struct NativeProcessor {
    inner: SessionProcessor,
}

#[napi]
impl NativeProcessor {
    /// Loads the models given (Whisper, nudity) on the calling thread; `NativeProcessor.load` does
    /// the same off the JavaScript thread.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: ProcessorOptions) -> napi::Result<Self> {
        configure(options).map(|inner| Self { inner }).map_err(|e| to_js_error(&env, &e))
    }

    /// Resolves with a processor whose models were loaded on libuv's thread pool, so the event loop
    /// keeps running meanwhile; rejects with an `Error` carrying `code` and `kind`.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeProcessor>")]
    pub fn load(options: ProcessorOptions) -> AsyncTask<LoadProcessor> {
        AsyncTask::new(LoadProcessor { options: Some(options) })
    }

    /// Processes one session; resolves with the `SessionResult` as JSON text, or rejects with an
    /// `Error` carrying `code` and `kind`.
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn process(
        &self,
        env: Env,
        session_id: String,
        input: String,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<AsyncBlock<String>> {
        let processor = self.inner.clone();
        let flag = cancel.map(|token| token.flag.clone()).unwrap_or_default();
        let run = async move { Ok(run(processor, session_id, input, flag).await) };
        AsyncBlockBuilder::build_with_map(&env, run, |env, outcome| outcome.map_err(|e| to_js_error(&env, &e)))
    }

    /// Processes a session recorded one track per participant: each recording's artifacts go to
    /// `participants/<participant>/`, and the session's reports add the conversation. Resolves
    /// with the `SessionResult` as JSON text.
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn process_participants(
        &self,
        env: Env,
        session_id: String,
        participants: Vec<ParticipantRecording>,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<AsyncBlock<String>> {
        let processor = self.inner.clone();
        let flag = cancel.map(|token| token.flag.clone()).unwrap_or_default();
        let run = async move {
            let inputs = participants
                .into_iter()
                .map(|p| {
                    Ok(ParticipantInput {
                        participant: p.participant,
                        input: RecordingInput::parse(&p.input)?,
                        offset_s: p.offset_s.unwrap_or(0.0),
                    })
                })
                .collect::<Result<Vec<_>, ProcessingError>>();
            let outcome = match inputs {
                Ok(inputs) => {
                    host::spawn(
                        async move { to_json(&processor.process_participants(&session_id, inputs, &flag).await?) },
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            Ok(outcome)
        };
        AsyncBlockBuilder::build_with_map(&env, run, |env, outcome| outcome.map_err(|e| to_js_error(&env, &e)))
    }

    /// Validates a realtime safety event (JSON text) and stores it under
    /// `sessions/<sessionId>/safety/`; resolves with the `StoredSafetyEvent` as JSON text, or
    /// rejects with an `Error` carrying `code` (`safety.invalid_event`, …) and `kind`.
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn record_safety_event(&self, env: Env, session_id: String, event: String) -> napi::Result<AsyncBlock<String>> {
        let processor = self.inner.clone();
        let run = async move {
            Ok(host::spawn(async move {
                let stored = processor.record_safety_event_json(&session_id, &event).await?;
                to_json(&stored)
            })
            .await)
        };
        AsyncBlockBuilder::build_with_map(&env, run, |env, outcome| outcome.map_err(|e| to_js_error(&env, &e)))
    }
}

/// The core's `SessionProcessor` for `options`, with its models loaded (the slow part).
fn configure(options: ProcessorOptions) -> Result<SessionProcessor, ProcessingError> {
    let config = ProcessorConfig {
        s3: options.s3.map(s3_settings),
        transcribe: options.transcribe.unwrap_or(true),
        whisper_model: options.model.map(Into::into),
        language: options.language,
        vad_model: options.vad_model.map(Into::into),
        nudity_model: options.nudity_model.map(Into::into),
        gemini_api_key: options.gemini_api_key,
        session_context: options.session_context,
        ..ProcessorConfig::new(options.output)
    };
    let mut builder = config.builder()?;
    if let Some(callback) = options.on_progress {
        builder = builder.on_progress(move |p: &Progress| {
            // Non-blocking; an exception thrown by the callback is cleared and ignored here
            // (index.js reports it as a warning), so it never stops the run.
            callback.call_with_return_value(
                (p.stage.clone(), p.fraction, p.session_id.clone()).into(),
                ThreadsafeFunctionCallMode::NonBlocking,
                |_, _| Ok(()),
            );
        });
    }
    Ok(builder.build())
}

/// One `NativeProcessor.load` call: `configure` on libuv's thread pool.
pub struct LoadProcessor {
    options: Option<ProcessorOptions>,
}

impl Task for LoadProcessor {
    type Output = Result<SessionProcessor, ProcessingError>;
    type JsValue = NativeProcessor;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let options = self.options.take().ok_or_else(|| ProcessingError::Internal("loaded twice".into()));
        Ok(host::guarded(|| configure(options?)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.map(|inner| NativeProcessor { inner }).map_err(|e| to_js_error(&env, &e))
    }
}

fn to_json(value: &impl serde::Serialize) -> Result<String, ProcessingError> {
    serde_json::to_string(value).map_err(|e| ProcessingError::Internal(format!("cannot serialise the result: {e}")))
}

/// One run on the library's runtime, serialised there too.
async fn run(
    processor: SessionProcessor,
    session_id: String,
    input: String,
    flag: CancelFlag,
) -> Result<String, ProcessingError> {
    let input = RecordingInput::parse(&input)?;
    host::spawn(async move { to_json(&processor.process(&session_id, input, &flag).await?) }).await
}

pub(crate) fn s3_settings(s3: S3Options) -> S3Settings {
    S3Settings {
        region: s3.region,
        endpoint: s3.endpoint,
        access_key_id: s3.access_key_id,
        secret_access_key: s3.secret_access_key,
        session_token: s3.session_token,
        force_path_style: s3.force_path_style.unwrap_or(false),
        timeout_s: None,
    }
}
