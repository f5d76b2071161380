//! One reasoning call with its guards: the limits are checked and the cost cap applied before
//! anything is sent, and the usage is priced afterwards.

use serde_json::Value;

use crate::{AnalysisLimits, Llm, LlmRequest, LlmResponse, ReasoningError, Usage};

/// Temperature of every reasoning call: low, so reruns agree.
const TEMPERATURE: f32 = 0.2;

/// The answer and what it cost.
pub(crate) struct GuardedAnswer {
    pub response: LlmResponse,
    pub usage: Usage,
}

/// Sends `system` + `user` with `schema` unless the limits or the cost cap forbid it;
/// `judges_harmful_text` as [`LlmRequest::judges_harmful_text`].
pub(crate) fn guarded_call(
    llm: &dyn Llm,
    system: &str,
    user: String,
    schema: Value,
    limits: &AnalysisLimits,
    judges_harmful_text: bool,
) -> Result<GuardedAnswer, ReasoningError> {
    limits.validate()?;
    let request = LlmRequest {
        system: system.to_owned(),
        user,
        response_schema: schema,
        max_output_tokens: limits.max_output_tokens,
        temperature: Some(TEMPERATURE),
        judges_harmful_text,
    };
    let estimated_input = limits.check_cost(&request)?;
    let response = llm.generate_json(&request)?;
    let usage = limits.usage(response.usage, estimated_input, limits.max_output_tokens);
    Ok(GuardedAnswer { response, usage })
}
