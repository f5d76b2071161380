//! Suspicious behaviour and AI-bot signs from measurements the pipeline already has: quality
//! issues (covered, frozen, paused video), sampled-frame thumbnails and voice prosody.

use serde_json::json;
use session_scoring::{EngagementReport, QualityReport, VideoFeatures, thumbnail_difference};

use crate::{
    CategoryAssessment, DetectorInfo, Evidence, SafetyCategory, SafetyDecision, SafetyEvent, SafetySource, SecondVoice,
};

/// Thresholds of the signal detectors.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalThresholds {
    /// Suspicious-behaviour flag threshold (0..1).
    pub suspicious_behavior: f64,
    /// AI-bot flag threshold (0..1).
    pub ai_bot: f64,
    /// Shortest covered / frozen / paused stretch that becomes an event, seconds.
    pub min_stretch_s: f64,
}

impl Default for SignalThresholds {
    fn default() -> Self {
        SignalThresholds { suspicious_behavior: 0.5, ai_bot: 0.7, min_stretch_s: 10.0 }
    }
}

/// Detector version for everything in this module.
const SIGNALS_VERSION: &str = "1";
/// Quality issue codes that mean the participant could not be seen.
const HIDDEN_VIDEO_CODES: [&str; 4] = ["video_covered", "video_frozen", "video_freeze", "video_pause"];
/// Seconds at which a hidden stretch scores 1 - 1/e.
const STRETCH_SCALE_S: f64 = 30.0;
/// Mean thumbnail change below which two sampled frames show no motion at all, luma levels.
const STILL_MEAN_ABS: f64 = 0.3;
/// …and no thumbnail cell may differ by more than this for a repeat, luma levels.
const REPEAT_MAX_CELL: u8 = 3;
/// Voice pitch spread below which speech sounds synthetic, semitones (people: about 2–5).
const FLAT_PITCH_SEMITONES: f64 = 1.0;
/// Voiced 40 ms hops needed before prosody is trusted (8 s of voiced speech).
const MIN_VOICED_HOPS: usize = 200;

/// The detector info of signal detector `name` (`signals/<name>`), as events name it.
pub fn signal_detector(name: &str) -> DetectorInfo {
    DetectorInfo { id: format!("signals/{name}"), version: SIGNALS_VERSION.into() }
}

/// How suspicious a covered / frozen / frameless stretch of `length_s` is in a recording of
/// `duration_s` (0 when unknown, as in realtime): `max(1 - exp(-length / 30 s), length / duration)`,
/// the second term only for recordings of 10 s or more.
pub fn stretch_score(length_s: f64, duration_s: f64) -> f64 {
    let by_length = 1.0 - (-length_s.max(0.0) / STRETCH_SCALE_S).exp();
    let by_share = if duration_s >= 10.0 { length_s / duration_s } else { 0.0 };
    (by_length.max(by_share).clamp(0.0, 1.0) * 1e4).round() / 1e4
}

