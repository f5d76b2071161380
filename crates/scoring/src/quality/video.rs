//! Video quality: resolution, frame rate, freezes, covered camera,
//! exposure, contrast, sharpness, noise and compression damage.

use serde::{Deserialize, Serialize};

use super::video_compression::{CompressionMetrics, compression_metrics, compression_score};
use crate::VideoFeatures;
use crate::report::SubScore;
use crate::scale::{band, blend, ramp, round_to};
use crate::stats::{mean, median};
use crate::timeline::{Issue, Severity, cap_issues, clock, flagged_runs};
use crate::video::{FrameStats, FrameTiming, FreezeDetector, FreezeKind, FrozenFrameDetector, frame_times_s};

/// Video section of `quality.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VideoQuality {
    /// Video quality 0–100; `null` when there is no video.
    pub score: Option<f64>,
    /// Why `score` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The measurements; `null` when there is no video.
    pub metrics: Option<VideoQualityMetrics>,
    /// The sub-scores `score` is blended from; `null` when there is no video.
    pub sub_scores: Option<VideoSubScores>,
}

impl VideoQuality {
    pub(crate) fn missing(reason: &str) -> Self {
        Self { score: None, reason: Some(reason.to_owned()), metrics: None, sub_scores: None }
    }
}

/// Video measurements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VideoQualityMetrics {
    /// Coded width, pixels.
    pub width: u32,
    /// Coded height, pixels.
    pub height: u32,
    /// Frame rate the container declares, fps.
    pub declared_fps: Option<f64>,
    /// From packet timestamps; `null` without at least two timestamped packets.
    pub timing: Option<TimingMetrics>,
    /// Why `timing` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing_reason: Option<String>,
    /// From sampled decoded frames; `null` when none were sampled.
    pub picture: Option<PictureMetrics>,
    /// Why `picture` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture_reason: Option<String>,
    /// From the sampled frames' luma at its coded size; `null` when no frame was measured.
    pub compression: Option<CompressionMetrics>,
    /// Why `compression` is `null`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression_reason: Option<String>,
}

/// Frame timing measured from packet timestamps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TimingMetrics {
    /// Frames with a timestamp.
    pub frame_count: usize,
    /// `(frame_count - 1) / (last - first timestamp)`, fps.
    pub measured_fps: f64,
    /// Standard deviation of the frame interval, freezes and pauses left out, milliseconds.
    pub frame_interval_std_ms: f64,
    /// Coefficient of variation of the frame interval, freezes and pauses left out (0 = perfectly steady).
    pub frame_interval_cv: f64,
    /// Freezes (W3C webrtc-stats: interval >= max(3 × avg, avg + 150 ms), at most 5 s).
    pub freeze_count: usize,
    /// Their total length, seconds.
    pub freeze_total_s: f64,
    /// Pauses (no frame for more than 5 s).
    pub pause_count: usize,
    /// Their total length, seconds.
    pub pause_total_s: f64,
}

/// Picture measurements over sampled frames.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PictureMetrics {
    /// Sampled frames.
    pub frames_sampled: usize,
    /// Fraction of sampled frames that repeat the previous one (content-based frozen).
    pub frozen_ratio: f64,
    /// Fraction of sampled frames that are black or covered.
    pub covered_ratio: f64,
    /// Mean luma over all sampled frames, 0–255.
    pub mean_luma: f64,
    /// Mean fraction of pixels with luma <= 20.
    pub underexposed_ratio: f64,
    /// Mean fraction of pixels with luma >= 235.
    pub overexposed_ratio: f64,
    /// Mean standard deviation of luma, 0–255.
    pub contrast: f64,
    /// Median noise-corrected variance of the Laplacian over frames that are not covered, luma².
    pub sharpness: Option<f64>,
    /// Median Immerkær noise sigma over frames that are not covered, luma levels.
    pub noise_sigma: Option<f64>,
}

