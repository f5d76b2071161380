//! Reads the converted folder into a [`SileroNetwork`], checking every shape.

use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};

use super::PREPARE_HINT;
use super::network::{Conv1d, HIDDEN, LstmCell, STFT_BINS, SileroNetwork};
use crate::TranscribeError;

const FORMAT: &str = "silero-vad-16k/1";
/// `(name, in, out, stride)` of the encoder's Conv1d blocks (kernel 3, padding 1).
const ENCODER: [(&str, usize, usize, usize); 4] = [
    ("encoder.0.reparam_conv", STFT_BINS, 128, 1),
    ("encoder.1.reparam_conv", 128, 64, 2),
    ("encoder.2.reparam_conv", 64, 64, 2),
    ("encoder.3.reparam_conv", 64, HIDDEN, 1),
];

fn invalid(path: &Path, reason: impl std::fmt::Display) -> TranscribeError {
    TranscribeError::InvalidModel { path: path.to_path_buf(), reason: format!("{reason}; {PREPARE_HINT}") }
}

fn required(folder: &Path, name: &str) -> Result<PathBuf, TranscribeError> {
    let path = folder.join(name);
    if path.is_file() {
        return Ok(path);
    }
    Err(TranscribeError::VadModelNotFound { path, hint: PREPARE_HINT.to_owned() })
}

/// The network and its model id (`conversion.json`'s package and version).
pub fn load(folder: &Path) -> Result<(SileroNetwork, String), TranscribeError> {
    let config_path = required(folder, "config.json")?;
    let weights_path = required(folder, "model.safetensors")?;
    let config: serde_json::Value = read_json(&config_path)?;
    let format = config.get("format").and_then(|f| f.as_str()).unwrap_or_default();
    if format != FORMAT {
        return Err(invalid(&config_path, format!("format {format:?} is not {FORMAT:?}")));
    }
    let bytes = std::fs::read(&weights_path).map_err(|e| invalid(&weights_path, e))?;
    let tensors = SafeTensors::deserialize(&bytes).map_err(|e| invalid(&weights_path, e))?;
    let get = |name: &str, shape: &[usize]| tensor(&tensors, name, shape).map_err(|e| invalid(&weights_path, e));
    let conv = |(name, in_channels, out_channels, stride): (&str, usize, usize, usize)| {
        Ok::<_, TranscribeError>(Conv1d {
            weight: get(&format!("{name}.weight"), &[out_channels, in_channels, 3])?,
            bias: get(&format!("{name}.bias"), &[out_channels])?,
            in_channels,
            out_channels,
            kernel: 3,
            stride,
            padding: 1,
        })
    };
    let [e0, e1, e2, e3] = ENCODER;
    let bias_ih = get("decoder.rnn.bias_ih", &[4 * HIDDEN])?;
    let bias_hh = get("decoder.rnn.bias_hh", &[4 * HIDDEN])?;
    let network = SileroNetwork {
        stft_basis: get("stft.forward_basis_buffer", &[2 * STFT_BINS, 1, 256])?,
        encoder: [conv(e0)?, conv(e1)?, conv(e2)?, conv(e3)?],
        lstm: LstmCell {
            weight_ih: get("decoder.rnn.weight_ih", &[4 * HIDDEN, HIDDEN])?,
            weight_hh: get("decoder.rnn.weight_hh", &[4 * HIDDEN, HIDDEN])?,
            bias: bias_ih.iter().zip(&bias_hh).map(|(a, b)| a + b).collect(),
        },
        output_weight: get("decoder.decoder.2.weight", &[1, HIDDEN, 1])?,
        output_bias: get("decoder.decoder.2.bias", &[1])?[0],
    };
    Ok((network, model_id(folder)))
}

fn read_json(path: &Path) -> Result<serde_json::Value, TranscribeError> {
    let text = std::fs::read_to_string(path).map_err(|e| invalid(path, e))?;
    serde_json::from_str(&text).map_err(|e| invalid(path, e))
}

/// `silero-vad==6.2.3` from `conversion.json`, else `silero-vad`.
fn model_id(folder: &Path) -> String {
    let conversion = read_json(&folder.join("conversion.json")).ok();
    let field = |name: &str| conversion.as_ref()?.get(name)?.as_str().map(str::to_owned);
    match (field("source_package"), field("source_version")) {
        (Some(package), Some(version)) => format!("{package}=={version}"),
        _ => "silero-vad".to_owned(),
    }
}

fn tensor(tensors: &SafeTensors<'_>, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
    let view = tensors.tensor(name).map_err(|_| format!("tensor {name} is missing"))?;
    if view.dtype() != Dtype::F32 {
        return Err(format!("tensor {name} is {:?}, expected F32", view.dtype()));
    }
    if view.shape() != shape {
        return Err(format!("tensor {name} has shape {:?}, expected {shape:?}", view.shape()));
    }
    Ok(view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}
