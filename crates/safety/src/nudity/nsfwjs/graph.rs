//! The Keras layer graph from `config.json`, turned into Candle steps on HWC tensors.
//!
//! Building folds each batch-norm into the convolution or dense layer before it and
//! fuses a following ReLU into the same step, so a MobileNetV2 block is three steps
//! (expand, depthwise, project) plus the residual add.

use std::collections::{HashMap, HashSet};

use candle_core::{Device, Tensor};

use super::activation::Activation;
use super::bias_activation::BiasActivation;
use super::config::{LayerConfig, LayerOp, ModelConfig, Padding};
use super::depthwise::DepthwiseConv;
use super::hwc_window::output_and_pad;
use super::im2col::Im2Col;

pub(crate) enum Op {
    Input,
    Pad {
        rows: [usize; 2],
        cols: [usize; 2],
    },
    /// Weight `(kh·kw·cin, cout)`, rows in Keras's kernel order; `patches` is `None`
    /// for 1×1 stride-1 kernels, which multiply the pixels directly.
    Conv {
        weight: Tensor,
        patches: Option<Im2Col>,
        output: BiasActivation,
    },
    Depthwise(DepthwiseConv),
    /// A batch-norm that could not be folded: `x · scale + shift` per channel.
    Affine {
        scale: Tensor,
        shift: Tensor,
    },
    Activation(Activation),
    Add,
    AveragePool {
        pool_size: [usize; 2],
        strides: [usize; 2],
    },
    Flatten,
    Dense {
        weight: Tensor,
        output: BiasActivation,
    },
    Identity,
}

pub(crate) struct Step {
    pub name: String,
    pub inputs: Vec<usize>,
    pub op: Op,
    /// Earlier steps whose outputs no later step reads: dropped after this one runs.
    pub release: Vec<usize>,
}

/// The runnable graph: steps in order, each reading earlier steps' outputs.
pub(crate) struct Graph {
    pub steps: Vec<Step>,
    pub output: usize,
}

/// The weights file, read once; each tensor is taken by the layer that owns it.
pub(crate) struct Weights(pub HashMap<String, Tensor>);

impl Weights {
    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        let tensor = self.0.remove(name).ok_or_else(|| format!("model.safetensors lacks tensor `{name}`"))?;
        if tensor.dims() != shape {
            return Err(format!("tensor `{name}` has shape {:?}, layer expects {shape:?}", tensor.dims()));
        }
        tensor
            .to_dtype(candle_core::DType::F32)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| format!("tensor `{name}`: {e}"))
    }
}

/// Folded batch-norm: `y = x · factor + offset` per channel.
struct Norm {
    factor: Vec<f64>,
    offset: Vec<f64>,
}

fn batch_norm(
    weights: &mut Weights,
    layer: &str,
    channels: usize,
    eps: f64,
    center: bool,
    scale: bool,
) -> Result<Norm, String> {
    let shape = [channels];
    let gamma = if scale { weights.take(&format!("{layer}/gamma"), &shape)? } else { vec![1.0; channels] };
    let beta = if center { weights.take(&format!("{layer}/beta"), &shape)? } else { vec![0.0; channels] };
    let mean = weights.take(&format!("{layer}/moving_mean"), &shape)?;
    let var = weights.take(&format!("{layer}/moving_variance"), &shape)?;
    let factor: Vec<f64> = (0..channels).map(|c| f64::from(gamma[c]) / (f64::from(var[c]) + eps).sqrt()).collect();
    let offset = (0..channels).map(|c| f64::from(beta[c]) - f64::from(mean[c]) * factor[c]).collect();
    Ok(Norm { factor, offset })
}

fn tensor(values: Vec<f32>, shape: &[usize]) -> Result<Tensor, String> {
    Tensor::from_vec(values, shape, &Device::Cpu).map_err(|e| e.to_string())
}

/// A layer with weights, before batch-norm and activation are fused into it.
struct Linear {
    kernel: Vec<f32>,
    bias: Vec<f32>,
    outputs: usize,
    act: Activation,
}

