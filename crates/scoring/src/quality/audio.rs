//! Audio quality: loudness, clipping, noise, silence and dropouts.

use serde::{Deserialize, Serialize};

use crate::audio::{SILENCE_DBFS, SpeechSegment, detect_speech};
use crate::engagement::DetectedSpeech;
use crate::report::SubScore;
use crate::scale::{band, blend, log_ramp_down, ramp, round_to};
use crate::stats::percentile;
use crate::timeline::{Issue, Severity, cap_issues, clock, flagged_runs};
use crate::{AudioFeatures, ENERGY_VAD};

/// Frames at or below this level are digital silence and left out of the noise floor, dBFS
/// (−100 dB RMS re full-scale square).
const DIGITAL_SILENCE_LIMIT_DBFS: f64 = -97.0;
/// A dropout needs the frames just before and after it at least this loud, dBFS (−40 dB RMS re
/// full-scale square).
const DROPOUT_NEIGHBOUR_DBFS: f32 = -37.0;
/// Frames this close to speech are neither speech nor noise (the VAD's edges, breaths).
const SPEECH_GUARD_S: f64 = 0.1;
/// Pause frames lie at most this far from speech; also the window of the minimum statistics.
const PAUSE_WINDOW_S: f64 = 1.5;
/// A dropout cuts the sound off and back in: the samples at both its edges reach this magnitude
/// (-40 dBFS), where a pause fades out and in.
const DROPOUT_CUT_LEVEL: f32 = 0.01;
/// Digital-silence runs shorter than this are not dropouts (the edge of a word, a codec's frame).
const MIN_DROPOUT_S: f64 = 0.03;
/// The dropouts sub-score reaches 0 when this share of the audio is missing.
const DROPOUT_SHARE_AT_ZERO: f64 = 0.02;
/// Least speech, and least pause between words, to measure a signal-to-noise ratio on, seconds.
const MIN_SPEECH_S: f64 = 0.5;
const MIN_PAUSE_S: f64 = 0.2;
/// Percentiles of the frame levels read as speech and noise when no speech was detected.
const SPREAD_HIGH_PERCENTILE: f64 = 95.0;
const SPREAD_LOW_PERCENTILE: f64 = 10.0;
/// The noise sub-score's ramp: 0 at this SNR, 100 from the next.
const NOISE_AT_ZERO_DB: f64 = 0.0;
const NOISE_AT_FULL_DB: f64 = 45.0;
/// The lowest signal-to-noise ratio reported: speech no stronger than the noise, dB.
const SNR_FLOOR_DB: f64 = -30.0;

/// Audio section of `quality.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// The noise between words: the median level of the 20 ms frames 0.1–1.5 s away from speech
    /// (digital silence counted as -100 dBFS), dBFS; see `snr_method` for talk without pauses.
    pub noise_floor_dbfs: Option<f64>,
    /// The active speech level: the mean power of the frames inside speech, dBFS; `null` without
    /// 0.5 s of speech.
    pub speech_level_dbfs: Option<f64>,
    /// Speech over the noise between words: the speech frames' power less the noise power, over
    /// the noise power, dB (at least -30); `null` when either is unmeasured.
    pub snr_db: Option<f64>,
    /// The voice activity detector that told speech from pauses (`silero-vad-…`, or `energy`).
    #[serde(default)]
    pub speech_detector: String,
    /// How `snr_db` was measured: `speech_over_pauses` (above); `speech_over_window_minima` when
    /// the speech leaves less than 0.2 s of pauses (the noise floor is then the median of the
    /// quietest frame of each 1.5 s); or `level_spread` when the detector found no speech at all
    /// (noise only, or speech lost in it): the 95th minus the 10th percentile of the frame levels.
    #[serde(default)]
    pub snr_method: String,
    /// Fraction of 20 ms frames below -50 dBFS RMS.
    pub silence_ratio: f64,
    /// Runs of 30 ms – 1 s of digital silence that cut the sound off and back in, between frames
    /// at or above -40 dBFS.
    pub dropout_count: usize,
    /// Their total length, seconds.
    pub dropout_total_s: f64,
}

/// Audio sub-scores, each 0–100.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AudioSubScores {
    /// 100 for -26 to -14 LUFS, 0 at -50 and -5 LUFS (and when silent).
    pub loudness: SubScore,
    /// 100 up to 0.01 % clipped samples, 0 from 1 %, logarithmic between.
    pub clipping: SubScore,
    /// 0 at 0 dB SNR, 100 from 45 dB (noise nobody hears), linear between.
    pub noise: SubScore,
    /// 100 up to 80 % silent frames, 0 at 100 %.
    pub silence: SubScore,
    /// 100 without dropouts, 0 when 2 % of the audio is missing in them.
    pub dropouts: SubScore,
}

