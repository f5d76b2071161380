//! A clean input must beat each degraded version of itself on the matching
//! sub-score and on the overall quality score.

use std::sync::LazyLock;

use super::*;
use crate::SubScore;
use crate::synthetic::*;

const SECONDS: f64 = 30.0;

static CLEAN_SAMPLES: LazyLock<Vec<f32>> = LazyLock::new(|| speech_like(SECONDS));
static CLEAN_AUDIO: LazyLock<AudioFeatures> = LazyLock::new(|| analyze(&CLEAN_SAMPLES));
static CLEAN_VIDEO: LazyLock<VideoFeatures> = LazyLock::new(|| video(20, 6_000, textured_frame));

fn score(sub: &SubScore) -> f64 {
    sub.score.unwrap_or_else(|| panic!("no score: {:?}", sub.reason))
}

fn audio_subs(report: &QualityReport) -> &AudioSubScores {
    report.audio.sub_scores.as_ref().unwrap()
}

fn video_subs(report: &QualityReport) -> &VideoSubScores {
    report.video.sub_scores.as_ref().unwrap()
}

fn quality_of(audio: &AudioFeatures, video: &VideoFeatures) -> QualityReport {
    score_quality(Ok(audio), Ok(video))
}

fn clean() -> QualityReport {
    quality_of(&CLEAN_AUDIO, &CLEAN_VIDEO)
}

fn assert_worse(clean: &QualityReport, degraded: &QualityReport, sub: fn(&QualityReport) -> &SubScore, what: &str) {
    let (c, d) = (score(sub(clean)), score(sub(degraded)));
    assert!(c > d + 10.0, "{what}: sub-score clean {c} vs degraded {d}");
    let (c, d) = (clean.score.unwrap(), degraded.score.unwrap());
    assert!(c > d, "{what}: overall clean {c} vs degraded {d}");
}

#[test]
fn clean_input_scores_high_and_has_no_warnings() {
    let report = clean();
    let audio = report.audio.metrics.as_ref().unwrap();
    assert!(report.score.unwrap() >= 80.0, "{report:#?}");
    assert!(report.audio.score.unwrap() >= 80.0, "{report:#?}");
    assert!(report.video.score.unwrap() >= 80.0, "{report:#?}");
    assert_eq!(audio.clipped_samples, 0);
    assert!(audio.snr_db.unwrap() > 30.0, "{audio:?}");
    let serious: Vec<&Issue> = report.issues.iter().filter(|i| i.severity != Severity::Info).collect();
    assert!(serious.is_empty(), "{serious:#?}");
}

#[test]
fn clipping_lowers_the_clipping_score() {
    let degraded = quality_of(&analyze(&clipped(&CLEAN_SAMPLES, 6.0)), &CLEAN_VIDEO);
    assert_worse(&clean(), &degraded, |r| &audio_subs(r).clipping, "clipped");
    let metrics = degraded.audio.metrics.as_ref().unwrap();
    assert!(metrics.clipping_ratio > 0.01, "{metrics:?}");
    let issue = degraded.issues.iter().find(|i| i.code == "audio_clipping").expect("clipping issue");
    assert!(issue.message.starts_with("Audio clipped"), "{issue:?}");
}

/// The speech segments of the clean signal, as a detector that hears speech through the noise
/// (Silero) would give them.
fn clean_speech() -> Vec<crate::SpeechSegment> {
    crate::detect_speech(&CLEAN_AUDIO)
}

#[test]
fn noise_at_0_db_snr_lowers_the_noise_score() {
    let segments = clean_speech();
    let heard = crate::DetectedSpeech { segments: &segments, vad: "test-vad" };
    let noisy = analyze(&with_noise_at_0_db(&CLEAN_SAMPLES));
    let degraded = score_quality_with_speech(Ok(&noisy), Some(heard), Ok(&CLEAN_VIDEO));
    assert_worse(&clean(), &degraded, |r| &audio_subs(r).noise, "noisy");
    assert!(degraded.issues.iter().any(|i| i.code == "audio_noisy"));
    assert_eq!(degraded.audio.metrics.as_ref().unwrap().speech_detector, "test-vad");
    // The energy detector loses the speech at 0 dB: the spread of the levels is measured instead,
    // and says so.
    let unheard = quality_of(&noisy, &CLEAN_VIDEO);
    assert_worse(&clean(), &unheard, |r| &audio_subs(r).noise, "noisy, energy detector");
    assert_eq!(unheard.audio.metrics.as_ref().unwrap().snr_method, "level_spread");
}

