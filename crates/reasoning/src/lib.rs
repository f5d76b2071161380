//! The LLM reasoning stage of Session Monitor, kept out of the pure scoring crate and the media
//! pipeline because it talks to a paid remote API (HTTP, retries, cost caps).
//!
//! - [`Llm`]: a provider-agnostic model that answers with JSON ([`LlmRequest`] → [`LlmResponse`]).
//!   [`Gemini`] implements it over Gemini's `generateContent` REST API ([`GeminiConfig`],
//!   [`Gemini::from_env`] reads `GEMINI_API_KEY`, `GEMINI_MODEL`, `GEMINI_BASE_URL`).
//! - [`analyze_session`]: the content of `analysis.json` ([`Analysis`]): five reasoning
//!   dimensions scored 0–100 with reasons and evidence quotes, from the transcript (as `[mm:ss]`
//!   lines) and compact summaries of `quality.json` and `engagement.json`.
//! - [`classify_transcript_safety`]: offensive / harassment / violence findings and overall
//!   scores for the safety stage ([`TextSafetyReport`]).
//!
//! Both refuse before any request when the worst-case estimated cost exceeds
//! [`AnalysisLimits::max_cost_usd`], cut long transcripts in the middle with an explicit
//! `[… N minutes omitted …]` marker, and keep only quotes that occur in the transcript shown to
//! the model (timestamps taken from the transcript, never from the model). Everything blocks;
//! async callers run it on a blocking thread. Errors are [`ReasoningError`]; none carries the
//! API key or transcript text.

mod analysis;
mod analysis_prompt;
mod answer_fields;
mod error;
mod gemini;
mod gemini_config;
mod gemini_wire;
mod guarded_call;
mod limits;
mod llm;
mod quote_match;
mod score_summary;
mod text_safety;
mod transcript_lines;

pub use analysis::{
    Analysis, AnalysisInput, AnalysisStatus, DimensionScore, DimensionScores, Evidence, analyze_session,
};
pub use analysis_prompt::ANALYSIS_PROMPT_VERSION;
pub use error::ReasoningError;
pub use gemini::Gemini;
pub use gemini_config::{DEFAULT_GEMINI_BASE_URL, DEFAULT_GEMINI_MODEL, GeminiConfig};
pub use limits::{AnalysisLimits, Usage};
pub use llm::{Llm, LlmRequest, LlmResponse, TokenUsage};
pub use text_safety::{
    SafetyCategory, TEXT_SAFETY_PROMPT_VERSION, TextSafetyFinding, TextSafetyReport, TextSafetyScores,
    classify_transcript_safety,
};
