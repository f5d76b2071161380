//! The graph builder on a small hand-made model: a convolution with a foldable
//! batch-norm and ReLU6, a residual add, a batch-norm that cannot be folded (after
//! the add, without scale and centre), flatten, dense with softmax. Checked against
//! the same computation written out in f64.

use std::collections::HashMap;

use candle_core::{Device, Tensor};

use super::{Weights, build};
use crate::nudity::nsfwjs::config::ModelConfig;

const CONFIG: &str = r#"{
 "model_id": "test", "source": {"package": "test", "version": "0"}, "classes": ["a", "b"],
 "input_size": [2, 2],
 "preprocessing": {"channels": "rgb", "divide_by": 255, "resize": "bilinear", "align_corners": true, "half_pixel_centers": false},
 "input_layers": ["in"], "output_layers": ["dense"],
 "layers": [
  {"name": "in", "op": "InputLayer", "inputs": [], "shape": [2, 2, 1]},
  {"name": "conv", "op": "Conv2D", "inputs": ["in"], "filters": 2, "kernel_size": [1, 1], "strides": [1, 1],
   "padding": "same", "use_bias": false, "activation": "linear"},
  {"name": "bn1", "op": "BatchNormalization", "inputs": ["conv"], "epsilon": 0.001, "center": true, "scale": true},
  {"name": "relu", "op": "ReLU", "inputs": ["bn1"], "max_value": 6, "negative_slope": 0, "threshold": 0},
  {"name": "add", "op": "Add", "inputs": ["relu", "relu"]},
  {"name": "bn2", "op": "BatchNormalization", "inputs": ["add"], "epsilon": 0.001, "center": false, "scale": false},
  {"name": "flat", "op": "Flatten", "inputs": ["bn2"]},
  {"name": "drop", "op": "Dropout", "inputs": ["flat"]},
  {"name": "dense", "op": "Dense", "inputs": ["drop"], "units": 2, "use_bias": true, "activation": "softmax"}
 ]
}"#;

fn weights() -> HashMap<String, Tensor> {
    let t = |v: &[f32], shape: &[usize]| Tensor::from_vec(v.to_vec(), shape, &Device::Cpu).unwrap();
    let dense: Vec<f32> = (0..8).flat_map(|i| [0.1 * i as f32, -0.05 * i as f32]).collect();
    HashMap::from([
        ("conv/kernel".to_string(), t(&[2.0, -1.0], &[1, 1, 1, 2])),
        ("bn1/gamma".to_string(), t(&[1.0, 2.0], &[2])),
        ("bn1/beta".to_string(), t(&[0.5, 0.0], &[2])),
        ("bn1/moving_mean".to_string(), t(&[1.0, -3.5], &[2])),
        ("bn1/moving_variance".to_string(), t(&[3.0, 0.999], &[2])),
        ("bn2/moving_mean".to_string(), t(&[1.0, 1.0], &[2])),
        ("bn2/moving_variance".to_string(), t(&[3.999, 0.999], &[2])),
        ("dense/kernel".to_string(), t(&dense, &[8, 2])),
        ("dense/bias".to_string(), t(&[0.0, 0.3], &[2])),
    ])
}

fn expected(pixels: [f64; 4]) -> [f64; 2] {
    let bn1 = |v: f64, c: usize| {
        let (gamma, beta, mean, var) = [(1.0, 0.5, 1.0, 3.0), (2.0, 0.0, -3.5, 0.999)][c];
        (v - mean) * gamma / (var + 0.001f64).sqrt() + beta
    };
    let mut flat = Vec::new();
    for x in pixels {
        for (c, w) in [2.0, -1.0].into_iter().enumerate() {
            let relu = bn1(x * w, c).clamp(0.0, 6.0);
            flat.push((2.0 * relu - 1.0) / ([3.999, 0.999][c] + 0.001f64).sqrt());
        }
    }
    let logit = |u: usize| {
        let bias = [0.0, 0.3][u];
        bias + flat.iter().enumerate().map(|(i, v)| v * [0.1, -0.05][u] * i as f64).sum::<f64>()
    };
    let (a, b) = (logit(0), logit(1));
    let m = a.max(b);
    let (ea, eb) = ((a - m).exp(), (b - m).exp());
    [ea / (ea + eb), eb / (ea + eb)]
}

#[test]
fn folds_fuses_and_matches_the_reference() {
    let config: ModelConfig = serde_json::from_str(CONFIG).unwrap();
    let graph = build(&config, &mut Weights(weights())).unwrap();
    // in, conv(+bn1+relu), add, bn2 (unfolded), flatten, dropout, dense.
    assert_eq!(graph.steps.len(), 7);
    for pixels in [[0.0, 1.0, 2.0, 3.0], [0.5, -1.0, 4.0, 0.25]] {
        let image = Tensor::from_vec(pixels.map(|v| v as f32).to_vec(), (2, 2, 1), &Device::Cpu).unwrap();
        let output = graph.run(image).unwrap();
        let want = expected(pixels);
        for (got, want) in output.iter().zip(want) {
            assert!((f64::from(*got) - want).abs() < 1e-6, "{output:?} vs {want:?}");
        }
    }
}

#[test]
fn missing_and_unused_weights_are_named() {
    let config: ModelConfig = serde_json::from_str(CONFIG).unwrap();
    let mut partial = weights();
    partial.remove("bn2/moving_mean");
    let error = build(&config, &mut Weights(partial)).err().unwrap();
    assert!(error.contains("bn2/moving_mean"), "{error}");
    let mut extra = weights();
    extra.insert("stray/kernel".into(), Tensor::zeros(1, candle_core::DType::F32, &Device::Cpu).unwrap());
    let error = build(&config, &mut Weights(extra)).err().unwrap();
    assert!(error.contains("stray/kernel"), "{error}");
}

#[test]
fn layers_must_come_after_their_inputs() {
    let swapped = CONFIG.replace(r#""inputs": ["conv"]"#, r#""inputs": ["dense"]"#);
    let config: ModelConfig = serde_json::from_str(&swapped).unwrap();
    let error = build(&config, &mut Weights(weights())).err().unwrap();
    assert!(error.contains("layer `bn1` reads `dense`"), "{error}");
}
