//! [`CandleWhisper`]: Whisper on the CPU with Candle, from a Hugging Face-format folder
//! (`config.json`, `tokenizer.json`, `model.safetensors`, optionally `generation_config.json`).

use std::path::Path;
use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::whisper::Config;
use tokenizers::Tokenizer;

use crate::vad::speech_map::SpeechSpan;
use crate::vad::voice_activity::VoiceActivity;
use crate::whisper::audio_encoder::AudioEncoder;
use crate::whisper::decoder::{StepModel, WindowDecoding, WindowRequest, decode_window};
use crate::whisper::encoder_attention::EncoderAttention;
use crate::whisper::encoder_op_times::EncoderOpTimes;
use crate::whisper::kv_decoder::{DecoderState, KvDecoder, WeightType};
use crate::whisper::logit_filters::LogitFilters;
use crate::whisper::long_form::{N_FRAMES, WindowModel, transcribe_windows};
use crate::whisper::mel::LogMelExtractor;
use crate::whisper::model_folder::{ModelFiles, invalid, logit_filters, model_id, read_json};
use crate::whisper::sampling::{SeededRng, argmax};
use crate::whisper::speech_packing::PackedSpeech;
use crate::whisper::tokens::SpecialTokens;
use crate::whisper::transcription_stats::TranscriptionStats;
use crate::whisper::vocab_projection::{ProjectionType, VocabProjection};
use crate::whisper::word_alignment::{HeadScores, token_start_frames};
use crate::{
    DecodingOptions, HubSettings, SAMPLE_RATE, SpeechMap, SpeechOptions, TranscribeError, Transcriber, Transcript,
    VoiceActivityUsed,
};

/// How to run the model; [`Default`] is what [`CandleWhisper::load`] uses.
#[derive(Clone, Debug)]
pub struct CandleWhisperSettings {
    /// Storage of the vocabulary projection, the largest cost of a decoding step.
    pub projection: ProjectionType,
    /// How decoding steps after the prompt run: Candle over `f32` weights, or plain loops over
    /// 8-bit copies of the decoder layers' matrices.
    pub decoder_weights: WeightType,
    /// How the audio encoder's linears run: Candle over `f32` weights, or (`Int8`) the attention
    /// projections over 8-bit weights and activations in blocks of 64 (`int8_gemm`; `fc1` and
    /// `fc2` stay `f32`, docs/decisions/030).
    pub encoder_weights: WeightType,
    /// How the audio encoder attends over its 1 500 frames (docs/decisions/030).
    pub encoder_attention: EncoderAttention,
    /// Seed of the sampler used at temperatures above 0 (per window: `seed ^ first_frame`).
    pub seed: u64,
    /// How a hub id is resolved: cache, endpoint, token, offline switch, revision.
    pub hub: HubSettings,
}

impl Default for CandleWhisperSettings {
    /// 8-bit projection and single-token step (docs/decisions/021), 8-bit encoder linears and
    /// fused encoder attention (docs/decisions/030), a fixed seed, and
    /// [`HubSettings::from_env`].
    fn default() -> Self {
        Self {
            projection: ProjectionType::Int8,
            decoder_weights: WeightType::Int8,
            encoder_weights: WeightType::Int8,
            encoder_attention: EncoderAttention::Fused,
            seed: 0x5E55_1014,
            hub: HubSettings::from_env(),
        }
    }
}

/// A local Whisper transcriber. Thread-safe: concurrent calls share the weights.
///
/// English-only models (vocabulary < 51865) ignore `DecodingOptions::language` and record
/// "en"; multilingual ones use it or detect the language on the first window. With
/// `DecodingOptions::word_timestamps`, words are aligned from the cross-attention of the
/// config's `alignment_heads` and fill `Transcript::words` and each `Segment::words`. At
/// temperatures above 0 one sample is drawn per window (openai-whisper's `best_of` is 1 here).
pub struct CandleWhisper {
    encoder: AudioEncoder,
    decoder: KvDecoder,
    tokenizer: Tokenizer,
    filters: LogitFilters,
    mel: LogMelExtractor,
    model_id: String,
    seed: u64,
    /// `[layer, head]` of the cross-attention heads that follow the speech in time.
    alignment_heads: Vec<(usize, usize)>,
}

