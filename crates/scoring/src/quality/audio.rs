//! Audio quality: loudness, clipping, noise, silence and dropouts.

use serde::{Deserialize, Serialize};

use crate::AudioFeatures;
use crate::audio::SILENCE_DBFS;
use crate::report::SubScore;
use crate::scale::{band, blend, log_ramp_down, ramp, round_to};
use crate::stats::percentile;
use crate::timeline::{Issue, Severity, cap_issues, clock, flagged_runs};

/// Frames at or below this level are digital silence and left out of the noise floor, dBFS.
const DIGITAL_SILENCE_LIMIT_DBFS: f64 = -100.0;
/// A dropout needs the frames just before and after it at least this loud, dBFS.
const DROPOUT_NEIGHBOUR_DBFS: f32 = -40.0;
/// Percentile of frame levels read as the noise floor.
const NOISE_FLOOR_PERCENTILE: f64 = 10.0;
/// Percentile of frame levels read as the speech level.
const SPEECH_LEVEL_PERCENTILE: f64 = 95.0;

/// Audio section of `quality.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioQuality {
    /// Audio quality 0–100; `null` when there is no audio.
    pub score: Option<f64>,
    /// Why `score` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The measurements; `null` when there is no audio.
    pub metrics: Option<AudioQualityMetrics>,
    /// The sub-scores `score` is blended from; `null` when there is no audio.
    pub sub_scores: Option<AudioSubScores>,
}

impl AudioQuality {
    pub(crate) fn missing(reason: &str) -> Self {
        Self { score: None, reason: Some(reason.to_owned()), metrics: None, sub_scores: None }
    }
}

/// Audio measurements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioQualityMetrics {
    /// Length of the audio, seconds.
    pub duration_s: f64,
    /// Integrated loudness (ITU-R BS.1770-4 / EBU R128), LUFS; `null` when all of it is below the -70 LUFS gate.
    pub integrated_loudness_lufs: Option<f64>,
    /// Loudness range (EBU Tech 3342), LU.
    pub loudness_range_lu: Option<f64>,
    /// Largest sample magnitude, dBFS.
    pub peak_dbfs: f64,
    /// Fraction of samples with `|x| >= 0.99`.
    pub clipping_ratio: f64,
    /// Number of such samples.
    pub clipped_samples: u64,
    /// 10th percentile of the 20 ms frame RMS levels, digital silence left out, dBFS.
    pub noise_floor_dbfs: Option<f64>,
    /// 95th percentile of the frame RMS levels, dBFS.
    pub speech_level_dbfs: Option<f64>,
    /// `speech_level_dbfs - noise_floor_dbfs`, dB.
    pub snr_db: Option<f64>,
    /// Fraction of 20 ms frames below -50 dBFS RMS.
    pub silence_ratio: f64,
    /// Runs of 10 ms – 1 s of digital silence between frames at or above -40 dBFS.
    pub dropout_count: usize,
    /// Their total length, seconds.
    pub dropout_total_s: f64,
}

/// Audio sub-scores, each 0–100.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioSubScores {
    /// 100 for -26 to -14 LUFS, 0 at -50 and -5 LUFS (and when silent).
    pub loudness: SubScore,
    /// 100 up to 0.01 % clipped samples, 0 from 1 %, logarithmic between.
    pub clipping: SubScore,
    /// 100 from 30 dB SNR, 0 at 6 dB.
    pub noise: SubScore,
    /// 100 up to 80 % silent frames, 0 at 100 %.
    pub silence: SubScore,
    /// 100 without dropouts, 0 at 6 per minute.
    pub dropouts: SubScore,
}

pub(crate) fn assess(features: &AudioFeatures, issues: &mut Vec<Issue>) -> AudioQuality {
    if features.frame_rms_dbfs.is_empty() {
        return AudioQuality::missing("audio stream holds no samples");
    }
    let metrics = measure(features);
    let sub_scores = sub_scores(&metrics);
    let score = blend(&[
        (sub_scores.loudness.score, 1.0),
        (sub_scores.clipping.score, 1.0),
        (sub_scores.noise.score, 1.0),
        (sub_scores.silence.score, 1.0),
        (sub_scores.dropouts.score, 0.5),
    ]);
    issues.extend(find_issues(features, &metrics));
    AudioQuality { score, reason: None, metrics: Some(metrics), sub_scores: Some(sub_scores) }
}

