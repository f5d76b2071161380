//! The logit filters of openai-whisper's `DecodingTask`, applied in its order: suppress blank at
//! the start, suppress tokens, timestamp rules. They work on one row of logits in place.

use crate::whisper::tokens::SpecialTokens;

/// Filters that shape every decoding step of one window.
#[derive(Clone, Debug)]
pub struct LogitFilters {
    /// Suppressed everywhere (config `suppress_tokens`, `<|notimestamps|>` is added by the rules).
    pub suppress_tokens: Vec<u32>,
    /// Suppressed at the first sampled position (config `begin_suppress_tokens`: " " and eot).
    pub begin_suppress_tokens: Vec<u32>,
    /// The first timestamp may be at most this many timestamp steps in (1 s = 50).
    pub max_initial_timestamp_index: u32,
    pub tokens: SpecialTokens,
}

impl LogitFilters {
    /// Applies every filter to `logits` given the tokens sampled so far in this window (not the
    /// prompt).
    pub fn apply(&self, logits: &mut [f32], sampled: &[u32]) {
        if sampled.is_empty() {
            suppress(logits, &self.begin_suppress_tokens);
        }
        suppress(logits, &self.suppress_tokens);
        self.apply_timestamp_rules(logits, sampled);
    }

    fn apply_timestamp_rules(&self, logits: &mut [f32], sampled: &[u32]) {
        let t = &self.tokens;
        let ts_begin = t.timestamp_begin as usize;
        let eot = t.eot as usize;
        suppress(logits, &[t.no_timestamps]);

        let last_was_timestamp = sampled.last().is_some_and(|&x| t.is_timestamp(x));
        let penultimate_was_timestamp = sampled.len() < 2 || t.is_timestamp(sampled[sampled.len() - 2]);
        if last_was_timestamp {
            if penultimate_was_timestamp {
                // A pair is complete: text must follow.
                fill(&mut logits[ts_begin..]);
            } else {
                // An opened segment must close with a timestamp or end.
                fill(&mut logits[..eot]);
            }
        }
        // Timestamps never decrease, and a segment has non-zero length.
        if let Some(&last_ts) = sampled.iter().rev().find(|&&x| t.is_timestamp(x)) {
            let floor = if last_was_timestamp && !penultimate_was_timestamp { last_ts } else { last_ts + 1 };
            let end = (floor as usize).min(logits.len());
            fill(&mut logits[ts_begin..end]);
        }
        if sampled.is_empty() {
            fill(&mut logits[..ts_begin]);
            let last_allowed = ts_begin + self.max_initial_timestamp_index as usize;
            if last_allowed + 1 < logits.len() {
                fill(&mut logits[last_allowed + 1..]);
            }
        }
        // When timestamps together are likelier than any text token, take a timestamp.
        let log_z = log_sum_exp(logits);
        let timestamp_logprob = log_sum_exp(&logits[ts_begin..]) - log_z;
        let max_text_logprob = logits[..ts_begin].iter().copied().fold(f32::NEG_INFINITY, f32::max) - log_z;
        if timestamp_logprob > max_text_logprob {
            fill(&mut logits[..ts_begin]);
        }
    }
}

fn fill(logits: &mut [f32]) {
    logits.fill(f32::NEG_INFINITY);
}

fn suppress(logits: &mut [f32], tokens: &[u32]) {
    for &t in tokens {
        if let Some(l) = logits.get_mut(t as usize) {
            *l = f32::NEG_INFINITY;
        }
    }
}

/// `log(sum(exp(x)))`, computed stably; `-inf` for an empty or all `-inf` slice.
pub fn log_sum_exp(x: &[f32]) -> f32 {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if max == f32::NEG_INFINITY {
        return max;
    }
    let sum: f64 = x.iter().map(|&v| ((v - max) as f64).exp()).sum();
    max + sum.ln() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOCAB: usize = 51864;

    fn filters() -> LogitFilters {
        LogitFilters {
            suppress_tokens: vec![1, 50257],
            begin_suppress_tokens: vec![220, 50256],
            max_initial_timestamp_index: 50,
            tokens: SpecialTokens::tiny_en_for_tests(),
        }
    }

    fn allowed(logits: &[f32]) -> Vec<usize> {
        (0..logits.len()).filter(|&i| logits[i] > f32::NEG_INFINITY).collect()
    }

    #[test]
    fn first_token_is_an_early_timestamp() {
        let mut logits = vec![0f32; VOCAB];
        filters().apply(&mut logits, &[]);
        assert_eq!(allowed(&logits), (50363..=50363 + 50).collect::<Vec<_>>());
    }

    #[test]
    fn after_a_pair_text_follows_and_after_an_open_timestamp_a_close_follows() {
        let f = filters();
        let mut logits = vec![0f32; VOCAB];
        logits[100] = 30.0; // text clearly likelier than all timestamps together
        f.apply(&mut logits, &[50363, 100, 50380, 50380]);
        assert!(allowed(&logits).iter().all(|&t| t < 50363));
        assert_eq!(logits[1], f32::NEG_INFINITY);

        let mut logits = vec![0f32; VOCAB];
        logits[50256] = 10.0; // eot likelier than the timestamps together: both stay allowed
        f.apply(&mut logits, &[50363, 100, 50380]);
        let ok = allowed(&logits);
        assert_eq!(ok[0], 50256, "no text after an open timestamp");
        assert!(!ok.contains(&50379), "no timestamp before the open one");
        assert!(ok.contains(&50380));
    }

    #[test]
    fn timestamps_do_not_go_back_and_win_by_total_mass() {
        let f = filters();
        let mut logits = vec![0f32; VOCAB];
        f.apply(&mut logits, &[50363, 100, 50380, 50380, 200]);
        // Uniform logits: timestamps hold most of the mass, so only timestamps after 50380 remain.
        let ok = allowed(&logits);
        assert_eq!(ok[0], 50381);
        assert_eq!(*ok.last().unwrap(), VOCAB - 1);
    }
}