#[test]
fn silence_lowers_the_silence_score_and_leaves_loudness_unmeasured() {
    let degraded = quality_of(&analyze(&vec![0.0; CLEAN_SAMPLES.len()]), &CLEAN_VIDEO);
    assert_worse(&clean(), &degraded, |r| &audio_subs(r).silence, "silent");
    // Silence has no loudness: `null` with the reason, never a measured 0.
    let loudness = &audio_subs(&degraded).loudness;
    assert_eq!(loudness.score, None);
    assert!(loudness.reason.as_deref().unwrap().contains("silent"), "{loudness:?}");
    assert!(degraded.audio.score.unwrap() < clean().audio.score.unwrap());
    let metrics = degraded.audio.metrics.as_ref().unwrap();
    assert_eq!(metrics.integrated_loudness_lufs, None);
    assert_eq!(metrics.silence_ratio, 1.0);
    assert!(audio_subs(&degraded).noise.reason.is_some());
    assert!(degraded.issues.iter().any(|i| i.code == "audio_silent" && i.severity == Severity::Critical));
}

#[test]
fn dropouts_are_found_inside_speech_only() {
    let mut samples = vec![0.0f32; 16_000 * 4];
    for (i, x) in samples.iter_mut().enumerate() {
        *x = 0.3 * (i as f32 * 0.08).sin();
    }
    samples[16_000..16_800].fill(0.0); // 50 ms hole in a loud tone
    let report = quality_of(&analyze(&samples), &CLEAN_VIDEO);
    let metrics = report.audio.metrics.as_ref().unwrap();
    assert_eq!(metrics.dropout_count, 1);
    assert!((metrics.dropout_total_s - 0.05).abs() < 1e-3);
    let issue = report.issues.iter().find(|i| i.code == "audio_dropout").unwrap();
    assert_eq!(issue.message, "Audio dropped out for 50 ms at 00:01");
    // The pauses of clean speech are quiet, not holes: no dropouts.
    assert_eq!(clean().audio.metrics.unwrap().dropout_count, 0);
}

#[test]
fn darkening_lowers_the_brightness_score() {
    let degraded = quality_of(&CLEAN_AUDIO, &video(20, 6_000, |t| darkened(&textured_frame(t), 0.15)));
    assert_worse(&clean(), &degraded, |r| &video_subs(r).brightness, "dark");
    assert!(degraded.issues.iter().any(|i| i.code == "video_dark"), "{:#?}", degraded.issues);
}

#[test]
fn block_coding_lowers_the_compression_score_and_a_clean_picture_keeps_full_marks() {
    assert_eq!(score(&video_subs(&clean()).compression), 100.0);
    let degraded = quality_of(&CLEAN_AUDIO, &video(20, 6_000, |t| blocked(&textured_frame(t), 0.8)));
    assert_worse(&clean(), &degraded, |r| &video_subs(r).compression, "blocky");
    let metrics = degraded.video.metrics.unwrap().compression.unwrap();
    assert_eq!(metrics.frames_measured, 20);
    assert!(metrics.block_edge_factor > 1.3, "{metrics:?}");
}

#[test]
fn without_luma_at_coded_size_the_compression_score_is_null_with_its_reason() {
    let mut no_luma = CLEAN_VIDEO.clone();
    no_luma.compression.clear();
    let report = quality_of(&CLEAN_AUDIO, &no_luma);
    let subs = video_subs(&report);
    assert_eq!(subs.compression, SubScore::missing("the decoder gave no luma at the coded size"));
    let metrics = report.video.metrics.as_ref().unwrap();
    assert_eq!(metrics.compression_reason.as_deref(), Some("the decoder gave no luma at the coded size"));
    // A clean picture's full marks can only raise the blend of the other sub-scores.
    assert!(clean().video.score.unwrap() >= report.video.score.unwrap());
    no_luma.frames.clear();
    let report = quality_of(&CLEAN_AUDIO, &no_luma);
    assert_eq!(video_subs(&report).compression, SubScore::missing("no decoded frames were sampled"));
    let black = quality_of(&CLEAN_AUDIO, &video(20, 60, |_| vec![0u8; WIDTH * HEIGHT]));
    assert_eq!(video_subs(&black).compression, SubScore::missing("every sampled frame is black or covered"));
    let no_video = score_quality(Ok(&CLEAN_AUDIO), Err("recording has no video stream"));
    assert_eq!(no_video.video.sub_scores, None);
    assert_eq!(no_video.video.reason.as_deref(), Some("recording has no video stream"));
}