pub(crate) fn assess(
    features: &AudioFeatures,
    speech: Option<DetectedSpeech<'_>>,
    issues: &mut Vec<Issue>,
) -> AudioQuality {
    if features.frame_rms_dbfs.is_empty() {
        return AudioQuality::missing("audio stream holds no samples");
    }
    let metrics = match speech {
        Some(found) => measure(features, found.segments, found.vad),
        None => measure(features, &detect_speech(features), ENERGY_VAD),
    };
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

fn measure(features: &AudioFeatures, speech: &[SpeechSegment], detector: &str) -> AudioQualityMetrics {
    let levels: Vec<f64> = features.frame_rms_dbfs.iter().map(|&l| f64::from(l)).collect();
    let mut split = split_by_speech(&levels, features.frame_duration_s, speech);
    let mut snr = split.snr_db();
    if split.speech_level_dbfs.is_none() && !speech.iter().any(|s| s.end_s > s.start_s) {
        // No speech at all: noise only, or speech the detector lost in the noise. The spread of
        // the levels is all there is to go on.
        let audible: Vec<f64> = levels.iter().copied().filter(|&l| l > DIGITAL_SILENCE_LIMIT_DBFS).collect();
        split = SpeechSplit {
            speech_level_dbfs: percentile(&audible, SPREAD_HIGH_PERCENTILE),
            noise_floor_dbfs: percentile(&audible, SPREAD_LOW_PERCENTILE),
            method: "level_spread",
        };
        snr = split.speech_level_dbfs.zip(split.noise_floor_dbfs).map(|(s, n)| s - n);
    }
    let silent = levels.iter().filter(|&&l| l < f64::from(SILENCE_DBFS)).count();
    let dropouts = dropouts(features);
    AudioQualityMetrics {
        duration_s: round_to(features.duration_s, 3),
        integrated_loudness_lufs: features.integrated_loudness_lufs.map(|l| round_to(l, 2)),
        loudness_range_lu: features.loudness_range_lu.map(|l| round_to(l, 2)),
        peak_dbfs: round_to(features.peak_dbfs, 2),
        clipping_ratio: round_to(features.clipped_sample_count as f64 / features.sample_count.max(1) as f64, 6),
        clipped_samples: features.clipped_sample_count,
        noise_floor_dbfs: split.noise_floor_dbfs.map(|l| round_to(l, 2)),
        speech_level_dbfs: split.speech_level_dbfs.map(|l| round_to(l, 2)),
        snr_db: snr.map(|v| round_to(v, 2)),
        speech_detector: detector.to_owned(),
        snr_method: split.method.to_owned(),
        silence_ratio: round_to(silent as f64 / levels.len() as f64, 4),
        dropout_count: dropouts.len(),
        dropout_total_s: round_to(dropouts.iter().map(|d| d.1).sum(), 3),
    }
}

/// The frames' levels told apart by the speech segments.
struct SpeechSplit {
    speech_level_dbfs: Option<f64>,
    noise_floor_dbfs: Option<f64>,
    /// How the noise floor was found (`snr_method`).
    method: &'static str,
}

impl SpeechSplit {
    fn snr_db(&self) -> Option<f64> {
        let (speech, noise) = (self.speech_level_dbfs?, self.noise_floor_dbfs?);
        let (speech, noise) = (10f64.powf(speech / 10.0), 10f64.powf(noise / 10.0));
        Some((10.0 * ((speech - noise) / noise).log10()).max(SNR_FLOOR_DB))
    }
}

/// Speech frames (centre inside a segment) and pause frames (at least [`SPEECH_GUARD_S`] from
/// every segment and at most [`PAUSE_WINDOW_S`] from one: the pauses between words, not a long
/// muted stretch). Digital silence is left out of speech and counts as -100 dBFS in a pause.
fn split_by_speech(levels: &[f64], frame_s: f64, speech: &[SpeechSegment]) -> SpeechSplit {
    let mut in_speech = Vec::new();
    let mut pauses = Vec::new();
    let mut next = 0;
    for (i, &level) in levels.iter().enumerate() {
        let centre = (i as f64 + 0.5) * frame_s;
        while next < speech.len() && speech[next].end_s + PAUSE_WINDOW_S < centre {
            next += 1;
        }
        let distance = speech[next..]
            .iter()
            .take_while(|s| s.start_s - PAUSE_WINDOW_S <= centre)
            .map(|s| if centre < s.start_s { s.start_s - centre } else { (centre - s.end_s).max(0.0) })
            .fold(f64::INFINITY, f64::min);
        if distance == 0.0 {
            if level > DIGITAL_SILENCE_LIMIT_DBFS {
                in_speech.push(level);
            }
        } else if (SPEECH_GUARD_S..=PAUSE_WINDOW_S).contains(&distance) {
            pauses.push(level.max(DIGITAL_SILENCE_LIMIT_DBFS));
        }
    }
    let enough = |frames: &[f64], seconds: f64| frames.len() as f64 * frame_s >= seconds;
    let mean_power_db = |frames: &[f64]| {
        10.0 * (frames.iter().map(|l| 10f64.powf(l / 10.0)).sum::<f64>() / frames.len() as f64).log10()
    };
    let (noise_floor_dbfs, method) = if enough(&pauses, MIN_PAUSE_S) {
        (percentile(&pauses, 50.0), "speech_over_pauses")
    } else {
        (window_minima(levels, frame_s), "speech_over_window_minima")
    };
    SpeechSplit {
        speech_level_dbfs: enough(&in_speech, MIN_SPEECH_S).then(|| mean_power_db(&in_speech)),
        noise_floor_dbfs,
        method,
    }
}

/// The noise under speech that never pauses for long (minimum statistics): the median, over
/// windows of [`PAUSE_WINDOW_S`], of each window's quietest frame — within a second and a half
/// of talk there is always a gap between syllables that falls to the noise.
fn window_minima(levels: &[f64], frame_s: f64) -> Option<f64> {
    let per_window = ((PAUSE_WINDOW_S / frame_s).round() as usize).max(1);
    if levels.len() < per_window {
        return None;
    }
    let minima: Vec<f64> = levels
        .chunks(per_window)
        .filter(|w| w.len() == per_window)
        .map(|w| w.iter().copied().fold(f64::INFINITY, f64::min).max(DIGITAL_SILENCE_LIMIT_DBFS))
        .collect();
    percentile(&minima, 50.0)
}

/// Dropouts as (start_s, duration_s): digital-silence runs of at least 30 ms that cut the sound
/// off and back in (both edges at -40 dBFS or more) and whose neighbouring whole frames, just
/// before and just after, are at least -40 dBFS.
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
            run.duration_s >= MIN_DROPOUT_S
                && run.cut_in.min(run.cut_out) >= DROPOUT_CUT_LEVEL
                && loud(before)
                && loud(Some(after))
        })
        .map(|run| (run.start_s, run.duration_s))
        .collect()
}

