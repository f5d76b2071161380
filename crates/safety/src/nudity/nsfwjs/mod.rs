//! nsfwjs's MobileNetV2 rebuilt from its converted layer graph and run with Candle
//! (feature `nudity-model`): [`NudityClassifier`].

mod activation;
mod bias_activation;
mod classifier;
mod config;
mod depthwise;
mod forward;
mod graph;
mod hwc_window;
mod im2col;

pub use classifier::NudityClassifier;
