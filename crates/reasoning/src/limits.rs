//! [`AnalysisLimits`]: how much transcript, how many tokens and how many dollars one call may use.

use serde::{Deserialize, Serialize};

use crate::{LlmRequest, ReasoningError, TokenUsage};

/// Fewest transcript characters accepted: room for the marker and a 30-second segment at each end.
const MIN_TRANSCRIPT_CHARS: usize = 2_000;

/// Bounds on reasoning calls. The default prices are `gemini-2.5-flash`'s (paid tier list prices
/// as of 2025: $0.30 per million input tokens, $2.50 per million output tokens, thinking
/// included); [`AnalysisLimits::for_model`] gives the prices of another model.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalysisLimits {
    /// Longest transcript in the prompt, in characters; longer ones keep their beginning and end.
    pub max_transcript_chars: usize,
    /// Upper bound on the tokens the model may produce (thinking included).
    pub max_output_tokens: u32,
    /// Price of a million input tokens, in US dollars.
    pub input_price_per_million_usd: f64,
    /// Price of a million output tokens, in US dollars.
    pub output_price_per_million_usd: f64,
    /// The call is refused, before anything is sent, if its worst-case estimated cost is higher.
    pub max_cost_usd: f64,
    /// What all the calls of one session may cost together (the pipeline keeps the count): a
    /// call whose worst case would go past what is left is refused before anything is sent.
    pub max_session_cost_usd: f64,
}

/// List prices per million tokens (input, output) in US dollars, paid tier, as of 2025, by model
/// name prefix; the longest matching prefix wins.
const MODEL_PRICES: &[(&str, f64, f64)] = &[
    ("gemini-2.5-pro", 1.25, 10.00),
    ("gemini-2.5-flash", 0.30, 2.50),
    ("gemini-2.5-flash-lite", 0.10, 0.40),
    ("gemini-2.0-flash", 0.10, 0.40),
    ("gemini-2.0-flash-lite", 0.075, 0.30),
];

impl Default for AnalysisLimits {
    fn default() -> Self {
        Self {
            max_transcript_chars: 120_000,
            max_output_tokens: 8_192,
            input_price_per_million_usd: 0.30,
            output_price_per_million_usd: 2.50,
            max_cost_usd: 0.10,
            max_session_cost_usd: 0.50,
        }
    }
}

/// Tokens and estimated price of one call, as written into the outputs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Usage {
    /// Prompt tokens, as counted by the provider (estimated as characters / 4 when it sent none).
    pub input_tokens: u64,
    /// Output tokens billed, thinking included (the output cap when the provider sent no count).
    pub output_tokens: u64,
    /// `input_tokens × input price + output_tokens × output price`, in US dollars.
    pub estimated_cost_usd: f64,
}