#[test]
fn blurring_lowers_the_sharpness_score() {
    let degraded = quality_of(&CLEAN_AUDIO, &video(20, 6_000, |t| box_blurred(&textured_frame(t), 3)));
    assert_worse(&clean(), &degraded, |r| &video_subs(r).sharpness, "blurred");
    assert!(degraded.issues.iter().any(|i| i.code == "video_blurry"), "{:#?}", degraded.issues);
}

#[test]
fn pixel_noise_lowers_the_noise_score() {
    let degraded = quality_of(&CLEAN_AUDIO, &video(20, 6_000, |t| with_pixel_noise(&textured_frame(t), 15.0)));
    assert_worse(&clean(), &degraded, |r| &video_subs(r).noise, "noisy video");
}

#[test]
fn a_repeated_frame_lowers_the_freezes_score() {
    let frozen_picture = textured_frame(0.0);
    let degraded = quality_of(&CLEAN_AUDIO, &video(20, 60, |_| frozen_picture.clone()));
    assert_worse(&clean(), &degraded, |r| &video_subs(r).freezes, "frozen");
    assert!(degraded.video.metrics.as_ref().unwrap().picture.as_ref().unwrap().frozen_ratio > 0.9);
    assert!(degraded.issues.iter().any(|i| i.code == "video_frozen"), "{:#?}", degraded.issues);
    // Without packets the pictures alone still show it.
    let mut no_packets = video(20, 60, |_| frozen_picture.clone());
    no_packets.packets.clear();
    assert!(score(&video_subs(&quality_of(&CLEAN_AUDIO, &no_packets)).freezes) < 10.0);
}

#[test]
fn a_black_picture_lowers_the_covered_score() {
    let degraded = quality_of(&CLEAN_AUDIO, &video(20, 60, |_| vec![0u8; WIDTH * HEIGHT]));
    assert_worse(&clean(), &degraded, |r| &video_subs(r).covered, "black");
    assert_eq!(degraded.video.metrics.as_ref().unwrap().picture.as_ref().unwrap().covered_ratio, 1.0);
    assert!(video_subs(&degraded).sharpness.reason.is_some());
    assert!(degraded.issues.iter().any(|i| i.code == "video_covered"));
}

#[test]
fn a_two_second_gap_in_packets_is_one_freeze_issue() {
    let mut video = CLEAN_VIDEO.clone();
    video.packets.retain(|p| !(5.0..7.0).contains(&p.pts_s.unwrap()));
    let report = quality_of(&CLEAN_AUDIO, &video);
    let timing = report.video.metrics.as_ref().unwrap().timing.clone().unwrap();
    assert_eq!(timing.freeze_count, 1);
    assert!((timing.freeze_total_s - (2.0 + 1.0 / 30.0)).abs() < 1e-3);
    let freezes: Vec<&Issue> = report.issues.iter().filter(|i| i.code == "video_freeze").collect();
    assert_eq!(freezes.len(), 1);
    assert_eq!(freezes[0].message, "Video froze for 2.0 s at 00:05");
    assert!(score(&video_subs(&report).freezes) < score(&video_subs(&clean()).freezes));
}

#[test]
fn an_unknown_duration_measures_freezes_over_the_packets_span() {
    let mut video = CLEAN_VIDEO.clone();
    video.packets.retain(|p| !(5.0..7.0).contains(&p.pts_s.unwrap()));
    let known = score(&video_subs(&quality_of(&CLEAN_AUDIO, &video)).freezes);
    video.duration_s = 0.0; // the container did not say
    let unknown = score(&video_subs(&quality_of(&CLEAN_AUDIO, &video)).freezes);
    assert!(unknown > 0.0, "2 s frozen in 20 s is not the whole recording frozen");
    assert!((unknown - known).abs() < 5.0, "{unknown} against {known} with the duration known");
}

#[test]
fn measured_frame_rate_is_thirty() {
    let report = clean();
    let timing = report.video.metrics.as_ref().unwrap().timing.clone().unwrap();
    assert!((timing.measured_fps - 30.0).abs() < 0.1, "{timing:?}");
}