impl CandleWhisper {
    /// Loads the model in `folder` with default settings. `folder` may also be a Hugging Face hub
    /// id (`openai/whisper-tiny.en`): read from the hub cache, and downloaded into it when missing
    /// and allowed ([`HubSettings`]).
    pub fn load(folder: &Path) -> Result<Self, TranscribeError> {
        Self::load_with(folder, CandleWhisperSettings::default())
    }

    pub fn load_with(folder: &Path, settings: CandleWhisperSettings) -> Result<Self, TranscribeError> {
        let resolved;
        let folder = match folder.to_str() {
            Some(id) if crate::hub::hub_cache::is_hub_id(id) => {
                resolved = crate::hub::hub_model::resolve_model(id, &settings.hub)?;
                resolved.as_path()
            }
            _ => folder,
        };
        let files = ModelFiles::find(folder)?;
        let config_json = read_json(&files.config)?;
        let config: Config = serde_json::from_value(config_json.clone()).map_err(|e| invalid(&files.config, e))?;
        let generation = match &files.generation_config {
            Some(path) => Some(read_json(path)?),
            None => None,
        };
        let tokenizer = Tokenizer::from_file(&files.tokenizer).map_err(|e| invalid(&files.tokenizer, e))?;
        let special =
            SpecialTokens::from_tokenizer(&tokenizer, config.vocab_size).map_err(|e| invalid(&files.tokenizer, e))?;
        let filters = logit_filters(&config_json, generation.as_ref(), special);

        let device = Device::Cpu;
        let weights = &files.weights;
        // SAFETY: the file is memory-mapped read-only; it must not change while we load it.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(std::slice::from_ref(weights), DType::F32, &device) }
            .map_err(|e| invalid(weights, e))?;
        let encoder =
            AudioEncoder::load(&config, vb.pp("model.encoder"), settings.encoder_weights, settings.encoder_attention)
                .map_err(|e| invalid(weights, e))?;
        let embedding =
            vb.get_unchecked_dtype("model.decoder.embed_tokens.weight", DType::F16).map_err(|e| invalid(weights, e))?;
        let projection = VocabProjection::new(&embedding, settings.projection).map_err(|e| invalid(weights, e))?;
        let decoder = KvDecoder::load(&config, vb.pp("model.decoder"), embedding, projection, settings.decoder_weights)
            .map_err(|e| invalid(weights, e))?;
        let model_id = model_id(&config, &config_json, folder);
        let alignment_heads = alignment_heads(&config_json, &config).map_err(|e| invalid(&files.config, e))?;
        Ok(Self {
            encoder,
            decoder,
            tokenizer,
            filters,
            mel: LogMelExtractor::new(config.num_mel_bins),
            model_id,
            seed: settings.seed,
            alignment_heads,
        })
    }

    pub fn special_tokens(&self) -> &SpecialTokens {
        &self.filters.tokens
    }

    /// The language to record and the start-of-transcript sequence for a run.
    fn language(
        &self,
        mel: &crate::whisper::mel::MelSpectrogram,
        options: &DecodingOptions,
    ) -> Result<(String, Vec<u32>), TranscribeError> {
        let special = self.special_tokens();
        if !special.is_multilingual() {
            return Ok(("en".to_owned(), special.sot_sequence(None)));
        }
        let code = match &options.language {
            Some(code) => code.clone(),
            None => self.detect_language(&mel.window(0, N_FRAMES))?,
        };
        let token = special
            .language_token(&code)
            .ok_or_else(|| TranscribeError::Failed(format!("language {code:?} is not in this model's vocabulary")))?;
        Ok((code, special.sot_sequence(Some(token))))
    }

    /// The most likely language token after `<|startoftranscript|>` on the first window.
    fn detect_language(&self, mel_window: &[f32]) -> Result<String, TranscribeError> {
        let special = self.special_tokens();
        let mut state = self.encode_window(mel_window)?;
        let logits = self.step(&[special.sot], &mut state)?;
        let (first, _) =
            special.languages.first().ok_or_else(|| TranscribeError::Failed("no language tokens".into()))?;
        let language_logits: Vec<f32> = special.languages.iter().map(|&(_, t)| logits[t as usize]).collect();
        let best = argmax(&language_logits) as usize;
        Ok(special.languages.get(best).map(|(c, _)| c.clone()).unwrap_or_else(|| first.clone()))
    }

