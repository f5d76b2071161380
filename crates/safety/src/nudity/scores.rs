//! The model's five class probabilities and the one nudity score derived from them.

use serde::Serialize;

/// How much the `Sexy` probability counts towards [`NudityScores::nudity_score`].
///
/// nsfwjs's README defines `Sexy` as "sexually explicit images, not pornography": in
/// practice swimwear, underwear, bare chests and poses. On a video call that is worth
/// noting but not flagging alone, so at half weight it reaches at most 0.5, below
/// [`DEFAULT_NUDITY_THRESHOLD`]. Frames with nudity are often split between `Porn`
/// and `Sexy`; there the half weight adds to the evidence.
pub const SEXY_WEIGHT: f32 = 0.5;

/// The nudity score at and above which a frame is flagged by default.
pub const DEFAULT_NUDITY_THRESHOLD: f64 = 0.7;

/// Class probabilities for one frame, in nsfwjs's class order; they sum to 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NudityScores {
    /// Safe-for-work drawings, including anime.
    pub drawing: f32,
    /// Pornographic drawings.
    pub hentai: f32,
    /// Safe-for-work, neutral images.
    pub neutral: f32,
    /// Pornographic images, sexual acts.
    pub porn: f32,
    /// Sexually explicit images, not pornography (nsfwjs's wording).
    pub sexy: f32,
}

impl NudityScores {
    /// Builds the scores from the model's output, in the order
    /// Drawing, Hentai, Neutral, Porn, Sexy.
    pub fn from_probabilities(p: [f32; 5]) -> Self {
        NudityScores { drawing: p[0], hentai: p[1], neutral: p[2], porn: p[3], sexy: p[4] }
    }

    /// The probabilities in nsfwjs's class order (Drawing, Hentai, Neutral, Porn, Sexy).
    pub fn as_array(&self) -> [f32; 5] {
        [self.drawing, self.hentai, self.neutral, self.porn, self.sexy]
    }

    /// 0..1: `porn + hentai + SEXY_WEIGHT × sexy`. Explicit content (real or drawn)
    /// counts fully, suggestive content at half weight (see [`SEXY_WEIGHT`]).
    /// Compare it with a threshold such as [`DEFAULT_NUDITY_THRESHOLD`].
    pub fn nudity_score(&self) -> f64 {
        let score = f64::from(self.porn) + f64::from(self.hentai) + f64::from(SEXY_WEIGHT) * f64::from(self.sexy);
        score.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sexy_alone_cannot_reach_the_default_threshold() {
        let suggestive = NudityScores::from_probabilities([0.0, 0.0, 0.0, 0.0, 1.0]);
        assert!((suggestive.nudity_score() - 0.5).abs() < 1e-9);
        assert!(suggestive.nudity_score() < DEFAULT_NUDITY_THRESHOLD);
    }

    #[test]
    fn explicit_classes_count_fully_and_add_up() {
        let split = NudityScores::from_probabilities([0.0, 0.1, 0.1, 0.5, 0.3]);
        assert!((split.nudity_score() - 0.75).abs() < 1e-6);
        let neutral = NudityScores::from_probabilities([0.05, 0.0, 0.95, 0.0, 0.0]);
        assert_eq!(neutral.nudity_score(), 0.0);
        assert_eq!(split.as_array(), [0.0, 0.1, 0.1, 0.5, 0.3]);
    }
}