#[test]
fn missing_inputs_are_null_with_reasons() {
    let report = score_quality(Err("recording has no audio stream"), Ok(&CLEAN_VIDEO));
    assert_eq!(report.audio.score, None);
    assert_eq!(report.audio.reason.as_deref(), Some("recording has no audio stream"));
    assert_eq!(report.score, report.video.score);
    assert!(report.issues.iter().any(|i| i.code == "audio_missing"));

    let none = score_quality(Err("no audio stream"), Err("no video stream"));
    assert_eq!(none.score, None);
    assert!(none.reason.unwrap().contains("no video stream"));
    let json = serde_json::to_value(score_quality(Err("no audio stream"), Err("no video stream"))).unwrap();
    assert!(json["score"].is_null());
    assert!(json["audio"]["score"].is_null());
    assert!(json["video"]["score"].is_null());
    assert_eq!(json["audio"]["reason"], "no audio stream");
}

#[test]
fn the_report_round_trips_through_json() {
    let report = clean();
    let json = serde_json::to_string(&report).unwrap();
    let back: QualityReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["score"].is_number());
    assert!(value["audio"]["score"].is_number());
    assert!(value["video"]["score"].is_number());
}

/// Active speech power of `samples` (mean square inside `segments`).
fn speech_power(samples: &[f32], segments: &[crate::SpeechSegment]) -> f64 {
    let rate = f64::from(RATE);
    let inside: Vec<f64> = segments
        .iter()
        .flat_map(|s| samples[(s.start_s * rate) as usize..((s.end_s * rate) as usize).min(samples.len())].iter())
        .map(|&x| f64::from(x).powi(2))
        .collect();
    inside.iter().sum::<f64>() / inside.len() as f64
}

#[test]
fn snr_is_speech_over_the_noise_between_words_at_known_ratios() {
    // The truth: the clean speech's power inside its speech segments over the power of the white
    // noise mixed in. The estimate sees only the mix.
    let clean = &*CLEAN_SAMPLES;
    let truth_power = speech_power(clean, &crate::detect_speech(&CLEAN_AUDIO));
    for snr_db in [10.0, 20.0, 30.0] {
        let sigma = (truth_power / 10f64.powf(snr_db / 10.0)).sqrt();
        let mixed: Vec<f32> =
            clean.iter().enumerate().map(|(i, &x)| (f64::from(x) + sigma * gaussian(42, i as u64)) as f32).collect();
        let report = quality_of(&analyze(&mixed), &CLEAN_VIDEO);
        let metrics = report.audio.metrics.as_ref().unwrap();
        let measured = metrics.snr_db.unwrap_or_else(|| panic!("{metrics:?}"));
        assert!((measured - snr_db).abs() <= 1.5, "true {snr_db} dB, measured {measured} dB: {metrics:?}");
        assert_eq!(metrics.speech_detector, "energy");
        // RMS against a full-scale sine (AES17).
        let noise_dbfs = 20.0 * sigma.log10() + crate::audio::level::SINE_RMS_OFFSET_DB;
        let floor = metrics.noise_floor_dbfs.unwrap();
        assert!((floor - noise_dbfs).abs() <= 1.0, "noise at {noise_dbfs:.1} dBFS, floor {floor}");
    }
}

#[test]
fn continuous_speech_without_pauses_is_not_read_as_noise() {
    // A voice that never pauses for long, in faint room noise (-70 dBFS): four syllables a second,
    // each ending in a 60 ms stop closure, and no pause between words. The old level-spread
    // measure read its syllables as noise; the quietest frame of each 1.5 s finds the room.
    let voice: Vec<f32> = (0..16_000 * 20)
        .map(|i| {
            let t = f64::from(i) / f64::from(RATE);
            let within = t % 0.25;
            let syllable = if within < 0.19 { (std::f64::consts::PI * within / 0.19).sin().powf(0.7) } else { 0.0 };
            (0.2 * syllable * (2.0 * std::f64::consts::PI * 160.0 * t).sin() + 0.000_3 * gaussian(3, i as u64)) as f32
        })
        .collect();
    let audio = analyze(&voice);
    let all_speech = [crate::SpeechSegment { start_s: 0.0, end_s: audio.duration_s }];
    let heard = crate::DetectedSpeech { segments: &all_speech, vad: "test-vad" };
    let report = score_quality_with_speech(Ok(&audio), Some(heard), Ok(&CLEAN_VIDEO));
    let metrics = report.audio.metrics.as_ref().unwrap();
    assert_eq!(metrics.snr_method, "speech_over_window_minima", "{metrics:?}");
    assert!(metrics.snr_db.unwrap() > 40.0, "{metrics:?}");
    assert!(!report.issues.iter().any(|i| i.code == "audio_noisy"), "{:?}", report.issues);
}