    fn encode_window(&self, mel_window: &[f32]) -> Result<DecoderState, TranscribeError> {
        let n_mels = self.mel.n_mels();
        let input = Tensor::from_slice(mel_window, (1, n_mels, N_FRAMES), &Device::Cpu).map_err(failed)?;
        let audio = self.encoder.forward(&input).map_err(failed)?;
        self.decoder.start(&audio).map_err(failed)
    }
}

/// Hooks for `benches/benches/whisper_fork.rs`, which times these layers against
/// candle-transformers' Whisper (docs/decisions/024). Not part of the API.
impl CandleWhisper {
    /// The audio encoder alone: `mel [1, n_mels, 3000]` → audio features `[1, 1500, d]`.
    #[doc(hidden)]
    pub fn bench_encode(&self, mel: &Tensor) -> candle_core::Result<Tensor> {
        self.encoder.forward(mel)
    }

    /// The audio encoder alone, with the time of each kind of operation.
    #[doc(hidden)]
    pub fn bench_encode_timed(&self, mel: &Tensor) -> candle_core::Result<(Tensor, EncoderOpTimes)> {
        let mut times = EncoderOpTimes::default();
        let audio = self.encoder.forward_timed(mel, &mut times)?;
        Ok((audio, times))
    }

    /// Plain greedy decoding (argmax of the raw logits, no decoding rules) from `prompt` over
    /// `audio` features: at most `max_tokens` tokens, ending after the first `eot`.
    #[doc(hidden)]
    pub fn bench_greedy(&self, audio: &Tensor, prompt: &[u32], max_tokens: usize) -> candle_core::Result<Vec<u32>> {
        let eot = self.special_tokens().eot;
        let mut state = self.decoder.start(audio)?;
        let mut logits = self.decoder.forward(prompt, &mut state)?;
        let mut tokens = Vec::with_capacity(max_tokens);
        while tokens.len() < max_tokens {
            let token = crate::whisper::sampling::argmax(&logits);
            tokens.push(token);
            if token == eot || tokens.len() == max_tokens {
                break;
            }
            logits = self.decoder.forward(&[token], &mut state)?;
        }
        Ok(tokens)
    }
}

impl StepModel for CandleWhisper {
    type State = DecoderState;
    fn step(&self, tokens: &[u32], state: &mut DecoderState) -> Result<Vec<f32>, TranscribeError> {
        self.decoder.forward(tokens, state).map_err(failed)
    }
}

/// One transcription run: the model and the start-of-transcript sequence chosen for it.
struct Run<'a> {
    whisper: &'a CandleWhisper,
    sot_sequence: Vec<u32>,
}

impl WindowModel for Run<'_> {
    type Encoded = DecoderState;

    fn special_tokens(&self) -> &SpecialTokens {
        self.whisper.special_tokens()
    }

    fn encode(&self, mel_window: &[f32]) -> Result<DecoderState, TranscribeError> {
        self.whisper.encode_window(mel_window)
    }

    fn decode(
        &self,
        encoded: &DecoderState,
        previous: &[u32],
        temperature: f32,
        rng: &mut SeededRng,
    ) -> Result<WindowDecoding, TranscribeError> {
        let whisper = self.whisper;
        let max_positions = whisper.decoder.max_positions();
        let prompt = self.special_tokens().prompt(previous, max_positions / 2 - 1, &self.sot_sequence);
        let request = WindowRequest {
            sot_index: prompt.len() - self.sot_sequence.len(),
            prompt: &prompt,
            filters: &whisper.filters,
            sample_len: max_positions / 2,
            max_positions,
        };
        decode_window(whisper, encoded.clone(), &request, temperature, rng)
    }

    fn text(&self, tokens: &[u32]) -> Result<String, TranscribeError> {
        let eot = self.special_tokens().eot;
        let text_tokens: Vec<u32> = tokens.iter().copied().filter(|&t| t < eot).collect();
        self.whisper.tokenizer.decode(&text_tokens, true).map_err(|e| TranscribeError::Failed(e.to_string()))
    }

    fn align(
        &self,
        encoded: &DecoderState,
        text_tokens: &[u32],
        content_frames: usize,
    ) -> Result<Vec<f64>, TranscribeError> {
        let special = self.special_tokens();
        let mut tokens = self.sot_sequence.clone();
        tokens.push(special.no_timestamps);
        let first_text_row = tokens.len();
        tokens.extend_from_slice(text_tokens);
        tokens.push(special.eot);
        if tokens.len() > self.whisper.decoder.max_positions() {
            return Ok(Vec::new());
        }
        let decoder = &self.whisper.decoder;
        let scores = decoder.cross_attention_scores(&tokens, encoded.clone(), &self.whisper.alignment_heads);
        let scores = scores.map_err(failed)?;
        let (heads, rows, frames) = scores.dims3().map_err(failed)?;
        let flat = scores.flatten_all().and_then(|t| t.to_vec1::<f32>()).map_err(failed)?;
        let input = HeadScores { scores: &flat, heads, tokens: rows, frames };
        // The attention at a position is the decoder's when it predicts the next token: the row
        // that times text token `i` is the one before it (`<|notimestamps|>` for the first), as
        // in openai-whisper's `timing.py` (`matrix[len(sot_sequence):-1]`); the last text token's
        // row times the end of the speech.
        let timed = first_text_row - 1..rows - 1;
        let starts = token_start_frames(&input, timed, content_frames / FRAMES_PER_POSITION);
        Ok(starts.into_iter().map(|f| f as f64 * SECONDS_PER_POSITION).collect())
    }
}

