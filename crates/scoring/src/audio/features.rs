//! What the audio analyzer keeps: a few numbers per 20 ms frame and per
//! 40 ms pitch hop, plus whole-recording loudness. Memory is O(frames).

use serde::{Deserialize, Serialize};

/// Compact features of one mono audio stream, produced by
/// [`AudioAnalyzer`](crate::AudioAnalyzer). One hour at any sample rate takes
/// about 1.5 MB.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioFeatures {
    /// Sample rate of the analysed samples, Hz.
    pub sample_rate: u32,
    /// Length of the audio, seconds.
    pub duration_s: f64,
    /// Number of samples analysed.
    pub sample_count: u64,
    /// Length of one level frame, seconds (20 ms rounded to whole samples).
    pub frame_duration_s: f64,
    /// RMS level of each frame, dBFS, floored at -120 (digital silence).
    /// Frame `i` starts at `i * frame_duration_s`; the last one may be partial.
    pub frame_rms_dbfs: Vec<f32>,
    /// Spacing of pitch estimates, seconds (40 ms rounded to whole samples).
    pub pitch_hop_s: f64,
    /// Fundamental frequency of each hop, Hz; `None` where the hop is
    /// unvoiced or too quiet (below -45 dBFS) to analyse.
    pub pitch_hz: Vec<Option<f32>>,
    /// Integrated loudness (ITU-R BS.1770-4 / EBU R128), LUFS; `None` when no
    /// 400 ms block passes the -70 LUFS absolute gate (silence).
    pub integrated_loudness_lufs: Option<f64>,
    /// Loudness range (EBU Tech 3342), LU; `None` when it cannot be measured.
    pub loudness_range_lu: Option<f64>,
    /// Momentary loudness (400 ms window) at the end of each whole second, LUFS; `None` below
    /// the -70 LUFS gate. Value `i` covers second `i` to `i + 1`.
    #[serde(default)]
    pub momentary_lufs: Vec<Option<f32>>,
    /// Largest `|sample|`, dBFS (floored at -120).
    pub peak_dbfs: f64,
    /// Samples with `|x| >= 0.99`.
    pub clipped_sample_count: u64,
    /// Frames that contain clipped samples (sparse; frames with none are left out).
    pub clipped_frames: Vec<ClippedFrame>,
    /// Runs of digital silence (`|x| < 2^-15`) lasting 10 ms – 1 s, the
    /// candidates for dropouts. Longer runs show up as silent frames.
    pub digital_silence_runs: Vec<SampleRun>,
}

/// A frame holding clipped samples.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClippedFrame {
    /// Index into [`AudioFeatures::frame_rms_dbfs`].
    pub frame: u32,
    /// Clipped samples in that frame.
    pub samples: u32,
}

/// A run of samples, located in time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleRun {
    /// Start, seconds from the start of the audio.
    pub start_s: f64,
    /// Length, seconds.
    pub duration_s: f64,
    /// Largest sample magnitude in the millisecond before the run: high when the sound was cut
    /// off, near 0 when it faded out.
    #[serde(default)]
    pub cut_in: f32,
    /// Magnitude of the first sample after the run: high when the sound came back abruptly.
    #[serde(default)]
    pub cut_out: f32,
}

impl AudioFeatures {
    /// Start time of frame `index`, seconds.
    pub fn frame_start_s(&self, index: usize) -> f64 {
        index as f64 * self.frame_duration_s
    }

    /// Index of the frame that holds time `time_s` (clamped to the last frame).
    pub fn frame_at(&self, time_s: f64) -> usize {
        let index = (time_s / self.frame_duration_s).floor().max(0.0) as usize;
        index.min(self.frame_rms_dbfs.len().saturating_sub(1))
    }
}
