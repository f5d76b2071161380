//! `NativeSafetyChecker`: the core's realtime `SafetyChecker`, with results handed over as JSON.
//!
//! Frames are scored on libuv's thread pool (an `AsyncTask`), never on the JavaScript thread;
//! the pixels are read in place from the caller's `Uint8Array` (or `Buffer`). The JSON is
//! exactly what `serde_json` makes of `FrameCheck`; `index.js` parses it.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{AsyncTask, Uint8Array};
use napi::{Env, Task};
use napi_derive::napi;
use session_processing::{PixelFormat, ProcessingError, SafetyChecker, SafetyCheckerSettings, host};

use crate::errors::to_js_error;

#[napi(object, object_to_js = false)]
pub struct SafetyCheckerOptions {
    /// The participant (LiveKit identity) the frames come from, written into events.
    pub participant: Option<String>,
    /// Folder of the nsfwjs model (`scripts/prepare-nsfw-model`); without it nudity is not judged.
    pub nudity_model: Option<String>,
    /// Nudity flag threshold, 0–1 (default 0.7).
    pub nudity_threshold: Option<f64>,
}

/// The native realtime checker; use `SafetyChecker` from the package instead.
#[napi]
pub struct NativeSafetyChecker {
    /// The checker remembers covered / frozen stretches: one frame at a time.
    inner: Arc<Mutex<SafetyChecker>>,
    has_nudity_model: bool,
}

#[napi]
impl NativeSafetyChecker {
    /// Loads the nudity model when one is given, on the calling thread; a missing or broken folder
    /// throws (kind `config`). `NativeSafetyChecker.load` does the same off the JavaScript thread.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: Option<SafetyCheckerOptions>) -> napi::Result<Self> {
        let checker = SafetyChecker::new(settings(options)).map_err(|e| to_js_error(&env, &e.into()))?;
        Ok(Self::from(checker))
    }

    /// Resolves with a checker whose nudity model was loaded on libuv's thread pool; rejects with an
    /// `Error` carrying `code` and `kind`.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeSafetyChecker>")]
    pub fn load(options: Option<SafetyCheckerOptions>) -> AsyncTask<LoadSafetyChecker> {
        AsyncTask::new(LoadSafetyChecker { settings: Some(settings(options)) })
    }

    /// Whether frames are scored for nudity.
    #[napi(getter)]
    pub fn has_nudity_model(&self) -> bool {
        self.has_nudity_model
    }

    /// Scores one frame off the JS thread; resolves with the `FrameCheck` as JSON text, or
    /// rejects with an `Error` carrying `code` (`safety.invalid_frame`, …) and `kind`.
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn check_frame(
        &self,
        pixels: Uint8Array,
        width: u32,
        height: u32,
        time_s: f64,
        format: String,
    ) -> AsyncTask<CheckFrame> {
        AsyncTask::new(CheckFrame { checker: self.inner.clone(), pixels, width, height, time_s, format })
    }
}

impl From<SafetyChecker> for NativeSafetyChecker {
    fn from(checker: SafetyChecker) -> Self {
        let has_nudity_model = checker.has_nudity_model();
        Self { inner: Arc::new(Mutex::new(checker)), has_nudity_model }
    }
}

fn settings(options: Option<SafetyCheckerOptions>) -> SafetyCheckerSettings {
    let options =
        options.unwrap_or(SafetyCheckerOptions { participant: None, nudity_model: None, nudity_threshold: None });
    let mut settings = SafetyCheckerSettings {
        participant: options.participant,
        nudity_model: options.nudity_model.map(Into::into),
        ..SafetyCheckerSettings::default()
    };
    if let Some(threshold) = options.nudity_threshold {
        settings.nudity_threshold = threshold;
    }
    settings
}

/// One `NativeSafetyChecker.load` call: the model is loaded on libuv's thread pool.
pub struct LoadSafetyChecker {
    settings: Option<SafetyCheckerSettings>,
}

impl Task for LoadSafetyChecker {
    type Output = Result<SafetyChecker, ProcessingError>;
    type JsValue = NativeSafetyChecker;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let settings = self.settings.take().ok_or_else(|| ProcessingError::Internal("loaded twice".into()));
        Ok(host::guarded(|| Ok(SafetyChecker::new(settings?)?)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.map(NativeSafetyChecker::from).map_err(|e| to_js_error(&env, &e))
    }
}

/// One `checkFrame` call, run on libuv's thread pool.
pub struct CheckFrame {
    checker: Arc<Mutex<SafetyChecker>>,
    pixels: Uint8Array,
    width: u32,
    height: u32,
    time_s: f64,
    format: String,
}

impl Task for CheckFrame {
    type Output = Result<String, ProcessingError>;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(host::guarded(|| {
            let format = PixelFormat::parse(&self.format)?;
            let mut checker = self.checker.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let check = checker.check_frame(&self.pixels, self.width, self.height, format, self.time_s)?;
            serde_json::to_string(&check)
                .map_err(|e| ProcessingError::Internal(format!("cannot serialise the frame check: {e}")))
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.map_err(|e| to_js_error(&env, &e))
    }
}