/// Suspicious behaviour: the camera covered or black, the picture frozen or no frames at all,
/// for stretches of at least `min_stretch_s`. A stretch scores `max(1 - exp(-d / 30 s), d / D)`
/// for a stretch of d seconds in a recording of D seconds: 21 s or half the session flag at 0.5.
/// `voices` (from [`crate::second_voice`] on the track's pitch) adds a second voice in a track
/// that should carry one person; `Err(reason)` where one voice is not expected (the reason is
/// reported as `signals.second_voice_reason`).
pub fn suspicious_behavior(
    quality: &QualityReport,
    voices: Result<Option<&SecondVoice>, &str>,
    duration_s: f64,
    participant: Option<&str>,
    thresholds: &SignalThresholds,
) -> CategoryAssessment {
    let category = SafetyCategory::SuspiciousBehavior;
    let threshold = thresholds.suspicious_behavior;
    let (voices, voices_reason) = match voices {
        Ok(voices) => (voices, None),
        Err(reason) => (None, Some(reason)),
    };
    if quality.video.metrics.is_none() && voices.is_none() {
        let reason = quality.video.reason.clone().unwrap_or_else(|| "the video could not be analysed".into());
        let voices = voices_reason.map_or_else(
            || "too little voiced speech to compare voices".to_string(),
            |why| format!("second voice {why}"),
        );
        return CategoryAssessment::unavailable(category, threshold, format!("no video signals ({reason}); {voices}"));
    }
    let info = signal_detector("hidden-video");
    let mut best = 0.0f64;
    let mut events = Vec::new();
    let mut stretches = Vec::new();
    for issue in quality.issues.iter().filter(|i| HIDDEN_VIDEO_CODES.contains(&i.code.as_str())) {
        // A summary of many short stretches is as long as the longest of them, not first to last.
        let length = issue.longest_s();
        if length < thresholds.min_stretch_s {
            continue;
        }
        let score = stretch_score(length, duration_s);
        best = best.max(score);
        stretches.push(json!({"code": issue.code, "start_s": issue.start_s, "end_s": issue.end_s, "score": score}));
        if SafetyDecision::from_score(score, threshold) == SafetyDecision::Flagged {
            let details = json!({"signal": issue.code, "start_s": issue.start_s, "end_s": issue.end_s,
                "duration_s": length, "message": issue.message});
            events.push(post_session_event(category, score, threshold, &info, participant, issue.start_s, details));
        }
    }
    let mut detectors = vec![info];
    if let Some(voices) = voices {
        let voice_info = signal_detector("second-voice");
        best = best.max(voices.score);
        if SafetyDecision::from_score(voices.score, threshold) == SafetyDecision::Flagged {
            let details = json!({"signal": "second_voice", "voices": voices});
            events.push(post_session_event(category, voices.score, threshold, &voice_info, participant, 0.0, details));
        }
        detectors.push(voice_info);
    }
    let mut signals =
        json!({"hidden_stretches": stretches, "min_stretch_s": thresholds.min_stretch_s, "second_voice": voices});
    if let Some(reason) = voices_reason {
        signals["second_voice_reason"] = reason.into();
    }
    CategoryAssessment::judged(category, best, threshold, detectors, signals, events)
        .with_limitation("Faces are not detected: someone out of frame with the camera running is not caught.")
        .with_limitation(
            "A second voice is found by pitch register only: two people with similar voices are not told apart.",
        )
}

fn post_session_event(
    category: SafetyCategory,
    score: f64,
    threshold: f64,
    detector: &DetectorInfo,
    participant: Option<&str>,
    time_s: f64,
    details: serde_json::Value,
) -> SafetyEvent {
    let mut event = SafetyEvent::new(category, score, threshold, SafetySource::PostSession, detector.clone());
    event.participant = participant.map(str::to_string);
    event.media_time_s = Some(time_s.max(0.0));
    event.evidence = Evidence { frame_time_s: Some(time_s.max(0.0)), quote: None, details: Some(details) };
    event
}

