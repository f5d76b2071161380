//! `config.json` as written by `tools/nsfwjs_to_safetensors.mjs`: the Keras layer
//! graph with the parameters each op needs, the class labels and the preprocessing.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct ModelConfig {
    pub model_id: String,
    pub source: SourceInfo,
    pub classes: Vec<String>,
    pub input_size: [usize; 2],
    pub preprocessing: Preprocessing,
    pub input_layers: Vec<String>,
    pub output_layers: Vec<String>,
    pub layers: Vec<LayerConfig>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SourceInfo {
    pub package: String,
    pub version: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Preprocessing {
    pub channels: String,
    pub divide_by: f64,
    pub resize: String,
    pub align_corners: bool,
    pub half_pixel_centers: bool,
}

/// One Keras layer: its name, the layers it reads and its op.
#[derive(Debug, Deserialize)]
pub(crate) struct LayerConfig {
    pub name: String,
    pub inputs: Vec<String>,
    #[serde(flatten)]
    pub op: LayerOp,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "op")]
pub(crate) enum LayerOp {
    InputLayer {
        shape: Vec<Option<usize>>,
    },
    ZeroPadding2D {
        padding: [[usize; 2]; 2],
    },
    Conv2D {
        filters: usize,
        kernel_size: [usize; 2],
        strides: [usize; 2],
        padding: Padding,
        use_bias: bool,
        activation: String,
    },
    DepthwiseConv2D {
        kernel_size: [usize; 2],
        strides: [usize; 2],
        padding: Padding,
        use_bias: bool,
        activation: String,
    },
    BatchNormalization {
        epsilon: f64,
        center: bool,
        scale: bool,
    },
    ReLU {
        max_value: Option<f64>,
        negative_slope: f64,
        threshold: f64,
    },
    Add,
    AveragePooling2D {
        pool_size: [usize; 2],
        strides: [usize; 2],
        padding: Padding,
    },
    Flatten,
    Dense {
        units: usize,
        use_bias: bool,
        activation: String,
    },
    Dropout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Padding {
    Valid,
    Same,
}
