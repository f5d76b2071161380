//! `NativeProcessor`: the core's `SessionProcessor`, with results handed over as JSON text.
//!
//! Runs happen on the library's own tokio runtime (`session_processing::runtime()`); the promise
//! only awaits them, so the JavaScript thread is never blocked. The JSON is exactly what
//! `serde_json` makes of `SessionResult`; `index.js` parses it.

use napi::bindgen_prelude::{AsyncBlock, AsyncBlockBuilder, FnArgs};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue};
use napi::{Env, Status};
use napi_derive::napi;
use session_processing::{
    CancelFlag, OutputLocation, ProcessingError, Progress, RecordingInput, S3Settings, SessionProcessor, Stages,
    runtime,
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

#[napi(object, object_to_js = false)]
pub struct ProcessorOptions {
    /// A local folder or `s3://bucket/prefix`: artifacts go to `<output>/sessions/<sessionId>/`.
    pub output: String,
    pub s3: Option<S3Options>,
    /// Run the transcription stage (default `true`). This build has no local Whisper, so the
    /// stage is reported as skipped with a reason.
    pub transcribe: Option<bool>,
    /// Called as stages start and advance; `fraction` is the whole run's share done (0–1).
    #[napi(ts_type = "(stage: string, fraction: number, sessionId: string) => void")]
    pub on_progress: Option<ProgressCallback>,
}

/// The native processor; use `SessionProcessor` from the package instead.
#[napi]
pub struct NativeProcessor {
    inner: SessionProcessor,
}

#[napi]
impl NativeProcessor {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: ProcessorOptions) -> napi::Result<Self> {
        let output = OutputLocation::parse(&options.output).map_err(|e| to_js_error(&env, &e))?;
        let stages = Stages { transcribe: options.transcribe.unwrap_or(true), ..Stages::default() };
        let mut builder = SessionProcessor::builder().output(output).stages(stages);
        if let Some(s3) = options.s3 {
            builder = builder.s3(s3_settings(s3));
        }
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
        Ok(Self { inner: builder.build() })
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
}

/// One run on the library's runtime, serialised there too.
async fn run(
    processor: SessionProcessor,
    session_id: String,
    input: String,
    flag: CancelFlag,
) -> Result<String, ProcessingError> {
    let input = RecordingInput::parse(&input)?;
    let task = runtime()?.spawn(async move {
        let result = processor.process(&session_id, input, &flag).await?;
        serde_json::to_string(&result)
            .map_err(|e| ProcessingError::Internal(format!("cannot serialise the result: {e}")))
    });
    match task.await {
        Ok(outcome) => outcome,
        Err(join) if join.is_panic() => Err(ProcessingError::from_panic(join.into_panic())),
        Err(join) => Err(ProcessingError::Internal(format!("the run was lost: {join}"))),
    }
}

fn s3_settings(s3: S3Options) -> S3Settings {
    S3Settings {
        region: s3.region,
        endpoint: s3.endpoint,
        access_key_id: s3.access_key_id,
        secret_access_key: s3.secret_access_key,
        session_token: s3.session_token,
        force_path_style: s3.force_path_style.unwrap_or(false),
    }
}
