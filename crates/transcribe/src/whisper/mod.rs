//! Whisper on the CPU with Candle (`candle` feature): the model layers, decoding, long-form
//! transcription and word timestamps behind [`CandleWhisper`](candle_whisper::CandleWhisper).

pub(crate) mod attention;
pub(crate) mod audio_encoder;
pub(crate) mod candle_whisper;
pub(crate) mod cpu_ops;
pub mod decoder;
pub mod encoder_attention;
#[cfg(target_arch = "x86_64")]
pub(crate) mod encoder_attention_avx512;
pub mod encoder_op_times;
pub(crate) mod hallucination_guard;
pub(crate) mod int8_gemm;
#[cfg(target_arch = "x86_64")]
pub(crate) mod int8_gemm_avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod int8_gemm_vnni;
pub(crate) mod int8_matvec;
pub(crate) mod kv_decoder;
pub(crate) mod linear_weights;
pub mod logit_filters;
pub mod long_form;
pub mod mel;
pub(crate) mod model_folder;
pub mod sampling;
pub(crate) mod speech_packing;
#[cfg(test)]
pub(crate) mod test_values;
pub(crate) mod token_step;
pub mod tokens;
pub mod transcription_stats;
pub(crate) mod vocab_projection;
pub(crate) mod window_words;
pub(crate) mod word_alignment;
pub(crate) mod word_timing;
