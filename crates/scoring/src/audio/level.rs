//! Levels in dBFS and the thresholds the analyzer uses.

/// A sample with `|x| >= CLIP_LEVEL` counts as clipped. After the pipeline's
/// resampling to 16 kHz, hard-clipped audio still reads at or near full scale.
pub const CLIP_LEVEL: f32 = 0.99;

/// A sample with `|x|` below one 16-bit step (2^-15) is digital silence.
pub(crate) const DIGITAL_SILENCE_AMPLITUDE: f32 = 1.0 / 32768.0;

/// Frame levels are floored here: the level reported for all-zero frames.
pub const DIGITAL_SILENCE_DBFS: f32 = -120.0;

/// A 20 ms frame whose RMS is below this level is silent.
pub const SILENCE_DBFS: f32 = -50.0;

/// RMS of a block as dBFS (a full-scale square wave is 0 dBFS), floored at
/// [`DIGITAL_SILENCE_DBFS`].
pub(crate) fn rms_dbfs(sum_of_squares: f64, count: usize) -> f32 {
    if count == 0 {
        return DIGITAL_SILENCE_DBFS;
    }
    amplitude_dbfs((sum_of_squares / count as f64).sqrt())
}

/// An amplitude as dBFS, floored at [`DIGITAL_SILENCE_DBFS`].
pub(crate) fn amplitude_dbfs(amplitude: f64) -> f32 {
    if amplitude <= 0.0 {
        return DIGITAL_SILENCE_DBFS;
    }
    ((20.0 * amplitude.log10()) as f32).max(DIGITAL_SILENCE_DBFS)
}