fn measure(features: &AudioFeatures) -> AudioQualityMetrics {
    let levels: Vec<f64> = features.frame_rms_dbfs.iter().map(|&l| f64::from(l)).collect();
    let audible: Vec<f64> = levels.iter().copied().filter(|&l| l > DIGITAL_SILENCE_LIMIT_DBFS).collect();
    let noise_floor = percentile(&audible, NOISE_FLOOR_PERCENTILE);
    let speech_level = percentile(&audible, SPEECH_LEVEL_PERCENTILE);
    let silent = levels.iter().filter(|&&l| l < f64::from(SILENCE_DBFS)).count();
    let dropouts = dropouts(features);
    AudioQualityMetrics {
        duration_s: round_to(features.duration_s, 3),
        integrated_loudness_lufs: features.integrated_loudness_lufs.map(|l| round_to(l, 2)),
        loudness_range_lu: features.loudness_range_lu.map(|l| round_to(l, 2)),
        peak_dbfs: round_to(features.peak_dbfs, 2),
        clipping_ratio: round_to(features.clipped_sample_count as f64 / features.sample_count.max(1) as f64, 6),
        clipped_samples: features.clipped_sample_count,
        noise_floor_dbfs: noise_floor.map(|l| round_to(l, 2)),
        speech_level_dbfs: speech_level.map(|l| round_to(l, 2)),
        snr_db: noise_floor.zip(speech_level).map(|(n, s)| round_to(s - n, 2)),
        silence_ratio: round_to(silent as f64 / levels.len() as f64, 4),
        dropout_count: dropouts.len(),
        dropout_total_s: round_to(dropouts.iter().map(|d| d.1).sum(), 3),
    }
}

/// Dropouts as (start_s, duration_s): digital-silence runs whose neighbouring
/// whole frames, just before and just after, are at least -40 dBFS.
fn dropouts(features: &AudioFeatures) -> Vec<(f64, f64)> {
    let frame_s = features.frame_duration_s;
    let levels = &features.frame_rms_dbfs;
    let loud = |index: Option<usize>| index.and_then(|i| levels.get(i)).is_some_and(|&l| l >= DROPOUT_NEIGHBOUR_DBFS);
    features
        .digital_silence_runs
        .iter()
        .filter(|run| {
            let before = ((run.start_s / frame_s + 1e-9).floor() as usize).checked_sub(1);
            let after = ((run.start_s + run.duration_s) / frame_s - 1e-9).ceil() as usize;
            loud(before) && loud(Some(after))
        })
        .map(|run| (run.start_s, run.duration_s))
        .collect()
}

fn sub_scores(m: &AudioQualityMetrics) -> AudioSubScores {
    let minutes = (m.duration_s / 60.0).max(1.0 / 60.0);
    AudioSubScores {
        loudness: SubScore::from_option(
            m.integrated_loudness_lufs.map(|l| band(l, -50.0, -26.0, -14.0, -5.0)),
            "nothing passes the -70 LUFS gate: the audio is silent (the silence sub-score rates that)",
        ),
        clipping: SubScore::measured(log_ramp_down(m.clipping_ratio, 1e-4, 1e-2)),
        noise: SubScore::from_option(
            m.snr_db.map(|snr| ramp(snr, 6.0, 30.0)),
            "the audio is digital silence throughout",
        ),
        silence: SubScore::measured(ramp(m.silence_ratio, 1.0, 0.8)),
        dropouts: SubScore::measured(ramp(m.dropout_count as f64 / minutes, 6.0, 0.0)),
    }
}

fn find_issues(features: &AudioFeatures, m: &AudioQualityMetrics) -> Vec<Issue> {
    let mut issues = clipping_issues(features, m);
    issues.extend(silence_issues(features, m));
    issues.extend(level_issues(m));
    issues.extend(cap_issues(
        dropouts(features)
            .into_iter()
            .map(|(start_s, duration_s)| {
                let message = format!("Audio dropped out for {:.0} ms at {}", duration_s * 1000.0, clock(start_s));
                Issue::new("audio_dropout", Severity::Warning, start_s, start_s + duration_s, message)
            })
            .collect(),
        "dropouts",
    ));
    issues
}

