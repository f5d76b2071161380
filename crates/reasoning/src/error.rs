/// Everything that can go wrong in the reasoning stage, from the settings to the model's answer.
///
/// No variant ever carries an API key or transcript text: messages name fields, HTTP statuses
/// and sizes, and what to do about them.
#[derive(Debug, thiserror::Error)]
pub enum ReasoningError {
    /// The client's or the limits' settings cannot work (an empty model name, a zero timeout, …).
    #[error("invalid reasoning configuration: {0}")]
    InvalidConfig(String),
    /// The input handed to the stage cannot be used (an empty transcript to classify, …).
    #[error("invalid reasoning input: {field}: {problem}")]
    InvalidInput { field: String, problem: String },
    /// The estimated price of the call is above the cap; nothing was sent.
    #[error(
        "estimated cost ${estimated_usd:.4} is above max_cost_usd ${max_cost_usd:.4} \
         ({input_tokens} input tokens estimated, {max_output_tokens} output tokens at most): \
         raise max_cost_usd, lower max_transcript_chars or max_output_tokens"
    )]
    CostCapExceeded { estimated_usd: f64, max_cost_usd: f64, input_tokens: u64, max_output_tokens: u32 },
    /// The provider refused the credentials (HTTP 401/403, or 400 naming an invalid key).
    #[error("the LLM provider rejected the API key (HTTP {status}): check GEMINI_API_KEY")]
    Unauthorized { status: u16 },
    /// The provider kept answering HTTP 429 until the retries ran out.
    #[error(
        "the LLM provider is rate limiting (HTTP 429) after {attempts} attempts; try again later or lower the rate"
    )]
    RateLimited { attempts: u32, retry_after_s: Option<f64> },
    /// The provider kept failing (HTTP 5xx) until the retries ran out.
    #[error("the LLM provider failed with HTTP {status} after {attempts} attempts: {message}")]
    ServerError { status: u16, attempts: u32, message: String },
    /// The provider refused the request itself (HTTP 400, 404, …): a wrong model name or request.
    #[error("the LLM provider refused the request with HTTP {status}: {message}")]
    RequestRejected { status: u16, message: String },
    /// The provider could not be reached (connection refused, DNS, TLS, …) after the retries.
    #[error("could not reach the LLM provider after {attempts} attempts: {message}")]
    Transport { attempts: u32, message: String },
    /// No complete answer arrived within the client's timeout.
    #[error("the LLM provider did not answer within {timeout_s} s; raise the timeout or shorten the input")]
    Timeout { timeout_s: f64 },
    /// The provider's safety filters blocked the prompt or the answer.
    #[error("the LLM provider blocked the request or answer for safety reasons: {reason}")]
    Blocked { reason: String },
    /// The answer hit the output token limit before the JSON was complete.
    #[error("the LLM answer was cut off at max_output_tokens {max_output_tokens}; raise max_output_tokens")]
    Truncated { max_output_tokens: u32 },
    /// The answer is not the JSON asked for: `field` names where, `problem` says what is wrong.
    #[error("malformed LLM answer at `{field}`: {problem}")]
    MalformedResponse { field: String, problem: String },
}

impl ReasoningError {
    /// A `MalformedResponse` for `field`.
    pub(crate) fn malformed(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::MalformedResponse { field: field.into(), problem: problem.into() }
    }

    /// An `InvalidInput` for `field`.
    pub(crate) fn invalid_input(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::InvalidInput { field: field.into(), problem: problem.into() }
    }
}
