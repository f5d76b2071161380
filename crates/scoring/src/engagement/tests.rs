use std::sync::LazyLock;

use super::*;
use crate::synthetic::*;

static SPEECH: LazyLock<AudioFeatures> = LazyLock::new(|| analyze(&speech_like(30.0)));
static SILENCE: LazyLock<AudioFeatures> = LazyLock::new(|| analyze(&vec![0.0; 16_000 * 30]));
static CAMERA: LazyLock<VideoFeatures> = LazyLock::new(|| video(20, 6_000, textured_frame));

fn transcript() -> Vec<TranscriptSegment> {
    let seg = |start_s: f64, end_s: f64, text: &str| TranscriptSegment { start_s, end_s, text: text.to_owned() };
    vec![
        seg(0.5, 3.0, "Um, hi, thanks for joining today."),
        seg(3.5, 6.0, "So, you know, how did your week go?"),
        seg(6.5, 9.0, "I think it went, like, really well."),
    ]
}

#[test]
fn speech_gives_a_speech_ratio_segments_and_an_envelope_rate() {
    let report = score_engagement(Ok(&SPEECH), Ok(&CAMERA), Err("not transcribed"));
    let ratio = report.speech_ratio.unwrap();
    // The generator talks for about 70 % of the time.
    assert!((0.55..0.85).contains(&ratio), "{ratio}");
    let voice = report.voice.as_ref().unwrap();
    assert!(voice.speech_segments.len() >= 8, "{:?}", voice.speech_segments);
    assert!(voice.pauses.count >= 7);
    assert!((0.3..1.6).contains(&voice.pauses.mean_s.unwrap()), "{:?}", voice.pauses);
    assert!(voice.longest_monologue.as_ref().unwrap().duration_s > 1.0);
    assert_eq!(voice.longest_monologue.as_ref().unwrap().words, None);

    let rate = report.speech_rate.as_ref().unwrap();
    assert_eq!(rate.method, SpeechRateMethod::EnergyEnvelopeSyllables);
    // |sin(4πt)| peaks 4 times a second.
    let syllables = rate.syllables_per_second.unwrap();
    assert!((3.0..9.0).contains(&syllables), "{syllables}");

    let prosody = report.prosody.as_ref().unwrap();
    let median = prosody.pitch_median_hz.unwrap();
    assert!((120.0..180.0).contains(&median), "{median}");
    assert!(prosody.pitch_std_semitones.unwrap() > 1.0, "{prosody:?}");

    assert!(report.presence.as_ref().unwrap().ratio > 0.9);
    assert_eq!(report.transcript, None);
    assert_eq!(report.transcript_reason.as_deref(), Some("not transcribed"));
    assert!(report.components.fluency.score.is_none());
    assert!(report.score.unwrap() > 60.0, "{report:#?}");
}

#[test]
fn silence_gives_no_speech_and_a_low_score_with_reasons() {
    let report = score_engagement(Ok(&SILENCE), Err("recording has no video stream"), Err("not transcribed"));
    assert_eq!(report.speech_ratio, Some(0.0));
    assert!(report.voice.as_ref().unwrap().speech_segments.is_empty());
    assert_eq!(report.speech_rate, None);
    assert_eq!(report.speech_rate_reason.as_deref(), Some("no speech was detected"));
    assert_eq!(report.prosody_reason.as_deref(), Some("no speech was detected"));
    assert_eq!(report.presence_reason.as_deref(), Some("recording has no video stream"));
    assert!(report.score.unwrap_or(0.0) < 10.0, "{report:#?}");
}

#[test]
fn nothing_at_all_gives_a_null_score() {
    let report = score_engagement(Err("no audio stream"), Err("no video stream"), Err("not transcribed"));
    assert_eq!(report.score, None);
    assert!(report.reason.is_some());
    assert_eq!(report.speech_ratio, None);
    assert_eq!(report.voice_reason.as_deref(), Some("no audio stream"));
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["score"].is_null());
    assert!(json["speech_ratio"].is_null());
    assert_eq!(json["voice_reason"], "no audio stream");
}