fn frame_times(features: &AudioFeatures) -> Vec<f64> {
    (0..features.frame_rms_dbfs.len()).map(|i| features.frame_start_s(i)).collect()
}

/// Regions with clipped frames less than 2 s apart, each with the share of its frames that clip.
fn clipping_issues(features: &AudioFeatures, m: &AudioQualityMetrics) -> Vec<Issue> {
    let mut flags = vec![false; features.frame_rms_dbfs.len()];
    for clipped in &features.clipped_frames {
        if let Some(flag) = flags.get_mut(clipped.frame as usize) {
            *flag = true;
        }
    }
    let frame_s = features.frame_duration_s;
    let runs = flagged_runs(&frame_times(features), &flags, frame_s, 2.0, 0.0);
    let issues = runs
        .iter()
        .filter_map(|run| {
            let (first, last) = (features.frame_at(run.start_s), features.frame_at(run.end_s - frame_s / 2.0));
            let clipped = flags[first..=last].iter().filter(|&&f| f).count();
            if clipped < 2 && m.clipping_ratio < 1e-4 {
                return None;
            }
            let share = clipped as f64 / (last - first + 1) as f64;
            let severity = if share >= 0.2 { Severity::Critical } else { Severity::Warning };
            let message = if run.duration_s() < 1.0 {
                format!("Audio clipped at {}", clock(run.start_s))
            } else {
                format!(
                    "Audio clipped {:.0}% of the time between {} and {}",
                    (share * 100.0).max(1.0),
                    clock(run.start_s),
                    clock(run.end_s)
                )
            };
            Some(Issue::new("audio_clipping", severity, run.start_s, run.end_s, message))
        })
        .collect();
    cap_issues(issues, "clipping regions")
}

fn silence_issues(features: &AudioFeatures, m: &AudioQualityMetrics) -> Vec<Issue> {
    if m.silence_ratio >= 0.98 {
        let message = if m.silence_ratio >= 0.9999 {
            "Audio is silent for the whole recording".to_owned()
        } else {
            format!("Audio is silent {:.0}% of the time", m.silence_ratio * 100.0)
        };
        return vec![Issue::new("audio_silent", Severity::Critical, 0.0, m.duration_s, message)];
    }
    let flags: Vec<bool> = features.frame_rms_dbfs.iter().map(|&l| l < SILENCE_DBFS).collect();
    let runs = flagged_runs(&frame_times(features), &flags, features.frame_duration_s, 0.0, 60.0);
    let issues = runs
        .iter()
        .map(|run| {
            let message = format!("No sound between {} and {}", clock(run.start_s), clock(run.end_s));
            Issue::new("audio_long_silence", Severity::Info, run.start_s, run.end_s, message)
        })
        .collect();
    cap_issues(issues, "long silences")
}

fn level_issues(m: &AudioQualityMetrics) -> Vec<Issue> {
    let mut issues = Vec::new();
    let end_s = m.duration_s;
    match m.integrated_loudness_lufs {
        Some(l) if l < -35.0 => issues.push(Issue::new(
            "audio_too_quiet",
            Severity::Warning,
            0.0,
            end_s,
            format!("Audio is very quiet: {l:.1} LUFS, where speech is usually -26 to -14 LUFS"),
        )),
        Some(l) if l > -9.0 => issues.push(Issue::new(
            "audio_too_loud",
            Severity::Warning,
            0.0,
            end_s,
            format!("Audio is very loud: {l:.1} LUFS, where speech is usually -26 to -14 LUFS"),
        )),
        _ => {}
    }
    if let (Some(snr), Some(floor)) = (m.snr_db, m.noise_floor_dbfs)
        && snr < 15.0
        && m.silence_ratio < 0.98
    {
        let severity = if snr < 8.0 { Severity::Critical } else { Severity::Warning };
        let message = format!(
            "Background noise is high: the loudest sound is only {snr:.0} dB above the noise floor ({floor:.0} dBFS)"
        );
        issues.push(Issue::new("audio_noisy", severity, 0.0, end_s, message));
    }
    issues
}