impl AnalysisLimits {
    /// The default limits with the list prices of `model` (`gemini-2.5-pro`, or an id such as
    /// `gemini:gemini-2.5-flash-001`). A model not in the table is priced as the dearest one
    /// known, so that the caps stay caps; set the prices yourself for it.
    pub fn for_model(model: &str) -> Self {
        let name = model.rsplit(':').next().unwrap_or(model).trim_start_matches("models/");
        let dearest =
            MODEL_PRICES.iter().map(|&(_, i, o)| (i, o)).fold((0.0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        let (input, output) = MODEL_PRICES
            .iter()
            .filter(|(prefix, _, _)| name.starts_with(prefix))
            .max_by_key(|(prefix, _, _)| prefix.len())
            .map_or(dearest, |&(_, i, o)| (i, o));
        Self { input_price_per_million_usd: input, output_price_per_million_usd: output, ..Self::default() }
    }

    /// These limits for the next call of a session that has spent `spent_usd`: the per-call cap
    /// lowered to what is left of `max_session_cost_usd`. `Err` with the reason when nothing is left.
    pub fn within_session_budget(&self, spent_usd: f64) -> Result<Self, String> {
        let left = self.max_session_cost_usd - spent_usd;
        if left <= 0.0 {
            return Err(format!(
                "the session's LLM budget is spent: ${spent_usd:.4} of max_session_cost_usd ${:.4}",
                self.max_session_cost_usd
            ));
        }
        Ok(Self { max_cost_usd: self.max_cost_usd.min(left), ..self.clone() })
    }

    /// Checks every field; the message names the field, its value and what to do.
    pub(crate) fn validate(&self) -> Result<(), ReasoningError> {
        let invalid = |m: String| Err(ReasoningError::InvalidConfig(m));
        if self.max_transcript_chars < MIN_TRANSCRIPT_CHARS {
            return invalid(format!(
                "max_transcript_chars {} is below {MIN_TRANSCRIPT_CHARS}; raise it",
                self.max_transcript_chars
            ));
        }
        if self.max_output_tokens == 0 {
            return invalid("max_output_tokens must be > 0".into());
        }
        for (name, value) in [
            ("input_price_per_million_usd", self.input_price_per_million_usd),
            ("output_price_per_million_usd", self.output_price_per_million_usd),
            ("max_cost_usd", self.max_cost_usd),
            ("max_session_cost_usd", self.max_session_cost_usd),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return invalid(format!("{name} must be a finite number ≥ 0, got {value}"));
            }
        }
        Ok(())
    }

    fn price(&self, input_tokens: u64, output_tokens: u64) -> f64 {
        (input_tokens as f64 * self.input_price_per_million_usd
            + output_tokens as f64 * self.output_price_per_million_usd)
            / 1e6
    }

    /// Refuses `request` when characters / 4 input tokens plus the full output cap cost more than
    /// `max_cost_usd`; returns the input token estimate otherwise.
    pub(crate) fn check_cost(&self, request: &LlmRequest) -> Result<u64, ReasoningError> {
        let chars =
            request.system.chars().count() + request.user.chars().count() + request.response_schema.to_string().len();
        let input_tokens = chars.div_ceil(4) as u64;
        let estimated_usd = self.price(input_tokens, u64::from(request.max_output_tokens));
        if estimated_usd > self.max_cost_usd {
            return Err(ReasoningError::CostCapExceeded {
                estimated_usd,
                max_cost_usd: self.max_cost_usd,
                input_tokens,
                max_output_tokens: request.max_output_tokens,
            });
        }
        Ok(input_tokens)
    }

    /// What the call used: the provider's counts when given, else the estimate and the cap.
    pub(crate) fn usage(&self, counted: Option<TokenUsage>, estimated_input: u64, max_output: u32) -> Usage {
        let TokenUsage { input_tokens, output_tokens } =
            counted.unwrap_or(TokenUsage { input_tokens: estimated_input, output_tokens: u64::from(max_output) });
        let cost = self.price(input_tokens, output_tokens);
        Usage { input_tokens, output_tokens, estimated_cost_usd: (cost * 1e6).round() / 1e6 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_model_gets_its_prices_and_an_unknown_one_the_dearest() {
        let price = |model: &str| {
            let limits = AnalysisLimits::for_model(model);
            (limits.input_price_per_million_usd, limits.output_price_per_million_usd)
        };
        assert_eq!(price("gemini:gemini-2.5-flash"), (0.30, 2.50));
        assert_eq!(price("gemini-2.5-flash-lite-preview"), (0.10, 0.40), "the longest prefix wins");
        assert_eq!(price("gemini-2.5-pro"), (1.25, 10.00));
        assert_eq!(price("my-own-model"), (1.25, 10.00), "unknown: priced as the dearest known");
    }

    #[test]
    fn a_session_budget_lowers_each_call_cap_and_ends() {
        let limits = AnalysisLimits { max_cost_usd: 0.10, max_session_cost_usd: 0.25, ..Default::default() };
        assert_eq!(limits.within_session_budget(0.0).unwrap().max_cost_usd, 0.10);
        assert!((limits.within_session_budget(0.20).unwrap().max_cost_usd - 0.05).abs() < 1e-12);
        let spent = limits.within_session_budget(0.25).unwrap_err();
        assert!(spent.contains("max_session_cost_usd"), "{spent}");
    }
    use serde_json::json;

    fn request(user_chars: usize, max_output_tokens: u32) -> LlmRequest {
        LlmRequest {
            system: String::new(),
            user: "x".repeat(user_chars),
            response_schema: json!({}),
            max_output_tokens,
            temperature: None,
            judges_harmful_text: false,
        }
    }

    #[test]
    fn cost_is_chars_over_four_plus_the_output_cap() {
        let limits = AnalysisLimits {
            input_price_per_million_usd: 1.0,
            output_price_per_million_usd: 10.0,
            max_cost_usd: 0.02,
            ..Default::default()
        };
        // 3_998 chars + "{}" = 4_000 chars = 1_000 tokens → $0.001; 1_000 output tokens → $0.01.
        assert_eq!(limits.check_cost(&request(3_998, 1_000)).unwrap(), 1_000);
        match limits.check_cost(&request(3_998, 2_000)) {
            Err(ReasoningError::CostCapExceeded { estimated_usd, input_tokens: 1_000, .. }) => {
                assert!((estimated_usd - 0.021).abs() < 1e-12, "{estimated_usd}");
            }
            other => panic!("expected CostCapExceeded, got {other:?}"),
        }
    }

    #[test]
    fn usage_prefers_the_provider_counts() {
        let limits = AnalysisLimits::default();
        let counted = limits.usage(Some(TokenUsage { input_tokens: 1_000_000, output_tokens: 0 }), 5, 7);
        assert_eq!((counted.input_tokens, counted.estimated_cost_usd), (1_000_000, 0.3));
        let estimated = limits.usage(None, 5, 7);
        assert_eq!((estimated.input_tokens, estimated.output_tokens), (5, 7));
    }

    #[test]
    fn validation_names_the_field() {
        let bad = AnalysisLimits { max_cost_usd: f64::NAN, ..Default::default() };
        assert!(matches!(bad.validate(), Err(ReasoningError::InvalidConfig(m)) if m.contains("max_cost_usd")));
        let tiny = AnalysisLimits { max_transcript_chars: 10, ..Default::default() };
        assert!(matches!(tiny.validate(), Err(ReasoningError::InvalidConfig(m)) if m.contains("max_transcript_chars")));
        assert!(AnalysisLimits::default().validate().is_ok());
    }
}
