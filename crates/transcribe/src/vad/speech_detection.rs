//! The voice-activity stage's boundary: a [`VoiceActivity`] finds speech in an audio track while
//! it is decoded, as a [`SpeechMap`] the transcriber and the scores share.

use crate::TranscribeError;
use crate::vad::silero_vad::{SileroStream, SileroVad};
use crate::vad::speech_map::SpeechMap;

/// Finds speech in 16 kHz mono audio that arrives in pieces. [`SileroVad`] is the one built in.
pub trait VoiceActivity: Send + Sync {
    /// The detector and its weights (`silero-vad==6.2.3`), written where its speech is used.
    fn model_id(&self) -> &str;

    /// A fresh state for one audio track.
    fn start(&self) -> Box<dyn SpeechStream + '_>;
}

/// One audio track's speech detection in progress.
pub trait SpeechStream: Send {
    /// Adds the next samples; a non-finite sample is an error.
    fn push(&mut self, samples: &[f32]) -> Result<(), TranscribeError>;

    /// The speech map of everything pushed.
    fn finish(self: Box<Self>) -> SpeechMap;
}

impl VoiceActivity for SileroVad {
    fn model_id(&self) -> &str {
        SileroVad::model_id(self)
    }

    fn start(&self) -> Box<dyn SpeechStream + '_> {
        Box::new(self.stream())
    }
}

impl SpeechStream for SileroStream<'_> {
    fn push(&mut self, samples: &[f32]) -> Result<(), TranscribeError> {
        SileroStream::push(self, samples)
    }

    fn finish(self: Box<Self>) -> SpeechMap {
        SileroStream::finish(*self)
    }
}
