//! Choosing the next token: greedy at temperature 0, otherwise sampling from
//! `softmax(logits / T)` with a small seeded generator, so that a run is reproducible.

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast and good enough to draw tokens.
#[derive(Clone, Debug)]
pub struct SeededRng(u64);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Index of the largest logit (the first one on ties).
pub fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &l) in logits.iter().enumerate() {
        if l > logits[best] {
            best = i;
        }
    }
    best as u32
}

/// `log_softmax(logits)`; `-inf` logits stay `-inf`.
pub fn log_softmax(logits: &[f32]) -> Vec<f32> {
    let log_z = crate::whisper::logit_filters::log_sum_exp(logits);
    logits.iter().map(|&l| l - log_z).collect()
}

/// Greedy at `temperature <= 0`, else a draw from `softmax(logits / temperature)`.
pub fn choose(logits: &[f32], temperature: f32, rng: &mut SeededRng) -> u32 {
    if temperature <= 0.0 {
        return argmax(logits);
    }
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let weights: Vec<f64> = logits.iter().map(|&l| (((l - max) / temperature) as f64).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut target = rng.next_f64() * total;
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i as u32;
        }
        target -= w;
    }
    argmax(logits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_takes_the_largest() {
        assert_eq!(choose(&[0.0, 3.0, 1.0], 0.0, &mut SeededRng::new(1)), 1);
    }

    #[test]
    fn sampling_is_reproducible_and_follows_the_distribution() {
        let logits = [0.0f32, 1.0, f32::NEG_INFINITY];
        let draw = |seed| {
            let mut rng = SeededRng::new(seed);
            (0..4000).map(|_| choose(&logits, 1.0, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        let ones = draw(7).iter().filter(|&&t| t == 1).count() as f64 / 4000.0;
        let expected = 1f64.exp() / (1.0 + 1f64.exp());
        assert!((ones - expected).abs() < 0.03, "{ones} vs {expected}");
        assert!(!draw(3).contains(&2));
    }

    #[test]
    fn log_softmax_normalises() {
        let l = log_softmax(&[1.0, 2.0, 3.0]);
        let total: f32 = l.iter().map(|v| v.exp()).sum();
        assert!((total - 1.0).abs() < 1e-6);
    }
}