/// Video sub-scores, each 0–100.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VideoSubScores {
    /// Shorter side: 0 at 144 px, 100 from 720 px.
    pub resolution: SubScore,
    /// 75 % measured fps (0 at 5, 100 from 24) + 25 % steadiness (100 up to CV 0.1, 0 from 0.5).
    pub frame_rate: SubScore,
    /// Frozen share of the time (the larger of timestamp freezes and content-frozen frames): 100 up to 1 %, 0 from 30 %.
    pub freezes: SubScore,
    /// Covered share of sampled frames: 100 at 0, 0 from 50 %.
    pub covered: SubScore,
    /// Mean per-frame exposure score (mean luma 70–180 and few clipped pixels).
    pub brightness: SubScore,
    /// Mean per-frame score of luma std: 0 at 5, 100 from 35.
    pub contrast: SubScore,
    /// Sharpness, logarithmic: 0 at 5, 100 from 150 luma².
    pub sharpness: SubScore,
    /// Noise sigma: 100 up to 3, 0 from 12 luma levels.
    pub noise: SubScore,
    /// Block coding showing: 100 up to a block-edge factor of 1.05, 0 from 1.3.
    pub compression: SubScore,
}

pub(crate) fn assess(features: &VideoFeatures, issues: &mut Vec<Issue>) -> VideoQuality {
    let times = frame_times_s(&features.packets);
    let timing = FrameTiming::measure(&times);
    let freezes = FreezeDetector::detect(&times);
    if timing.is_none() && features.frames.is_empty() {
        return VideoQuality::missing("the video stream has neither packet timestamps nor sampled frames");
    }
    let frozen = FrozenFrameDetector::default().flags(features);
    let timing_metrics = timing.as_ref().map(|t| timing_metrics(t, &freezes));
    let picture = picture_metrics(&features.frames, &frozen);
    let compression = compression_metrics(&visible_compression(features));
    let metrics = VideoQualityMetrics {
        width: features.width,
        height: features.height,
        declared_fps: features.declared_fps,
        timing_reason: timing_metrics.is_none().then(|| "fewer than two packets carry a timestamp".to_owned()),
        timing: timing_metrics,
        picture_reason: picture.is_none().then(|| "no decoded frames were sampled".to_owned()),
        picture,
        compression_reason: compression.is_none().then(|| compression_reason(features).to_owned()),
        compression,
    };
    let sub_scores = sub_scores(features, &metrics);
    let score = blend(&[
        (sub_scores.resolution.score, 0.5),
        (sub_scores.frame_rate.score, 1.0),
        (sub_scores.freezes.score, 1.0),
        (sub_scores.covered.score, 1.0),
        (sub_scores.brightness.score, 1.0),
        (sub_scores.contrast.score, 0.5),
        (sub_scores.sharpness.score, 1.0),
        (sub_scores.noise.score, 0.5),
        (sub_scores.compression.score, 1.0),
    ]);
    issues.extend(timing_issues(&metrics, &freezes));
    issues.extend(picture_issues(features, &frozen));
    VideoQuality { score, reason: None, metrics: Some(metrics), sub_scores: Some(sub_scores) }
}

fn timing_metrics(timing: &FrameTiming, freezes: &[crate::video::Freeze]) -> TimingMetrics {
    let total = |kind| freezes.iter().filter(|f| f.kind == kind).map(|f| f.duration_s).sum::<f64>();
    let count = |kind| freezes.iter().filter(|f| f.kind == kind).count();
    TimingMetrics {
        frame_count: timing.frame_count,
        measured_fps: round_to(timing.measured_fps, 3),
        frame_interval_std_ms: round_to(timing.frame_duration_std_s * 1000.0, 2),
        frame_interval_cv: round_to(timing.frame_duration_cv, 4),
        freeze_count: count(FreezeKind::Freeze),
        freeze_total_s: round_to(total(FreezeKind::Freeze), 3),
        pause_count: count(FreezeKind::Pause),
        pause_total_s: round_to(total(FreezeKind::Pause), 3),
    }
}