impl Transcriber for CandleWhisper {
    fn model_id(&self) -> String {
        self.model_id.clone()
    }

    fn transcribe(&self, samples: &[f32], options: &DecodingOptions) -> Result<Transcript, TranscribeError> {
        self.transcribe_with_speech(samples, options, None)
    }

    /// With a speech map and `skip_silence_s`, the stretches outside its speech segments
    /// (faster-whisper's settings) are skipped before decoding, in noise as in silence; without
    /// one, the energy mask skips clear silences (with word timestamps).
    fn transcribe_with_speech(
        &self,
        samples: &[f32],
        options: &DecodingOptions,
        speech: Option<&SpeechMap>,
    ) -> Result<Transcript, TranscribeError> {
        let (transcript, stats) = self.transcribe_profiled(samples, options, speech)?;
        tracing::debug!(target: "session_transcribe", profile = %stats.summary(), "whisper transcription");
        Ok(transcript)
    }
}

impl CandleWhisper {
    /// [`Transcriber::transcribe_with_speech`], with where the time went and how much work the
    /// window loop did (windows, decoding passes, temperature fallbacks, tokens).
    pub fn transcribe_profiled(
        &self,
        samples: &[f32],
        options: &DecodingOptions,
        speech: Option<&SpeechMap>,
    ) -> Result<(Transcript, TranscriptionStats), TranscribeError> {
        if let Some(i) = samples.iter().position(|s| !s.is_finite()) {
            return Err(TranscribeError::InvalidAudio(format!("sample {i} is not a finite number")));
        }
        let started = Instant::now();
        let mut stats =
            TranscriptionStats { audio_s: samples.len() as f64 / f64::from(SAMPLE_RATE), ..Default::default() };
        let vad_started = Instant::now();
        let packed = pack_speech(samples, options, speech);
        let (voice, used) = match &packed {
            Some((packed, used)) => {
                let voice = VoiceActivity::from_samples(samples)
                    .remapped(packed.samples.len(), |t| packed.original_s(t, false));
                (voice, Some(used.clone()))
            }
            None => voice_activity(samples, options, speech),
        };
        stats.voice_activity_s = vad_started.elapsed().as_secs_f64();
        // Decoded from the speech alone when it was packed; a recording without speech keeps its
        // own audio for language detection (and decodes nothing: every window is skipped).
        let audio = packed.as_ref().map(|(p, _)| p.samples.as_slice()).filter(|a| !a.is_empty()).unwrap_or(samples);
        let mel_started = Instant::now();
        let mel = self.mel.compute(audio);
        stats.mel_s = mel_started.elapsed().as_secs_f64();
        let (language, sot_sequence) = self.language(&mel, options)?;
        stats.language_s = mel_started.elapsed().as_secs_f64() - stats.mel_s;
        let run = Run { whisper: self, sot_sequence };
        let mut options = options.clone();
        options.voice_activity = used;
        let options = &options;
        let mut segments = match &packed {
            Some((packed, _)) if packed.samples.is_empty() => {
                stats.skipped_s += stats.audio_s;
                Vec::new()
            }
            Some((packed, _)) => {
                stats.skipped_s += (stats.audio_s - packed.duration_s()).max(0.0);
                // What is left is speech: nothing more is skipped, and no window is cut short at
                // a silence (the mask, the recording's own, only times words and guards them).
                let joined = DecodingOptions { skip_silence_s: None, ..options.clone() };
                transcribe_windows(&run, &mel, &voice, &joined, self.seed, &mut stats)?
            }
            None => transcribe_windows(&run, &mel, &voice, options, self.seed, &mut stats)?,
        };
        if let Some((packed, _)) = &packed {
            packed.restore(&mut segments);
        }
        let text = segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
        let words = options
            .word_timestamps
            .then(|| segments.iter().flat_map(|s| s.words.iter().flatten().cloned()).collect::<Vec<_>>());
        stats.total_s = started.elapsed().as_secs_f64();
        let transcript = Transcript {
            language: Some(language),
            duration_s: samples.len() as f64 / f64::from(SAMPLE_RATE),
            text,
            segments,
            words,
            model_id: self.model_id.clone(),
            decoding: options.clone(),
        };
        Ok((transcript, stats))
    }
}