#[test]
fn a_transcript_gives_words_per_minute_fillers_and_questions() {
    let segments = transcript();
    let report = score_engagement(Ok(&SPEECH), Ok(&CAMERA), Ok(&segments));
    let rate = report.speech_rate.as_ref().unwrap();
    assert_eq!(rate.method, SpeechRateMethod::Transcript);
    let talk_minutes = report.voice.as_ref().unwrap().talk_time_s / 60.0;
    assert!((rate.words_per_minute - 21.0 / talk_minutes).abs() < 0.1, "{rate:?}");
    let t = report.transcript.as_ref().unwrap();
    assert_eq!(t.words, 21);
    assert_eq!(t.questions, 1);
    assert_eq!(t.filler_words.count, 3); // um, you know, like
    assert!(report.components.fluency.score.is_some());
    assert!(report.voice.as_ref().unwrap().longest_monologue.as_ref().unwrap().words.is_some());
}

#[test]
fn a_black_or_frozen_camera_is_not_present() {
    let black = video(20, 60, |_| vec![0u8; WIDTH * HEIGHT]);
    let still = textured_frame(0.0);
    let frozen = video(20, 60, |_| still.clone());
    let present = |v: &VideoFeatures| presence::presence(v).unwrap().ratio;
    assert!(present(&CAMERA) > 0.9);
    assert_eq!(present(&black), 0.0);
    assert!(present(&frozen) <= 0.05 + 1e-9, "{}", present(&frozen));
    let camera_on = score_engagement(Ok(&SPEECH), Ok(&CAMERA), Err("-")).score.unwrap();
    let camera_black = score_engagement(Ok(&SPEECH), Ok(&black), Err("-")).score.unwrap();
    assert!(camera_on > camera_black + 10.0, "{camera_on} vs {camera_black}");
    assert_eq!(presence::presence(&black).unwrap().method, PRESENCE_METHOD);
}

#[test]
fn the_report_round_trips_through_json() {
    let segments = transcript();
    let report = score_engagement(Ok(&SPEECH), Ok(&CAMERA), Ok(&segments));
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(serde_json::from_str::<EngagementReport>(&json).unwrap(), report);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["score"].is_number());
    assert!(value["speech_ratio"].is_number());
    assert_eq!(value["speech_rate"]["method"], "transcript");
}

#[test]
fn segments_from_another_detector_replace_the_energy_vad() {
    let segments = [SpeechSegment { start_s: 1.0, end_s: 4.0 }, SpeechSegment { start_s: 10.0, end_s: 13.0 }];
    let speech = DetectedSpeech { segments: &segments, vad: "silero-vad==6.2.3" };
    let report = score_engagement_with_speech(Ok(&SPEECH), Some(speech), Ok(&CAMERA), Err("not transcribed"));
    let voice = report.voice.as_ref().unwrap();
    assert_eq!(voice.vad, "silero-vad==6.2.3");
    assert_eq!(voice.speech_segments, segments.to_vec());
    assert_eq!(voice.talk_time_s, 6.0);
    assert_eq!(voice.pauses.count, 1);
    assert!((report.speech_ratio.unwrap() - 0.2).abs() < 1e-3, "{:?}", report.speech_ratio);
    let energy = score_engagement(Ok(&SPEECH), Ok(&CAMERA), Err("not transcribed"));
    assert_eq!(energy.voice.unwrap().vad, ENERGY_VAD);
}

#[test]
fn speech_ratio_stays_within_0_and_1_when_speech_outruns_the_audio() {
    let voice = VoiceActivity {
        vad: "energy".into(),
        duration_s: 10.0,
        talk_time_s: 12.5,
        speech_segments: vec![SpeechSegment { start_s: 0.0, end_s: 12.5 }],
        pauses: PauseStats { count: 0, mean_s: None, longest_s: None },
        longest_monologue: None,
    };
    let why = "not measured".to_owned();
    let report = build(Ok(voice), Err(why.clone()), Err(why.clone()), Err(why.clone()), Err(why));
    assert_eq!(report.speech_ratio, Some(1.0));
}