impl Linear {
    fn fold(&mut self, norm: &Norm) {
        for (i, w) in self.kernel.iter_mut().enumerate() {
            *w = (f64::from(*w) * norm.factor[i % self.outputs]) as f32;
        }
        for (c, b) in self.bias.iter_mut().enumerate() {
            *b = (f64::from(*b) * norm.factor[c] + norm.offset[c]) as f32;
        }
    }
}

/// Which layers read each layer's output.
struct Readers<'a> {
    config: &'a ModelConfig,
    readers: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Readers<'a> {
    fn new(config: &'a ModelConfig) -> Self {
        let mut readers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, layer) in config.layers.iter().enumerate() {
            for input in &layer.inputs {
                readers.entry(input.as_str()).or_default().push(i);
            }
        }
        Readers { config, readers }
    }

    /// The layer that alone reads `name`'s output, unless that output also leaves the graph.
    fn sole(&self, name: &str) -> Option<&'a LayerConfig> {
        if self.config.output_layers.iter().any(|o| o == name) {
            return None;
        }
        match self.readers.get(name).map(Vec::as_slice) {
            Some([only]) => Some(&self.config.layers[*only]),
            _ => None,
        }
    }
}

/// Builds the graph for the input shape the config declares; errors name the layer
/// and what is wrong with it.
pub(crate) fn build(config: &ModelConfig, weights: &mut Weights) -> Result<Graph, String> {
    let readers = Readers::new(config);
    let mut steps: Vec<Step> = Vec::new();
    // Every layer name (fused ones included) -> its step and its output shape.
    let mut slot: HashMap<&str, (usize, Vec<usize>)> = HashMap::new();
    let mut absorbed: HashSet<&str> = HashSet::new();
    for layer in &config.layers {
        let name = layer.name.as_str();
        if absorbed.contains(name) {
            continue;
        }
        let mut inputs = Vec::with_capacity(layer.inputs.len());
        let mut shapes = Vec::with_capacity(layer.inputs.len());
        for input in &layer.inputs {
            let (step, shape) = slot
                .get(input.as_str())
                .ok_or_else(|| format!("layer `{name}` reads `{input}`, which is not defined before it"))?;
            inputs.push(*step);
            shapes.push(shape.clone());
        }
        let (op, shape, fused) = build_layer(layer, &shapes, weights, &readers)?;
        steps.push(Step { name: layer.name.clone(), inputs, op, release: Vec::new() });
        for alias in std::iter::once(name).chain(fused.iter().copied()) {
            slot.insert(alias, (steps.len() - 1, shape.clone()));
        }
        absorbed.extend(fused);
    }
    let [output] = config.output_layers.as_slice() else {
        return Err(format!("the graph has {} outputs, expected 1", config.output_layers.len()));
    };
    let output = slot.get(output.as_str()).ok_or_else(|| format!("output layer `{output}` is not in the graph"))?.0;
    let mut last_reader: Vec<Option<usize>> = vec![None; steps.len()];
    for (reader, step) in steps.iter().enumerate() {
        for &input in &step.inputs {
            last_reader[input] = Some(reader);
        }
    }
    for (value, reader) in last_reader.into_iter().enumerate() {
        if let Some(reader) = reader
            && value != output
        {
            steps[reader].release.push(value);
        }
    }
    if let Some(unused) = weights.0.keys().next() {
        return Err(format!("model.safetensors holds tensor `{unused}` that no layer uses"));
    }
    Ok(Graph { steps, output })
}

/// An HWC shape, or an error naming the layer.
fn hwc(name: &str, shape: &[usize]) -> Result<[usize; 3], String> {
    <[usize; 3]>::try_from(shape).map_err(|_| format!("layer `{name}` needs an HxWxC input, gets shape {shape:?}"))
}

