//! Voice activity: where the speech is. Silero VAD in plain Rust, the [`SpeechMap`](speech_map::SpeechMap)
//! it produces, the energy detector Whisper's word timing uses, and the `VoiceActivity` choice.

pub mod silero_vad;
pub(crate) mod speech_detection;
pub mod speech_map;
#[cfg(feature = "candle")]
pub(crate) mod voice_activity;