/// AI bot: video without any micro-motion (a still image or a perfectly static feed), video
/// that repeats earlier frames exactly while moving (a loop), or a voice with an unnaturally flat
/// pitch. The score is the strongest of the three signals, each mapped to 0..1.
pub fn ai_bot(
    video: Option<&VideoFeatures>,
    engagement: &EngagementReport,
    participant: Option<&str>,
    thresholds: &SignalThresholds,
) -> CategoryAssessment {
    let category = SafetyCategory::AiBot;
    let threshold = thresholds.ai_bot;
    let frames = video.map(|v| v.frames.as_slice()).unwrap_or_default();
    // A covered camera or a closed shutter does not move either, but it is not a still picture
    // of a person: those frames are left out (suspicious behaviour judges them).
    let visible: Vec<session_scoring::FrameStats> = frames.iter().filter(|f| !f.is_covered()).cloned().collect();
    let motion = (visible.len() >= 10).then(|| motion_signals(&visible));
    let flat_voice = engagement
        .prosody
        .as_ref()
        .filter(|p| p.voiced_hops >= MIN_VOICED_HOPS)
        .and_then(|p| p.pitch_std_semitones)
        .map(|std| (std, ((FLAT_PITCH_SEMITONES * 1.5 - std) / (FLAT_PITCH_SEMITONES * 0.5)).clamp(0.0, 1.0)));
    if motion.is_none() && flat_voice.is_none() {
        return CategoryAssessment::unavailable(
            category,
            threshold,
            "too little to judge: fewer than 10 uncovered video frames and under 8 s of voiced speech",
        );
    }
    // 90 % still frames or more is a picture that never moves; a tenth of the frames repeating
    // older ones exactly is a loop. A signal without its input is `null`, never 0.
    let still_score = motion.map(|(still, _)| ((still - 0.6) / 0.3).clamp(0.0, 1.0));
    let loop_score = motion.map(|(_, looped)| (looped / 0.1).clamp(0.0, 1.0));
    let voice_score = flat_voice.map(|(_, s)| s);
    let score = [still_score, loop_score, voice_score].into_iter().flatten().fold(0.0, f64::max);
    let info = signal_detector("synthetic-media");
    let signals = json!({
        "frames_sampled": frames.len(),
        "frames_covered": frames.len() - visible.len(),
        "still_frame_ratio": motion.map(|m| round4(m.0)),
        "looped_frame_ratio": motion.map(|m| round4(m.1)),
        "pitch_std_semitones": flat_voice.map(|v| v.0),
        "still_score": still_score.map(round4), "loop_score": loop_score.map(round4),
        "flat_voice_score": voice_score.map(round4),
        "video_reason": motion.is_none().then_some("fewer than 10 uncovered video frames were sampled"),
        "voice_reason": flat_voice.is_none().then_some("under 8 s of voiced speech"),
    });
    let mut events = Vec::new();
    if SafetyDecision::from_score(score, threshold) == SafetyDecision::Flagged {
        let mut event = SafetyEvent::new(category, round4(score), threshold, SafetySource::PostSession, info.clone());
        event.participant = participant.map(str::to_string);
        event.media_time_s = Some(0.0);
        event.evidence.details = Some(signals.clone());
        events.push(event);
    }
    CategoryAssessment::judged(category, score, threshold, vec![info], signals, events)
        .with_limitation(
            "Catches still or looped video and monotone synthetic voices; a live deepfake or a modern \
             expressive text-to-speech voice on a real camera is not caught.",
        )
        .with_limitation("Key frames are sampled, so a loop shorter than the key-frame interval may be missed.")
}

