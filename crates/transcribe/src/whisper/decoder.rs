//! Decoding one 30-second window at one temperature (openai-whisper's `DecodingTask` with one
//! sample): prompt, no-speech probability, filtered greedy or sampled steps until `<|endoftext|>`.

use crate::TranscribeError;
use crate::whisper::logit_filters::LogitFilters;
use crate::whisper::sampling::{SeededRng, choose, log_softmax};

/// A model that, fed tokens after those already in `state`, returns the logits of the last one.
pub trait StepModel {
    type State;
    fn step(&self, tokens: &[u32], state: &mut Self::State) -> Result<Vec<f32>, TranscribeError>;
}

/// What decoding one window produced.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowDecoding {
    /// Sampled tokens, text and timestamps, without `<|endoftext|>`.
    pub tokens: Vec<u32>,
    /// The log-probability of each of `tokens` when it was chosen (after the logit filters).
    pub token_logprobs: Vec<f32>,
    /// Sum of the sampled tokens' log-probabilities (eot included) over `tokens.len() + 1`.
    pub avg_logprob: f64,
    /// Probability of `<|nospeech|>` right after `<|startoftranscript|>`.
    pub no_speech_prob: f64,
    pub temperature: f32,
    /// Prompt tokens fed before sampling (previous text and start-of-transcript sequence).
    pub prompt_tokens: usize,
}

/// The fixed inputs of decoding one window.
pub struct WindowRequest<'a> {
    /// Previous-text prefix and start-of-transcript sequence.
    pub prompt: &'a [u32],
    /// Position of `<|startoftranscript|>` in `prompt`.
    pub sot_index: usize,
    pub filters: &'a LogitFilters,
    /// At most this many sampled tokens.
    pub sample_len: usize,
    /// The decoder's context length: decoding stops before exceeding it.
    pub max_positions: usize,
}

/// Decodes one window from a fresh `state` (holding the window's audio features).
pub fn decode_window<M: StepModel>(
    model: &M,
    mut state: M::State,
    request: &WindowRequest<'_>,
    temperature: f32,
    rng: &mut SeededRng,
) -> Result<WindowDecoding, TranscribeError> {
    let tokens = &request.filters.tokens;
    let (head, tail) = request.prompt.split_at(request.sot_index + 1);
    let at_sot = model.step(head, &mut state)?;
    let no_speech_prob = f64::from(log_softmax(&at_sot)[tokens.no_speech as usize].exp());
    let mut logits = if tail.is_empty() { at_sot } else { model.step(tail, &mut state)? };

    let mut sampled = Vec::new();
    let mut token_logprobs = Vec::new();
    let mut sum_logprob = 0f64;
    let mut position = request.prompt.len();
    while sampled.len() < request.sample_len {
        request.filters.apply(&mut logits, &sampled);
        let next = choose(&logits, temperature, rng);
        let logprob = log_softmax(&logits)[next as usize];
        sum_logprob += f64::from(logprob);
        if next == tokens.eot || position + 1 >= request.max_positions {
            break;
        }
        sampled.push(next);
        token_logprobs.push(logprob);
        position += 1;
        logits = model.step(&[next], &mut state)?;
    }
    Ok(WindowDecoding {
        avg_logprob: sum_logprob / (sampled.len() + 1) as f64,
        tokens: sampled,
        token_logprobs,
        no_speech_prob,
        temperature,
        prompt_tokens: request.prompt.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whisper::tokens::SpecialTokens;

    const VOCAB: usize = 51864;

    /// Plays back a script: after `n` sampled tokens it favours `script[n]`.
    struct Scripted(Vec<u32>);

    impl StepModel for Scripted {
        type State = usize;
        fn step(&self, tokens: &[u32], fed: &mut usize) -> Result<Vec<f32>, TranscribeError> {
            *fed += tokens.len();
            let sampled = fed.saturating_sub(1);
            let mut logits = vec![0f32; VOCAB];
            if *fed == 1 {
                logits[50361] = 5.0; // no-speech logit at sot
            }
            let favourite = self.0.get(sampled).copied().unwrap_or(50256);
            logits[favourite as usize] = 40.0;
            Ok(logits)
        }
    }

    fn filters() -> LogitFilters {
        LogitFilters {
            suppress_tokens: vec![50361],
            begin_suppress_tokens: vec![220, 50256],
            max_initial_timestamp_index: 50,
            tokens: SpecialTokens::tiny_en_for_tests(),
        }
    }

    #[test]
    fn follows_the_model_until_eot_and_reports_probabilities() {
        let f = filters();
        let request =
            WindowRequest { prompt: &[50257], sot_index: 0, filters: &f, sample_len: 224, max_positions: 448 };
        let model = Scripted(vec![50363, 100, 200, 50400, 50256]);
        let out = decode_window(&model, 0, &request, 0.0, &mut SeededRng::new(0)).unwrap();
        assert_eq!(out.tokens, vec![50363, 100, 200, 50400]);
        assert_eq!(out.token_logprobs.len(), 4);
        assert!(out.token_logprobs.iter().all(|&l| l <= 0.0 && l > -0.01));
        assert!(out.avg_logprob > -0.01 && out.avg_logprob <= 0.0);
        let expected = 5f64.exp() / (5f64.exp() + 40f64.exp() + (VOCAB - 2) as f64);
        assert!((out.no_speech_prob - expected).abs() < 1e-9);
    }

    #[test]
    fn stops_at_sample_len() {
        let f = filters();
        let request = WindowRequest { prompt: &[50257], sot_index: 0, filters: &f, sample_len: 3, max_positions: 448 };
        let model = Scripted(vec![50363, 100, 100, 100, 100, 100]);
        let out = decode_window(&model, 0, &request, 0.0, &mut SeededRng::new(0)).unwrap();
        assert_eq!(out.tokens.len(), 3);
    }
}