fn picture_metrics(frames: &[FrameStats], frozen: &[bool]) -> Option<PictureMetrics> {
    if frames.is_empty() {
        return None;
    }
    let n = frames.len() as f64;
    let avg = |f: fn(&FrameStats) -> f32| frames.iter().map(|s| f64::from(f(s))).sum::<f64>() / n;
    let visible: Vec<&FrameStats> = frames.iter().filter(|f| !f.is_covered()).collect();
    let sharpness: Vec<f64> = visible.iter().map(|f| f64::from(f.sharpness())).collect();
    let noise: Vec<f64> = visible.iter().map(|f| f64::from(f.noise_sigma)).collect();
    Some(PictureMetrics {
        frames_sampled: frames.len(),
        frozen_ratio: round_to(frozen.iter().filter(|&&f| f).count() as f64 / n, 4),
        covered_ratio: round_to((frames.len() - visible.len()) as f64 / n, 4),
        mean_luma: round_to(avg(|f| f.mean_luma), 2),
        underexposed_ratio: round_to(avg(|f| f.underexposed_ratio), 4),
        overexposed_ratio: round_to(avg(|f| f.overexposed_ratio), 4),
        contrast: round_to(avg(|f| f.std_luma), 2),
        sharpness: median(&sharpness).map(|s| round_to(s, 2)),
        noise_sigma: median(&noise).map(|s| round_to(s, 3)),
    })
}

/// Exposure score of one frame: its mean luma in 70–180 and few crushed or blown pixels.
pub(crate) fn frame_brightness_score(frame: &FrameStats) -> f64 {
    let level = band(f64::from(frame.mean_luma), 20.0, 70.0, 180.0, 245.0);
    let crushed = ramp(f64::from(frame.underexposed_ratio), 0.8, 0.2);
    let blown = ramp(f64::from(frame.overexposed_ratio), 0.5, 0.05);
    level.min(crushed).min(blown)
}

/// Sharpness score of a noise-corrected Laplacian variance.
pub(crate) fn sharpness_score(sharpness: f64) -> f64 {
    ramp((1.0 + sharpness).log10(), 6f64.log10(), 151f64.log10())
}

fn sub_scores(features: &VideoFeatures, m: &VideoQualityMetrics) -> VideoSubScores {
    let short_side = f64::from(features.width.min(features.height));
    let resolution = if short_side > 0.0 {
        SubScore::measured(ramp(short_side, 144.0, 720.0))
    } else {
        SubScore::missing("the stream does not state its resolution")
    };
    let frame_rate = SubScore::from_option(
        m.timing.as_ref().map(|t| 0.75 * ramp(t.measured_fps, 5.0, 24.0) + 0.25 * ramp(t.frame_interval_cv, 0.5, 0.1)),
        "fewer than two packets carry a timestamp",
    );
    // The share of time frozen: over the declared duration, or, when the container does not
    // state one, over the span the packets' timestamps cover; without either there is no share.
    let freeze_share = m.timing.as_ref().and_then(|t| {
        let packet_span_s = (t.measured_fps > 0.0).then(|| (t.frame_count.saturating_sub(1)) as f64 / t.measured_fps);
        let span_s = Some(features.duration_s).filter(|d| *d > 0.0).or(packet_span_s).filter(|s| *s > 0.0)?;
        Some((t.freeze_total_s / span_s).min(1.0))
    });
    let frozen_share = m.picture.as_ref().map(|p| p.frozen_ratio);
    let worst_share = match (freeze_share, frozen_share) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0).max(b.unwrap_or(0.0))),
    };
    let no_frames = "no decoded frames were sampled";
    let frames = &features.frames;
    let visible = m.picture.as_ref().is_some_and(|p| p.covered_ratio < 1.0);
    let covered_reason = if frames.is_empty() { no_frames } else { "every sampled frame is black or covered" };
    VideoSubScores {
        resolution,
        frame_rate,
        freezes: SubScore::from_option(worst_share.map(|s| ramp(s, 0.3, 0.01)), "no timestamps and no sampled frames"),
        covered: SubScore::from_option(m.picture.as_ref().map(|p| ramp(p.covered_ratio, 0.5, 0.0)), no_frames),
        brightness: SubScore::from_option(
            mean(&frames.iter().map(frame_brightness_score).collect::<Vec<_>>()),
            no_frames,
        ),
        contrast: SubScore::from_option(
            mean(&frames.iter().map(|f| ramp(f64::from(f.std_luma), 5.0, 35.0)).collect::<Vec<_>>()),
            no_frames,
        ),
        sharpness: SubScore::from_option(
            m.picture.as_ref().and_then(|p| p.sharpness).filter(|_| visible).map(sharpness_score),
            covered_reason,
        ),
        noise: SubScore::from_option(
            m.picture.as_ref().and_then(|p| p.noise_sigma).filter(|_| visible).map(|s| ramp(s, 12.0, 3.0)),
            covered_reason,
        ),
        compression: compression_score(m.compression.as_ref(), m.compression_reason.as_deref().unwrap_or_default()),
    }
}

