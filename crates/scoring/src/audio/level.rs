//! Levels in dBFS and the thresholds the analyzer uses.
//!
//! dBFS follows AES17: a full-scale sine reads 0 dBFS, so an RMS level is the RMS in dB plus
//! [`SINE_RMS_OFFSET_DB`] (a full-scale square wave reads +3.01 dBFS). Sample peaks need no
//! offset: a full-scale sine peaks at 0 dBFS.

/// A sample with `|x| >= CLIP_LEVEL` counts as clipped. After the pipeline's
/// resampling to 16 kHz, hard-clipped audio still reads at or near full scale.
pub const CLIP_LEVEL: f32 = 0.99;

/// A sample with `|x|` below one 16-bit step (2^-15) is digital silence.
pub(crate) const DIGITAL_SILENCE_AMPLITUDE: f32 = 1.0 / 32768.0;

/// Frame levels are floored here: the level reported for all-zero frames.
pub const DIGITAL_SILENCE_DBFS: f32 = -120.0;

/// A 20 ms frame whose RMS level is below this is silent (−50 dB RMS re full-scale square).
pub const SILENCE_DBFS: f32 = -47.0;

/// What an RMS level gains when it is read against a full-scale sine instead of a full-scale
/// square wave: 20·log10(√2), dB.
pub const SINE_RMS_OFFSET_DB: f64 = 3.010_299_956_639_812;

/// RMS level of a block in dBFS (AES17: a full-scale sine is 0 dBFS), floored at
/// [`DIGITAL_SILENCE_DBFS`].
pub(crate) fn rms_dbfs(sum_of_squares: f64, count: usize) -> f32 {
    if count == 0 || sum_of_squares <= 0.0 {
        return DIGITAL_SILENCE_DBFS;
    }
    let rms = (sum_of_squares / count as f64).sqrt();
    ((20.0 * rms.log10() + SINE_RMS_OFFSET_DB) as f32).max(DIGITAL_SILENCE_DBFS)
}

/// A sample magnitude (a peak) as dBFS, floored at [`DIGITAL_SILENCE_DBFS`].
pub(crate) fn amplitude_dbfs(amplitude: f64) -> f32 {
    if amplitude <= 0.0 {
        return DIGITAL_SILENCE_DBFS;
    }
    ((20.0 * amplitude.log10()) as f32).max(DIGITAL_SILENCE_DBFS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::sine;

    fn level(samples: &[f32]) -> f32 {
        rms_dbfs(samples.iter().map(|&x| f64::from(x) * f64::from(x)).sum(), samples.len())
    }

    #[test]
    fn a_full_scale_sine_reads_0_dbfs_and_a_full_scale_square_plus_3() {
        let full_sine = sine(997.0, 1.0, 48_000, 1.0);
        assert!(level(&full_sine).abs() < 0.01, "{}", level(&full_sine));
        let square: Vec<f32> = full_sine.iter().map(|x| x.signum()).collect();
        assert!((level(&square) - 3.01).abs() < 0.01, "{}", level(&square));
        let quieter = sine(997.0, 0.1, 48_000, 1.0);
        assert!((level(&quieter) - (-20.0)).abs() < 0.01, "{}", level(&quieter));
    }

    #[test]
    fn silence_reads_the_floor() {
        assert_eq!(level(&[0.0; 320]), DIGITAL_SILENCE_DBFS);
        assert_eq!(rms_dbfs(0.0, 0), DIGITAL_SILENCE_DBFS);
    }
}