/// One layer's step, output shape and the names of the following layers fused into it.
fn build_layer<'a>(
    layer: &'a LayerConfig,
    shapes: &[Vec<usize>],
    weights: &mut Weights,
    readers: &Readers<'a>,
) -> Result<(Op, Vec<usize>, Vec<&'a str>), String> {
    let name = layer.name.as_str();
    let arity = |n: usize| {
        if shapes.len() == n {
            Ok(())
        } else {
            Err(format!("layer `{name}` has {} inputs, expected {n}", shapes.len()))
        }
    };
    let first = || shapes.first().cloned().unwrap_or_default();
    let spatial = |k: [usize; 2], s: [usize; 2], p: Padding| -> Result<[usize; 3], String> {
        let [h, w, c] = hwc(name, &first())?;
        if s.contains(&0) || k.contains(&0) || (p == Padding::Valid && (h < k[0] || w < k[1])) {
            return Err(format!("layer `{name}`: kernel {k:?} with strides {s:?} does not fit an input of {h}x{w}"));
        }
        Ok([output_and_pad(h, k[0], s[0], p).0, output_and_pad(w, k[1], s[1], p).0, c])
    };
    let mut fused = Vec::new();
    let (op, shape) = match &layer.op {
        LayerOp::InputLayer { shape } => {
            arity(0)?;
            let shape: Option<Vec<usize>> = shape.iter().copied().collect();
            let shape = shape.ok_or_else(|| format!("input layer `{name}` has no fixed shape"))?;
            (Op::Input, shape)
        }
        LayerOp::ZeroPadding2D { padding } => {
            arity(1)?;
            let [h, w, c] = hwc(name, &first())?;
            let shape = vec![h + padding[0][0] + padding[0][1], w + padding[1][0] + padding[1][1], c];
            (Op::Pad { rows: padding[0], cols: padding[1] }, shape)
        }
        LayerOp::Conv2D { filters, kernel_size, strides, padding, use_bias, activation } => {
            arity(1)?;
            let [out_h, out_w, cin] = spatial(*kernel_size, *strides, *padding)?;
            let kernel_shape = [kernel_size[0], kernel_size[1], cin, *filters];
            let mut linear = take_linear(weights, name, &kernel_shape, *filters, *use_bias, activation)?;
            fused = fuse_following(&mut linear, name, weights, readers)?;
            let rows = kernel_size[0] * kernel_size[1] * cin;
            let pointwise = *kernel_size == [1, 1] && *strides == [1, 1];
            let op = Op::Conv {
                weight: tensor(linear.kernel, &[rows, *filters])?,
                patches: (!pointwise).then_some(Im2Col {
                    kernel_size: *kernel_size,
                    strides: *strides,
                    padding: *padding,
                }),
                output: BiasActivation { bias: linear.bias, activation: linear.act },
            };
            (op, vec![out_h, out_w, *filters])
        }
        LayerOp::DepthwiseConv2D { kernel_size, strides, padding, use_bias, activation } => {
            arity(1)?;
            let [out_h, out_w, c] = spatial(*kernel_size, *strides, *padding)?;
            let kernel = weights.take(&format!("{name}/depthwise_kernel"), &[kernel_size[0], kernel_size[1], c, 1])?;
            let bias = if *use_bias { weights.take(&format!("{name}/bias"), &[c])? } else { vec![0.0; c] };
            let act = Activation::parse(activation).map_err(|e| format!("layer `{name}`: {e}"))?;
            let mut linear = Linear { kernel, bias, outputs: c, act };
            fused = fuse_following(&mut linear, name, weights, readers)?;
            if linear.act == Activation::Softmax {
                return Err(format!("layer `{name}`: softmax after a depthwise convolution is not supported"));
            }
            let op = Op::Depthwise(DepthwiseConv {
                kernel: linear.kernel,
                bias: linear.bias,
                kernel_size: *kernel_size,
                strides: *strides,
                padding: *padding,
                activation: linear.act,
            });
            (op, vec![out_h, out_w, c])
        }
        LayerOp::BatchNormalization { epsilon, center, scale } => {
            arity(1)?;
            let c = *first().last().ok_or_else(|| format!("layer `{name}`: input without channels"))?;
            let norm = batch_norm(weights, name, c, *epsilon, *center, *scale)?;
            let scale = tensor(norm.factor.iter().map(|&v| v as f32).collect(), &[c])?;
            let shift = tensor(norm.offset.iter().map(|&v| v as f32).collect(), &[c])?;
            (Op::Affine { scale, shift }, first())
        }
        LayerOp::ReLU { max_value, negative_slope, threshold } => {
            arity(1)?;
            (Op::Activation(relu(name, *max_value, *negative_slope, *threshold)?), first())
        }
        LayerOp::Add => {
            if shapes.len() < 2 || shapes.iter().any(|s| *s != shapes[0]) {
                return Err(format!("layer `{name}` adds inputs of shapes {shapes:?}: needs 2 or more of one shape"));
            }
            (Op::Add, first())
        }
        LayerOp::AveragePooling2D { pool_size, strides, padding } => {
            arity(1)?;
            if *padding != Padding::Valid {
                return Err(format!("layer `{name}`: only 'valid' average pooling is supported"));
            }
            (
                Op::AveragePool { pool_size: *pool_size, strides: *strides },
                spatial(*pool_size, *strides, *padding)?.to_vec(),
            )
        }
        LayerOp::Flatten => {
            arity(1)?;
            (Op::Flatten, vec![first().iter().product()])
        }
        LayerOp::Dense { units, use_bias, activation } => {
            arity(1)?;
            let &[input_len] = first().as_slice() else {
                return Err(format!("layer `{name}` needs a flat input, gets shape {:?}", first()));
            };
            let mut linear = take_linear(weights, name, &[input_len, *units], *units, *use_bias, activation)?;
            fused = fuse_following(&mut linear, name, weights, readers)?;
            let weight = tensor(linear.kernel, &[input_len, *units])?;
            (Op::Dense { weight, output: BiasActivation { bias: linear.bias, activation: linear.act } }, vec![*units])
        }
        LayerOp::Dropout => {
            arity(1)?;
            (Op::Identity, first())
        }
    };
    Ok((op, shape, fused))
}