/// The compression measures of the frames that are not black or covered (a flat picture shows
/// no blocks, and says nothing of the coding).
fn visible_compression(features: &VideoFeatures) -> Vec<crate::video::CompressionStats> {
    let covered: Vec<f64> = features.frames.iter().filter(|f| f.is_covered()).map(|f| f.time_s).collect();
    features.compression.iter().filter(|c| !covered.contains(&c.time_s)).cloned().collect()
}

/// Why no frame was measured for compression.
fn compression_reason(features: &VideoFeatures) -> &'static str {
    if features.frames.is_empty() {
        "no decoded frames were sampled"
    } else if features.compression.is_empty() {
        "the decoder gave no luma at the coded size"
    } else {
        "every sampled frame is black or covered"
    }
}

fn timing_issues(m: &VideoQualityMetrics, freezes: &[crate::video::Freeze]) -> Vec<Issue> {
    let mut issues: Vec<Issue> = Vec::new();
    let short_side = m.width.min(m.height);
    if short_side > 0 && short_side < 360 {
        let message = format!("Video resolution is low ({}×{})", m.width, m.height);
        issues.push(Issue::new("video_low_resolution", Severity::Info, 0.0, 0.0, message));
    }
    if let Some(t) = &m.timing {
        if t.measured_fps < 15.0 {
            let message = format!("Video frame rate is low: {:.1} frames per second", t.measured_fps);
            issues.push(Issue::new("video_low_frame_rate", Severity::Warning, 0.0, 0.0, message));
        }
        if t.frame_interval_cv > 0.5 {
            let message =
                format!("Video frame rate is irregular (frame interval varies by {:.0} ms)", t.frame_interval_std_ms);
            issues.push(Issue::new("video_irregular_frame_rate", Severity::Info, 0.0, 0.0, message));
        }
    }
    let (freeze_events, pause_events): (Vec<_>, Vec<_>) = freezes.iter().partition(|f| f.kind == FreezeKind::Freeze);
    let to_issue = |f: &&crate::video::Freeze| {
        let end_s = f.start_s + f.duration_s;
        match f.kind {
            FreezeKind::Freeze => Issue::new(
                "video_freeze",
                Severity::Warning,
                f.start_s,
                end_s,
                format!("Video froze for {:.1} s at {}", f.duration_s, clock(f.start_s)),
            ),
            FreezeKind::Pause => Issue::new(
                "video_pause",
                Severity::Info,
                f.start_s,
                end_s,
                format!("No video frames for {:.0} s from {} (camera off or paused)", f.duration_s, clock(f.start_s)),
            ),
        }
    };
    issues.extend(cap_issues(freeze_events.iter().map(to_issue).collect(), "freezes"));
    issues.extend(cap_issues(pause_events.iter().map(to_issue).collect(), "pauses"));
    issues
}

