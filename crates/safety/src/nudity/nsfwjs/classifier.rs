//! [`NudityClassifier`]: load the converted nsfwjs model, score frames.

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};

use super::config::ModelConfig;
use super::graph::{Graph, Weights, build};
use crate::nudity::pixels::{PixelFormat, model_input};
use crate::nudity::{NSFW_INPUT_SIZE, NSFW_MODEL_ID, NudityDetector, NudityScores};
use crate::{DetectorInfo, SafetyError};

/// The class labels the model must declare, in output order.
const CLASSES: [&str; 5] = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"];
const PREPARE_HINT: &str = "run scripts/prepare-nsfw-model and pass the folder it prints";

/// nsfwjs's MobileNetV2 on the CPU. Load once, then call [`classify`](Self::classify)
/// from any thread (`&self`, `Send + Sync`); Candle spreads the matrix products over
/// the CPU cores.
pub struct NudityClassifier {
    graph: Graph,
    version: String,
    folder: PathBuf,
}

impl std::fmt::Debug for NudityClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NudityClassifier").field("folder", &self.folder).field("version", &self.version).finish()
    }
}

impl NudityClassifier {
    /// Loads the folder `scripts/prepare-nsfw-model` prints (`config.json` and
    /// `model.safetensors`), builds the network and runs it once on a blank image
    /// so that a broken folder fails here, not on the first frame.
    pub fn load(folder: impl AsRef<Path>) -> Result<Self, SafetyError> {
        let folder = folder.as_ref();
        let model_error = |reason: String| SafetyError::Model { folder: folder.display().to_string(), reason };
        if !folder.is_dir() {
            return Err(model_error(format!("the folder does not exist: {PREPARE_HINT}")));
        }
        let config_path = folder.join("config.json");
        let text = std::fs::read_to_string(&config_path)
            .map_err(|e| model_error(format!("cannot read config.json ({e}): {PREPARE_HINT}")))?;
        let config: ModelConfig = serde_json::from_str(&text).map_err(|e| {
            model_error(format!("config.json is not an nsfwjs model description ({e}): {PREPARE_HINT}"))
        })?;
        check_config(&config).map_err(|reason| model_error(format!("config.json: {reason}")))?;

        let weights_path = folder.join("model.safetensors");
        if !weights_path.is_file() {
            return Err(model_error(format!("model.safetensors is missing: {PREPARE_HINT}")));
        }
        let tensors = candle_core::safetensors::load(&weights_path, &Device::Cpu)
            .map_err(|e| model_error(format!("model.safetensors cannot be read ({e}): {PREPARE_HINT}")))?;
        let graph = build(&config, &mut Weights(tensors)).map_err(model_error)?;
        let classifier = NudityClassifier { graph, version: config.source.version, folder: folder.to_path_buf() };
        let blank = vec![0u8; NSFW_INPUT_SIZE * NSFW_INPUT_SIZE * 3];
        let side = NSFW_INPUT_SIZE as u32;
        classifier.classify(&blank, side, side).map_err(|e| model_error(format!("the network does not run: {e}")))?;
        Ok(classifier)
    }

    /// Scores one RGB8 frame (3 bytes per pixel, rows tightly packed), any size:
    /// it is squashed to 224×224 like nsfwjs does (no cropping, aspect ratio not kept).
    pub fn classify(&self, rgb: &[u8], width: u32, height: u32) -> Result<NudityScores, SafetyError> {
        self.classify_pixels(rgb, width, height, PixelFormat::Rgb8)
    }

    /// Scores one frame in the given pixel format (RGB8, RGBA8 or I420).
    pub fn classify_pixels(
        &self,
        pixels: &[u8],
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<NudityScores, SafetyError> {
        let input = model_input(pixels, width, height, format, NSFW_INPUT_SIZE)?;
        let inference_error = |reason: String| SafetyError::Inference { model: NSFW_MODEL_ID.into(), reason };
        let image = Tensor::from_vec(input, (NSFW_INPUT_SIZE, NSFW_INPUT_SIZE, 3), &Device::Cpu)
            .map_err(|e| inference_error(e.to_string()))?;
        let output = self.graph.run(image).map_err(inference_error)?;
        let probabilities: [f32; 5] = output
            .try_into()
            .map_err(|v: Vec<f32>| inference_error(format!("the network gave {} values, not 5", v.len())))?;
        Ok(NudityScores::from_probabilities(probabilities))
    }

    /// The detector to name in safety events: [`NSFW_MODEL_ID`] and the nsfwjs version
    /// the weights come from.
    pub fn detector(&self) -> DetectorInfo {
        DetectorInfo { id: NSFW_MODEL_ID.into(), version: self.version.clone() }
    }
}

impl NudityDetector for NudityClassifier {
    fn detector_info(&self) -> DetectorInfo {
        self.detector()
    }

    fn score_frame(
        &self,
        pixels: &[u8],
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<NudityScores, SafetyError> {
        self.classify_pixels(pixels, width, height, format)
    }
}

/// The description must be the model and preprocessing this code implements.
fn check_config(config: &ModelConfig) -> Result<(), String> {
    let p = &config.preprocessing;
    let checks = [
        (config.model_id == NSFW_MODEL_ID, format!("model_id is {:?}, expected {NSFW_MODEL_ID:?}", config.model_id)),
        (
            config.source.package == "nsfwjs",
            format!("source.package is {:?}, expected \"nsfwjs\"", config.source.package),
        ),
        (config.classes == CLASSES, format!("classes are {:?}, expected {CLASSES:?}", config.classes)),
        (
            config.input_size == [NSFW_INPUT_SIZE; 2],
            format!("input_size is {:?}, expected [{NSFW_INPUT_SIZE}, {NSFW_INPUT_SIZE}]", config.input_size),
        ),
        (config.input_layers.len() == 1, format!("{} input layers, expected 1", config.input_layers.len())),
        (p.channels == "rgb" && p.divide_by == 255.0, "preprocessing must be RGB divided by 255".into()),
        (
            p.resize == "bilinear" && p.align_corners && !p.half_pixel_centers,
            "preprocessing must be bilinear resize with align_corners and without half_pixel_centers".into(),
        ),
    ];
    checks.into_iter().find(|(ok, _)| !ok).map_or(Ok(()), |(_, reason)| Err(reason))
}
