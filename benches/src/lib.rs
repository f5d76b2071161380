//! Synthetic inputs for the criterion benches in `benches/benches/`.

use session_scoring::{AudioAnalyzer, AudioFeatures, FrameStats, PacketInfo, VideoFeatures, frame_stats};

/// Deterministic noise in [-1, 1) (splitmix64 of the index).
fn noise(i: u64) -> f64 {
    let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Speech-like audio: a gliding six-harmonic voice with syllables at 4 per
/// second, 2 s on and 1 s off, over a faint noise bed.
pub fn speech_like_audio(sample_rate: u32, seconds: f64) -> Vec<f32> {
    let rate = f64::from(sample_rate);
    let mut phase = 0.0f64;
    (0..(rate * seconds) as u64)
        .map(|i| {
            let t = i as f64 / rate;
            phase += 2.0 * std::f64::consts::PI * (150.0 + 40.0 * (0.6 * std::f64::consts::PI * t).sin()) / rate;
            let voice: f64 = (1..=6).map(|h| (phase * f64::from(h)).sin() / f64::from(h)).sum();
            let talking = t % 3.0 < 2.0;
            let syllable = (4.0 * std::f64::consts::PI * t).sin().abs();
            let speech = if talking { 0.25 * syllable * voice } else { 0.0 };
            (speech + 0.000_3 * noise(i)) as f32
        })
        .collect()
}

/// A textured luma plane that moves with `time_s`.
pub fn textured_plane(width: usize, height: usize, time_s: f64) -> Vec<u8> {
    let shift = time_s * 12.0;
    (0..width * height)
        .map(|i| {
            let (x, y) = ((i % width) as f64 + shift, (i / width) as f64);
            let blocks = if ((x / 24.0).floor() as i64 + (y / 24.0).floor() as i64) % 2 == 0 { 40.0 } else { 0.0 };
            let value = 60.0 + 60.0 * x / width as f64 + 25.0 * (x / 6.0).sin() * (y / 9.0).cos() + blocks;
            (value + 1.5 * noise(i as u64)).round().clamp(0.0, 255.0) as u8
        })
        .collect()
}

/// Ten minutes of audio features and of video features (30 fps packets,
/// one sampled 320×180 frame per second).
pub fn ten_minutes_of_features() -> (AudioFeatures, VideoFeatures) {
    let seconds = 600usize;
    let mut analyzer = AudioAnalyzer::new(16_000).expect("16 kHz is supported");
    for chunk in speech_like_audio(16_000, seconds as f64).chunks(16_000) {
        analyzer.push(chunk);
    }
    let frames: Vec<FrameStats> =
        (0..seconds).map(|s| frame_stats(&textured_plane(320, 180, s as f64), 320, 180, 320, s as f64)).collect();
    let packets = (0..seconds * 30)
        .map(|i| PacketInfo {
            pts_s: Some(i as f64 / 30.0),
            dts_s: Some(i as f64 / 30.0),
            duration_s: Some(1.0 / 30.0),
            size_bytes: if i % 60 == 0 { 40_000 } else { 6_000 },
            keyframe: i % 60 == 0,
        })
        .collect();
    let video = VideoFeatures {
        width: 1280,
        height: 720,
        declared_fps: Some(30.0),
        duration_s: seconds as f64,
        packets,
        frames,
        // No coded-size luma: the scoring benchmark times the scores on the sampled frames.
        compression: Vec::new(),
    };
    (analyzer.finish(), video)
}

/// The stored documents of a one-hour 1:1 session as the pipeline writes them: two tracks of
/// 3 600 loudness values, a speech turn every 5 s, 1 440 transcript segments, quality issues and
/// safety events — the input of the report benchmark.
pub fn hour_long_session() -> session_report::SessionDocuments {
    use serde_json::{Value, json};
    let hour = 3_600.0_f64;
    let people = ["alice", "bob"];
    let turns = |who: usize| -> Vec<(f64, f64)> {
        (0..720).filter(|i| i % 2 == who).map(|i| (i as f64 * 5.0, i as f64 * 5.0 + 4.2)).collect()
    };
    let tracks: Vec<Value> = people
        .iter()
        .enumerate()
        .map(|(who, id)| {
            let loudness: Vec<Value> = (0..3_600)
                .map(|s| if s % 10 == who { Value::Null } else { json!(-20.0 - (s % 17) as f64 / 2.0) })
                .collect();
            let flags: Vec<Value> = (0..12)
                .map(|i| json!({"flag": "frozen", "start_s": i as f64 * 300.0, "end_s": i as f64 * 300.0 + 4.0}))
                .collect();
            json!({"participant": id, "offset_s": 0.0, "duration_s": hour, "loudness_lufs": loudness,
                   "speech": turns(who).iter().map(|(s, e)| json!([s, e])).collect::<Vec<_>>(),
                   "video_flags": flags, "frames_sampled": 720})
        })
        .collect();
    let manifest = json!({"session_id": "bench", "status": "complete", "started_at": "2026-12-05T10:00:00Z",
        "participants": people.iter().map(|p| json!({"participant": p, "offset_s": 0.0})).collect::<Vec<_>>(),
        "stages": [{"name": "analysis", "status": "skipped", "reason": "no LLM provider is configured"}]});
    let issues: Vec<Value> = (0..20)
        .map(|i| {
            json!({"code": "audio_dropout", "severity": "warning", "start_s": i as f64 * 170.0,
                        "end_s": i as f64 * 170.0 + 0.5, "message": format!("Audio dropped out at {i}")})
        })
        .collect();
    let participant = |who: usize| session_report::ParticipantDocuments {
        participant: people[who].to_string(),
        part: None,
        offset_s: 0.0,
        quality: Some(json!({"score": 80.0, "issues": issues,
            "audio": {"score": 90.0, "metrics": {"integrated_loudness_lufs": -21.0, "snr_db": 30.0},
                      "sub_scores": {"loudness": {"score": 100.0}, "noise": {"score": 100.0}}},
            "video": {"score": 70.0, "metrics": {"width": 1280, "height": 720},
                      "sub_scores": {"resolution": {"score": 100.0}}}})),
        engagement: Some(json!({"score": 85.0, "speech_ratio": 0.42,
            "voice": {"speech_segments": turns(who).iter().map(|(s, e)| json!({"start_s": s, "end_s": e})).collect::<Vec<_>>(),
                      "longest_monologue": {"start_s": 10.0, "end_s": 14.2, "duration_s": 4.2}},
            "components": {"participation": {"score": 100.0}}})),
    };
    let transcript = |who: usize| session_report::TranscriptDocument {
        participant: Some(people[who].to_string()),
        offset_s: 0.0,
        transcript: json!({"segments": turns(who).iter().map(|(s, e)| json!({"start_s": s, "end_s": e,
            "text": "So the next step is to look at the numbers again and agree on what we ship."})).collect::<Vec<_>>()}),
    };
    let event = json!({"category": "offensive", "score": 0.9, "decision": "flagged", "source": "post_session",
        "participant": "bob", "media_time_s": 1_800.0, "evidence": {"quote": {"text": "a rude word", "start_s": 1_800.0, "end_s": 1_801.0}}});
    session_report::SessionDocuments {
        session_id: "bench".into(),
        manifest: Some(manifest),
        quality: Some(json!({"score": 80.0, "audio": {"score": 90.0}, "video": {"score": 70.0}})),
        engagement: Some(json!({"score": 85.0, "conversation": {"turn_count": 720, "turns_per_minute": 12.0,
            "participants": [{"participant": "alice", "talk_share": 0.5}, {"participant": "bob", "talk_share": 0.5}]}})),
        combined: Some(json!({"score": 82.0})),
        analysis: None,
        safety_scan: Some(json!({"categories": [{"category": "offensive", "score": 0.9, "threshold": 0.5,
            "decision": "flagged", "events": [event]}]})),
        timeline: Some(json!({"duration_s": hour, "step_s": 1.0, "tracks": tracks, "issues": [], "safety_events": []})),
        safety_events: Vec::new(),
        transcripts: vec![transcript(0), transcript(1)],
        participants: vec![participant(0), participant(1)],
    }
}