/// Runs of sampled frames with a given condition, as issues.
fn frame_run_issues(
    frames: &[FrameStats],
    flags: &[bool],
    code: &str,
    severity: Severity,
    describe: &dyn Fn(&str, &str) -> String,
) -> Vec<Issue> {
    let times: Vec<f64> = frames.iter().map(|f| f.time_s).collect();
    let intervals: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let step_s = median(&intervals).unwrap_or(0.0);
    let runs = flagged_runs(&times, flags, step_s, step_s * 1.5, 2.0_f64.min(step_s * 2.0).max(1e-9));
    let issues = runs
        .iter()
        .map(|run| Issue::new(code, severity, run.start_s, run.end_s, describe(&clock(run.start_s), &clock(run.end_s))))
        .collect();
    cap_issues(issues, code)
}

/// Per sampled frame, the picture conditions the issues and the timeline report.
pub(crate) struct PictureFlags {
    pub covered: Vec<bool>,
    /// A frozen flag marks both frames of a repeating pair: the picture stood still from the earlier one.
    pub frozen_span: Vec<bool>,
    pub dark: Vec<bool>,
    pub bright: Vec<bool>,
    pub blurry: Vec<bool>,
    pub noisy: Vec<bool>,
}

pub(crate) fn picture_flags(frames: &[FrameStats], frozen: &[bool]) -> PictureFlags {
    let covered: Vec<bool> = frames.iter().map(FrameStats::is_covered).collect();
    let mut frozen_span = frozen.to_vec();
    for i in 1..frozen.len() {
        if frozen[i] {
            frozen_span[i - 1] = true;
        }
    }
    let dark = frames.iter().zip(&covered).map(|(f, &c)| !c && f.mean_luma < 50.0).collect();
    let bright = frames.iter().map(|f| f.overexposed_ratio > 0.25).collect();
    let blurry =
        frames.iter().zip(&covered).map(|(f, &c)| !c && sharpness_score(f64::from(f.sharpness())) < 30.0).collect();
    let noisy = frames.iter().zip(&covered).map(|(f, &c)| !c && f.noise_sigma > 9.0).collect();
    PictureFlags { covered, frozen_span, dark, bright, blurry, noisy }
}

fn picture_issues(features: &VideoFeatures, frozen: &[bool]) -> Vec<Issue> {
    let frames = &features.frames;
    if frames.is_empty() {
        return Vec::new();
    }
    let PictureFlags { covered, frozen_span, dark, bright, blurry, noisy } = picture_flags(frames, frozen);
    let mut issues = frame_run_issues(frames, &frozen_span, "video_frozen", Severity::Warning, &|a, b| {
        format!("Video showed the same picture from {a} to {b}")
    });
    issues.extend(frame_run_issues(frames, &covered, "video_covered", Severity::Warning, &|a, b| {
        format!("Camera was covered or showed black from {a} to {b}")
    }));
    issues.extend(frame_run_issues(frames, &dark, "video_dark", Severity::Warning, &|a, b| {
        format!("Picture was too dark from {a} to {b}")
    }));
    issues.extend(frame_run_issues(frames, &bright, "video_overexposed", Severity::Warning, &|a, b| {
        format!("Picture was overexposed (washed out) from {a} to {b}")
    }));
    issues.extend(frame_run_issues(frames, &blurry, "video_blurry", Severity::Warning, &|a, b| {
        format!("Picture was blurry from {a} to {b}")
    }));
    issues.extend(frame_run_issues(frames, &noisy, "video_noisy", Severity::Info, &|a, b| {
        format!("Picture was grainy (visible noise) from {a} to {b}")
    }));
    issues
}