fn take_linear(
    weights: &mut Weights,
    name: &str,
    shape: &[usize],
    outputs: usize,
    use_bias: bool,
    activation: &str,
) -> Result<Linear, String> {
    let kernel = weights.take(&format!("{name}/kernel"), shape)?;
    let bias = if use_bias { weights.take(&format!("{name}/bias"), &[outputs])? } else { vec![0.0; outputs] };
    let act = Activation::parse(activation).map_err(|e| format!("layer `{name}`: {e}"))?;
    Ok(Linear { kernel, bias, outputs, act })
}

/// Folds a sole following batch-norm and fuses a sole following ReLU into `linear`;
/// returns the names of the layers absorbed.
fn fuse_following<'a>(
    linear: &mut Linear,
    name: &'a str,
    weights: &mut Weights,
    readers: &Readers<'a>,
) -> Result<Vec<&'a str>, String> {
    let mut fused = Vec::new();
    let mut last = name;
    if linear.act == Activation::Linear
        && let Some(bn) = readers.sole(last)
        && let LayerOp::BatchNormalization { epsilon, center, scale } = bn.op
    {
        linear.fold(&batch_norm(weights, &bn.name, linear.outputs, epsilon, center, scale)?);
        last = &bn.name;
        fused.push(last);
    }
    if linear.act == Activation::Linear
        && let Some(next) = readers.sole(last)
        && let LayerOp::ReLU { max_value, negative_slope, threshold } = next.op
    {
        linear.act = relu(&next.name, max_value, negative_slope, threshold)?;
        fused.push(next.name.as_str());
    }
    Ok(fused)
}

fn relu(name: &str, max_value: Option<f64>, negative_slope: f64, threshold: f64) -> Result<Activation, String> {
    if negative_slope != 0.0 || threshold != 0.0 {
        return Err(format!("layer `{name}`: ReLU with negative_slope or threshold is not supported"));
    }
    Ok(Activation::Relu { max: max_value.map(|m| m as f32) })
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
