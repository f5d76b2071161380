//! [`SileroVad`]: Silero VAD (v5/v6, 16 kHz) in plain Rust, from the folder that
//! `scripts/prepare-silero-vad` converts once from the ONNX model in PyPI's `silero-vad`
//! (`model.safetensors`, `config.json`, `conversion.json`).
//!
//! Like the reference (`silero_vad.utils_vad.OnnxWrapper` with `get_speech_timestamps`), audio is
//! cut into chunks of 512 samples (32 ms), the last one zero-padded; each chunk is preceded by
//! the previous chunk's last 64 samples (zeros for the first) and the LSTM state is carried from
//! chunk to chunk. [`SileroStream`] does the same on audio that arrives in pieces.

mod network;
mod weights;

use std::path::Path;

pub use network::{CHUNK_SAMPLES, CONTEXT_SAMPLES};
use network::{NetworkState, SileroNetwork};

use crate::TranscribeError;
use crate::vad::speech_map::SpeechMap;

/// What to run when the folder is missing or incomplete.
pub const PREPARE_HINT: &str = "run scripts/prepare-silero-vad (it prints the folder), or pass its folder";

/// Silero VAD, loaded once and shared: every run keeps its own state in a [`SileroStream`].
pub struct SileroVad {
    network: SileroNetwork,
    model_id: String,
}

impl SileroVad {
    /// Loads `model.safetensors` and `config.json` from `folder`; the model id comes from
    /// `conversion.json` (`silero-vad==6.2.3`) when present.
    pub fn load(folder: &Path) -> Result<Self, TranscribeError> {
        let (network, model_id) = weights::load(folder)?;
        Ok(Self { network, model_id })
    }

    /// The source of the weights, e.g. `silero-vad==6.2.3`.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// A fresh state, as the reference's `reset_states()`.
    pub fn stream(&self) -> SileroStream<'_> {
        SileroStream {
            vad: self,
            state: NetworkState::default(),
            pending: Vec::new(),
            probabilities: Vec::new(),
            n_samples: 0,
        }
    }

    /// The speech probability of every 32 ms chunk of 16 kHz mono `samples`.
    pub fn speech_probabilities(&self, samples: &[f32]) -> Result<Vec<f32>, TranscribeError> {
        Ok(self.speech_map(samples)?.probabilities().to_vec())
    }

    /// The speech map of 16 kHz mono `samples`.
    pub fn speech_map(&self, samples: &[f32]) -> Result<SpeechMap, TranscribeError> {
        let mut stream = self.stream();
        stream.push(samples)?;
        Ok(stream.finish())
    }
}

/// Silero VAD over audio that arrives in pieces (the decoder's chunks): the same probabilities
/// as one call over the whole audio.
pub struct SileroStream<'a> {
    vad: &'a SileroVad,
    state: NetworkState,
    pending: Vec<f32>,
    probabilities: Vec<f32>,
    n_samples: usize,
}

impl SileroStream<'_> {
    /// Adds 16 kHz mono samples; a non-finite sample is an error.
    pub fn push(&mut self, samples: &[f32]) -> Result<(), TranscribeError> {
        if let Some(i) = samples.iter().position(|s| !s.is_finite()) {
            return Err(TranscribeError::InvalidAudio(format!("sample {} is not a finite number", self.n_samples + i)));
        }
        self.n_samples += samples.len();
        let mut rest = samples;
        if !self.pending.is_empty() {
            let take = (CHUNK_SAMPLES - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() < CHUNK_SAMPLES {
                return Ok(());
            }
            let chunk = std::mem::take(&mut self.pending);
            self.probabilities.push(self.vad.network.step(&chunk, &mut self.state));
        }
        let mut chunks = rest.chunks_exact(CHUNK_SAMPLES);
        for chunk in &mut chunks {
            self.probabilities.push(self.vad.network.step(chunk, &mut self.state));
        }
        self.pending.extend_from_slice(chunks.remainder());
        Ok(())
    }

    /// Probabilities so far (complete chunks only).
    pub fn probabilities(&self) -> &[f32] {
        &self.probabilities
    }

    /// The speech map, the last partial chunk zero-padded as the reference does.
    pub fn finish(mut self) -> SpeechMap {
        if !self.pending.is_empty() {
            let mut chunk = std::mem::take(&mut self.pending);
            chunk.resize(CHUNK_SAMPLES, 0.0);
            self.probabilities.push(self.vad.network.step(&chunk, &mut self.state));
        }
        SpeechMap::new(self.probabilities, self.n_samples, self.vad.model_id.clone())
    }
}