fn sub_scores(m: &AudioQualityMetrics) -> AudioSubScores {
    AudioSubScores {
        loudness: SubScore::from_option(
            m.integrated_loudness_lufs.map(|l| band(l, -50.0, -26.0, -14.0, -5.0)),
            "nothing passes the -70 LUFS gate: the audio is silent (the silence sub-score rates that)",
        ),
        clipping: SubScore::measured(log_ramp_down(m.clipping_ratio, 1e-4, 1e-2)),
        noise: SubScore::from_option(m.snr_db.map(|snr| ramp(snr, NOISE_AT_ZERO_DB, NOISE_AT_FULL_DB)), snr_missing(m)),
        silence: SubScore::measured(ramp(m.silence_ratio, 1.0, 0.8)),
        dropouts: SubScore::measured(ramp(
            m.dropout_total_s / m.duration_s.max(f64::EPSILON),
            DROPOUT_SHARE_AT_ZERO,
            0.0,
        )),
    }
}

/// Why there is no signal-to-noise ratio.
fn snr_missing(m: &AudioQualityMetrics) -> &'static str {
    match (m.speech_level_dbfs, m.noise_floor_dbfs) {
        _ if m.silence_ratio >= 1.0 && m.integrated_loudness_lufs.is_none() => {
            "the audio is digital silence throughout"
        }
        (None, _) => "less than half a second of speech to measure against the noise",
        _ => "the recording is too short to find the noise under its speech",
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
            "Background noise is high: speech is only {snr:.0} dB above the noise between words ({floor:.0} dBFS)"
        );
        issues.push(Issue::new("audio_noisy", severity, 0.0, end_s, message));
    }
    issues
}
