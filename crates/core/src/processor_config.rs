//! A processor described as plain data: the choices the Python and Node bindings and the CLI
//! offer (output, S3, model folders, language, LLM key, context). The bindings convert their
//! options into a [`ProcessorConfig`]; loading the models and assembling the builder happen here,
//! once, for all of them.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use session_reasoning::{Gemini, Llm};
use session_safety::{NudityClassifier, NudityDetector};
use session_transcribe::{DecodingOptions, SileroVad};

use crate::{
    OutputLocation, ProcessingError, S3Settings, SafetySettings, SessionProcessor, SessionProcessorBuilder, Stages,
};

/// What a caller chooses for a processor, before any model is loaded.
///
/// ```no_run
/// use session_processing::ProcessorConfig;
/// # fn main() -> Result<(), session_processing::ProcessingError> {
/// let config = ProcessorConfig {
///     whisper_model: Some(".models/whisper-tiny".into()),
///     vad_model: Some(".models/silero-vad".into()),
///     ..ProcessorConfig::new("./out")
/// };
/// let processor = config.builder()?.build(); // loads both models (seconds)
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ProcessorConfig {
    /// A local folder or `s3://bucket[/prefix]`: artifacts go to `<output>/sessions/<id>/`.
    pub output: String,
    /// How to reach S3, for S3 inputs and outputs; `None` is the standard AWS chain.
    pub s3: Option<S3Settings>,
    /// Run the transcription stage (default `true`); without a model it is skipped with a reason.
    pub transcribe: bool,
    /// Whisper: a local folder (`model.safetensors`, `config.json`, `tokenizer.json`) or a hub id
    /// such as `openai/whisper-tiny.en` (hub cache first, then a download unless offline).
    pub whisper_model: Option<PathBuf>,
    /// Never download: a hub id must already be in the hub cache (as `HF_HUB_OFFLINE=1`).
    pub offline: bool,
    /// Spoken language (ISO 639-1, e.g. `"en"`); detected when `None`.
    pub language: Option<String>,
    /// Silero VAD folder: one speech map per track for the transcriber and engagement.
    pub vad_model: Option<PathBuf>,
    /// nsfwjs folder for the nudity category of the post-session safety scan.
    pub nudity_model: Option<PathBuf>,
    /// Gemini API key for the analysis and the LLM transcript classifier: `None` reads
    /// `GEMINI_API_KEY` (with `GEMINI_MODEL`, `GEMINI_BASE_URL`), `""` turns the LLM off.
    pub gemini_api_key: Option<String>,
    /// What kind of session this is ("a tutoring session"), for the LLM.
    pub session_context: Option<String>,
    /// The session's recording carries one person: look for a second voice in it too
    /// ([`SafetySettings::one_person_recording`]).
    pub one_person_recording: bool,
}

impl ProcessorConfig {
    /// Output to `output`, transcription on, no models, the LLM from the environment.
    pub fn new(output: impl Into<String>) -> Self {
        Self {
            output: output.into(),
            s3: None,
            transcribe: true,
            whisper_model: None,
            offline: false,
            language: None,
            vad_model: None,
            nudity_model: None,
            gemini_api_key: None,
            session_context: None,
            one_person_recording: false,
        }
    }

    /// Loads the models named (the slow part: run it off an event loop) and returns a builder
    /// with everything set; add a progress callback, limits or stages to it, then `build()`.
    /// A folder that cannot be loaded is an error naming it; nothing is skipped silently.
    pub fn builder(self) -> Result<SessionProcessorBuilder, ProcessingError> {
        let output = OutputLocation::parse(&self.output)?;
        let stages = Stages { transcribe: self.transcribe, ..Stages::default() };
        let decoding = DecodingOptions { language: self.language, ..DecodingOptions::default() };
        let mut builder = SessionProcessor::builder().output(output).stages(stages).decoding_options(decoding);
        if let Some(s3) = self.s3 {
            builder = builder.s3(s3);
        }
        if let Some(model) = self.whisper_model {
            builder = with_whisper(builder, &model, self.offline)?;
        }
        if let Some(folder) = self.vad_model {
            builder = builder.voice_activity(Arc::new(SileroVad::load(&folder)?));
        }
        let nudity_model = match self.nudity_model {
            Some(folder) => Some(Arc::new(NudityClassifier::load(&folder)?) as Arc<dyn NudityDetector>),
            None => None,
        };
        let one_person_recording = self.one_person_recording;
        builder = builder.safety(SafetySettings { nudity_model, one_person_recording, ..SafetySettings::default() });
        if let Some(gemini) = Gemini::from_key_or_env(self.gemini_api_key.as_deref())? {
            builder = builder.llm(Arc::new(gemini) as Arc<dyn Llm>);
        }
        if let Some(context) = self.session_context {
            builder = builder.session_context(context);
        }
        Ok(builder)
    }
}

#[cfg(feature = "whisper")]
fn with_whisper(
    builder: SessionProcessorBuilder,
    model: &std::path::Path,
    offline: bool,
) -> Result<SessionProcessorBuilder, ProcessingError> {
    let mut settings = crate::CandleWhisperSettings::default();
    settings.hub.offline |= offline;
    Ok(builder.transcriber(Arc::new(crate::CandleWhisper::load_with(model, settings)?)))
}

#[cfg(not(feature = "whisper"))]
fn with_whisper(
    _: SessionProcessorBuilder,
    model: &std::path::Path,
    _: bool,
) -> Result<SessionProcessorBuilder, ProcessingError> {
    Err(ProcessingError::Config(format!(
        "Whisper model {} given, but session_processing was built without the `whisper` feature",
        model.display()
    )))
}

impl fmt::Debug for ProcessorConfig {
    /// Everything but the Gemini key, which shows only as set or not.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessorConfig")
            .field("output", &self.output)
            .field("s3", &self.s3)
            .field("transcribe", &self.transcribe)
            .field("whisper_model", &self.whisper_model)
            .field("offline", &self.offline)
            .field("language", &self.language)
            .field("vad_model", &self.vad_model)
            .field("nudity_model", &self.nudity_model)
            .field("gemini_api_key", &self.gemini_api_key.as_ref().map(|_| "<set>"))
            .field("session_context", &self.session_context)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_folder_is_an_error_naming_it() {
        for config in [
            ProcessorConfig { vad_model: Some("/nonexistent/vad".into()), ..ProcessorConfig::new("out") },
            ProcessorConfig { nudity_model: Some("/nonexistent/vad".into()), ..ProcessorConfig::new("out") },
        ] {
            let error = config.builder().err().expect("a missing folder fails");
            assert!(error.to_string().contains("/nonexistent/vad"), "{error}");
        }
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let config = ProcessorConfig { gemini_api_key: Some("AIzaSy-secret".into()), ..ProcessorConfig::new("out") };
        let shown = format!("{config:?}");
        assert!(!shown.contains("AIzaSy-secret") && shown.contains("<set>"), "{shown}");
    }

    #[test]
    fn an_empty_key_turns_the_llm_off_and_a_bad_output_is_refused() {
        let builder = ProcessorConfig { gemini_api_key: Some(String::new()), ..ProcessorConfig::new("out") }
            .builder()
            .expect("no models to load");
        assert!(builder.llm.is_none());
        assert!(ProcessorConfig::new("").builder().is_err());
    }
}
