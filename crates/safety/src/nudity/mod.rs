//! Nudity detection: the [`NudityDetector`] boundary, and the built-in detector, nsfwjs's
//! MobileNetV2 run with Candle on the CPU (feature `nudity-model`).
//!
//! The model comes from the npm package `nsfwjs` 4.4.0 (MIT), converted once by
//! `scripts/prepare-nsfw-model` into a folder holding `model.safetensors` and
//! `config.json` (see `docs/decisions/007-nudity-model.md`). [`NudityClassifier`]
//! reads that folder, rebuilds the Keras layer graph it describes (convolutions with
//! batch-norm folded in, depthwise convolutions, ReLU6, residual adds, average pooling,
//! dense layers, softmax) and scores frames the way nsfwjs does in a browser:
//! RGB divided by 255, squashed to 224×224 with TF.js's bilinear resize
//! (`alignCorners = true`), five class probabilities out ([`NudityScores`]).

mod detector;
#[cfg(feature = "nudity-model")]
mod nsfwjs;
mod pixels;
mod scores;

pub use detector::NudityDetector;
#[cfg(feature = "nudity-model")]
pub use nsfwjs::NudityClassifier;
pub use pixels::PixelFormat;
pub use scores::{DEFAULT_NUDITY_THRESHOLD, NudityScores, SEXY_WEIGHT};

/// The detector id written into safety events (`DetectorInfo::id`).
pub const NSFW_MODEL_ID: &str = "nsfwjs-mobilenet-v2";
/// The nsfwjs release the weights come from (`DetectorInfo::version`).
pub const NSFW_MODEL_VERSION: &str = "4.4.0";
/// The side of the square image the model takes.
pub const NSFW_INPUT_SIZE: usize = 224;