/// Fraction of sampled frames that did not change at all from the previous one, and fraction
/// that exactly repeat an earlier, non-neighbouring frame while the picture otherwise moves.
fn motion_signals(frames: &[session_scoring::FrameStats]) -> (f64, f64) {
    let pairs = frames.len().saturating_sub(1).max(1) as f64;
    let still = frames
        .windows(2)
        .filter(|w| thumbnail_difference(&w[0], &w[1]).is_some_and(|d| d.mean_abs < STILL_MEAN_ABS))
        .count() as f64;
    let mut repeats = 0usize;
    for (i, frame) in frames.iter().enumerate().skip(2) {
        let moved = thumbnail_difference(&frames[i - 1], frame).is_some_and(|d| d.mean_abs >= STILL_MEAN_ABS);
        let earlier = frames[..i - 1].iter().any(|old| {
            frame.time_s - old.time_s >= 3.0
                && thumbnail_difference(old, frame)
                    .is_some_and(|d| d.mean_abs < STILL_MEAN_ABS && d.max_abs <= REPEAT_MAX_CELL)
        });
        if moved && earlier {
            repeats += 1;
        }
    }
    (still / pairs, repeats as f64 / frames.len() as f64)
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_scoring::FrameStats;

    fn frame(time_s: f64, seed: u8) -> FrameStats {
        let thumbnail: Vec<u8> = (0..64u32).map(|i| ((i * 37 + u32::from(seed) * 101) % 251) as u8).collect();
        FrameStats {
            time_s,
            width: 320,
            height: 180,
            mean_luma: 120.0,
            std_luma: 40.0,
            underexposed_ratio: 0.0,
            overexposed_ratio: 0.0,
            laplacian_variance: 300.0,
            noise_sigma: 1.0,
            thumbnail_width: 8,
            thumbnail_height: 8,
            thumbnail,
        }
    }

    fn video(frames: Vec<FrameStats>) -> VideoFeatures {
        VideoFeatures {
            width: 640,
            height: 360,
            declared_fps: Some(30.0),
            duration_s: 60.0,
            packets: vec![],
            frames,
            compression: vec![],
        }
    }

    #[test]
    fn still_picture_and_loops_are_caught_moving_video_is_not() {
        let moving: Vec<_> = (0..30).map(|i| frame(i as f64, i as u8)).collect();
        let (still, looped) = motion_signals(&moving);
        assert_eq!((still, looped), (0.0, 0.0));
        let frozen: Vec<_> = (0..30).map(|i| frame(i as f64, 7)).collect();
        assert_eq!(motion_signals(&frozen).0, 1.0);
        let loop_of_5: Vec<_> = (0..30).map(|i| frame(i as f64, (i % 5) as u8)).collect();
        let (still, looped) = motion_signals(&loop_of_5);
        assert_eq!(still, 0.0);
        assert!(looped > 0.8, "{looped}");
    }

    #[test]
    fn ai_bot_needs_evidence_and_flags_a_still_picture() {
        let engagement = session_scoring::score_engagement(Err("no audio"), Err("no video"), Err("no transcript"));
        let thresholds = SignalThresholds::default();
        let nothing = ai_bot(None, &engagement, None, &thresholds);
        assert_eq!(nothing.score, None);
        assert!(nothing.reason.unwrap().contains("too little"));
        let still = video((0..30).map(|i| frame(i as f64, 7)).collect());
        let verdict = ai_bot(Some(&still), &engagement, Some("bob"), &thresholds);
        assert_eq!(verdict.decision, Some(SafetyDecision::Flagged));
        assert_eq!(verdict.events.len(), 1);
        assert_eq!(verdict.events[0].participant.as_deref(), Some("bob"));
        verdict.events[0].validate().unwrap();
        let moving = video((0..30).map(|i| frame(i as f64, i as u8)).collect());
        let verdict = ai_bot(Some(&moving), &engagement, None, &thresholds);
        assert_eq!((verdict.score, verdict.decision), (Some(0.0), Some(SafetyDecision::Clear)));
        assert!(verdict.events.is_empty());
        assert!(verdict.signals["flat_voice_score"].is_null(), "no voice: null, not 0: {}", verdict.signals);
    }

    #[test]
    fn a_covered_camera_is_not_a_still_picture_of_a_bot() {
        let engagement = session_scoring::score_engagement(Err("no audio"), Err("no video"), Err("no transcript"));
        let black = |t: f64| FrameStats { mean_luma: 2.0, std_luma: 0.5, laplacian_variance: 0.0, ..frame(t, 0) };
        // Ten seconds of a live picture, then the shutter closed for the rest of the call.
        let mut frames: Vec<_> = (0..10).map(|i| frame(i as f64, i as u8)).collect();
        frames.extend((10..60).map(|i| black(i as f64)));
        let verdict = ai_bot(Some(&video(frames)), &engagement, None, &SignalThresholds::default());
        assert_eq!(verdict.decision, Some(SafetyDecision::Clear), "{}", verdict.signals);
        assert_eq!(verdict.signals["frames_covered"], 50);
        // Covered throughout: nothing to judge the picture by.
        let covered = video((0..60).map(|i| black(i as f64)).collect());
        let verdict = ai_bot(Some(&covered), &engagement, None, &SignalThresholds::default());
        assert_eq!(verdict.score, None, "{:?}", verdict.reason);
    }

    #[test]
    fn many_short_freezes_are_not_one_long_hidden_stretch() {
        use session_scoring::{Issue, IssueSummary, Severity};
        let moving = video((0..30).map(|i| frame(i as f64 * 10.0, i as u8)).collect());
        let mut quality = session_scoring::score_quality(Err("no audio"), Ok(&moving));
        let freeze = |start_s: f64, end_s: f64| {
            Issue::new("video_freeze", Severity::Warning, start_s, end_s, "Video froze".into())
        };
        quality.issues = (0..20).map(|i| freeze(i as f64 * 10.0, i as f64 * 10.0 + 1.0)).collect();
        // The 21st to 40th freezes, one second each, summarised from 200 s to 300 s.
        let mut rest = freeze(200.0, 300.0);
        rest.summary = Some(IssueSummary { count: 20, longest_s: 1.0, total_s: 20.0 });
        quality.issues.push(rest);
        let verdict = suspicious_behavior(&quality, Ok(None), 300.0, None, &SignalThresholds::default());
        assert_eq!(verdict.decision, Some(SafetyDecision::Clear), "{}", verdict.signals);
        assert!(verdict.events.is_empty());
    }
}