/// With a speech map, skipping on and `pack_speech`: the map's segments (faster-whisper's
/// settings) packed end to end, and what to record of them.
fn pack_speech(
    samples: &[f32],
    options: &DecodingOptions,
    speech: Option<&SpeechMap>,
) -> Option<(PackedSpeech, VoiceActivityUsed)> {
    if !options.pack_speech {
        return None;
    }
    let (segments, used) = silero_segments(options, speech?)?;
    Some((PackedSpeech::new(samples, &segments, SAMPLE_RATE), used))
}

/// With skipping on: the speech map's segments that are kept (faster-whisper's settings:
/// silences of `skip_silence_s` or more split, 0.4 s of padding), and what to record of them.
fn silero_segments(options: &DecodingOptions, map: &SpeechMap) -> Option<(Vec<SpeechSpan>, VoiceActivityUsed)> {
    let skip = SpeechOptions { min_silence_s: f64::from(options.skip_silence_s?), ..SpeechOptions::whisper() };
    let segments = map.segments(&skip);
    let speech_s: f64 = segments.iter().map(|s| s.end_s - s.start_s).sum();
    let skipped_s = ((map.duration_s() - speech_s).max(0.0) * 1000.0).round() / 1000.0;
    let model = map.model_id().to_owned();
    Some((segments, VoiceActivityUsed::Silero { model, options: skip, skipped_s }))
}

/// Unpacked: Silero's segments when a speech map is given and skipping is on (what lies outside
/// them is skipped in place), else the energy mask (computed for word timestamps).
fn voice_activity(
    samples: &[f32],
    options: &DecodingOptions,
    speech: Option<&SpeechMap>,
) -> (VoiceActivity, Option<VoiceActivityUsed>) {
    if let Some(map) = speech
        && let Some((segments, used)) = silero_segments(options, map)
    {
        return (VoiceActivity::with_speech_map(samples, map, &segments), Some(used));
    }
    if !options.word_timestamps {
        return (VoiceActivity::default(), None);
    }
    let used = options.skip_silence_s.map(|_| VoiceActivityUsed::Energy);
    (VoiceActivity::from_samples(samples), used)
}

/// Mel frames per audio-encoder position, and the seconds one position covers.
const FRAMES_PER_POSITION: usize = 2;
const SECONDS_PER_POSITION: f64 = 0.02;

/// `alignment_heads` from `config.json` (`[[layer, head], ...]`), else openai-whisper's default:
/// every head of the second half of the decoder layers.
fn alignment_heads(config_json: &serde_json::Value, config: &Config) -> Result<Vec<(usize, usize)>, String> {
    let (layers, heads) = (config.decoder_layers, config.decoder_attention_heads);
    let Some(listed) = config_json.get("alignment_heads") else {
        return Ok((layers / 2..layers).flat_map(|l| (0..heads).map(move |h| (l, h))).collect());
    };
    let pairs: Vec<[usize; 2]> = serde_json::from_value(listed.clone()).map_err(|e| format!("alignment_heads: {e}"))?;
    if pairs.is_empty() {
        return Err("alignment_heads is empty".into());
    }
    match pairs.iter().find(|[l, h]| *l >= layers || *h >= heads) {
        Some([l, h]) => Err(format!("alignment head [{l}, {h}] is outside {layers} layers × {heads} heads")),
        None => Ok(pairs.into_iter().map(|[l, h]| (l, h)).collect()),
    }
}

fn failed(e: candle_core::Error) -> TranscribeError {
    TranscribeError::Failed(e.to_string())
}
