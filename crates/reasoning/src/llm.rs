//! The provider-agnostic [`Llm`] trait and its request/response types.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ReasoningError;

/// One request for a JSON answer.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmRequest {
    /// Instructions for the model (the "system prompt").
    pub system: String,
    /// The material to reason about (transcript, score summaries, …).
    pub user: String,
    /// The answer's shape, as a JSON Schema subset: `type` (`object`, `array`, `string`, `number`,
    /// `integer`, `boolean`), `properties`, `required`, `items`, `minimum`, `maximum`, `enum`,
    /// `description`, `nullable`. Providers translate it to their own dialect.
    pub response_schema: Value,
    /// Upper bound on the tokens the model may produce (thinking included where the provider counts it).
    pub max_output_tokens: u32,
    /// Sampling temperature; `None` leaves the provider's default.
    pub temperature: Option<f32>,
    /// The call judges possibly harmful text (the transcript-safety classifier): the provider's
    /// own content filters are set to block nothing, so they cannot block the very text the call
    /// exists to judge (Gemini: `safetySettings` `BLOCK_NONE` for harassment, hate speech, sexually
    /// explicit and dangerous content). `false` leaves the provider's defaults.
    pub judges_harmful_text: bool,
}

/// Tokens counted by the provider for one call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TokenUsage {
    /// Tokens of the prompt.
    pub input_tokens: u64,
    /// Tokens produced and billed as output (answer plus any thinking).
    pub output_tokens: u64,
}

/// The parsed JSON answer of one call.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmResponse {
    /// The answer, parsed as JSON; its shape is not validated against the schema here.
    pub value: Value,
    /// The model that answered: the provider's version string when it sends one, else the requested model.
    pub model: String,
    /// Token counts, `None` when the provider sent none.
    pub usage: Option<TokenUsage>,
}

/// A language model that answers with JSON. Implementations block (the pipeline runs them on a
/// worker thread) and must never put API keys or prompt text into their errors.
pub trait Llm: Send + Sync {
    /// A stable identifier of the configured model, e.g. `gemini:gemini-2.5-flash`.
    fn model_id(&self) -> String;

    /// Sends `request` and returns the model's answer parsed as JSON.
    fn generate_json(&self, request: &LlmRequest) -> Result<LlmResponse, ReasoningError>;
}
