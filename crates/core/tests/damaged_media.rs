//! Damaged recordings through the pipeline (issue #14, item 5): what is damaged is said in a
//! `media_damaged` quality issue, what is whole is not, and a recording's extra audio tracks are
//! counted in the manifest.

mod hostile_inputs;
mod support;

use hostile_inputs::{audio_tracks, ffmpeg, mjpeg_with_undecodable_frames, mp4mux, path};
use session_processing::CancelFlag;
use support::{builder_for, json, local, read_json};

fn damaged_issues(quality: &serde_json::Value) -> Vec<serde_json::Value> {
    quality["issues"].as_array().unwrap().iter().filter(|i| i["code"] == "media_damaged").cloned().collect()
}

#[test]
fn mp4_files_written_by_mp4mux_as_egress_writes_them_are_not_called_damaged() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    for (name, audio) in [("opus", "opusenc"), ("aac", "avenc_aac ! aacparse")] {
        let file = out.path().join(format!("mp4mux-{name}.mp4"));
        mp4mux(&file, audio);
        processor.process_blocking(name, local(&file), &CancelFlag::new()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let quality = read_json(&out.path().join(format!("sessions/{name}/quality.json")));
        assert!(damaged_issues(&quality).is_empty(), "{name}: {}", quality["issues"]);
        assert!(quality["audio"]["score"].is_number() && quality["video"]["score"].is_number(), "{name}: {quality}");
    }
}

#[test]
fn a_cut_fragmented_mp4_keeps_its_whole_fragments_and_names_the_missing_end() {
    let out = tempfile::tempdir().unwrap();
    let whole = out.path().join("fragmented.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=10:duration=4",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=4",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "10",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-movflags",
        "frag_keyframe+empty_moov+default_base_moof",
        path(&whole),
    ]);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = out.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let result = builder_for(out.path()).build().process_blocking("cut", local(&cut), &CancelFlag::new()).unwrap();
    let audio_s = json(result.quality.as_ref().unwrap())["audio"]["metrics"]["duration_s"].as_f64();
    let quality = read_json(&out.path().join("sessions/cut/quality.json"));
    let damaged = damaged_issues(&quality);
    let [issue] = &damaged[..] else { panic!("one issue for the cut: {}", quality["issues"]) };
    let message = issue["message"].as_str().unwrap();
    assert!(message.contains("cut short") && message.contains("mdat"), "{message}");
    let after = issue["start_s"].as_f64().unwrap();
    assert!((1.0..3.5).contains(&after), "the whole fragments play, the rest is named: {issue} ({audio_s:?})");
}

#[test]
fn frames_the_video_decoder_skips_are_a_media_damaged_issue() {
    let out = tempfile::tempdir().unwrap();
    let (whole, damaged) = mjpeg_with_undecodable_frames(out.path());
    let processor = builder_for(out.path()).build();
    processor.process_blocking("damaged", local(&damaged), &CancelFlag::new()).unwrap();
    let quality = read_json(&out.path().join("sessions/damaged/quality.json"));
    let issues = damaged_issues(&quality);
    let [issue] = &issues[..] else { panic!("one issue: {}", quality["issues"]) };
    assert_eq!(issue["message"], "The video decoder skipped 10 damaged pieces of the picture");
    assert_eq!((issue["start_s"].as_f64(), issue["end_s"].as_f64()), (Some(0.0), Some(4.0)), "{issue}");
    processor.process_blocking("whole", local(&whole), &CancelFlag::new()).unwrap();
    let quality = read_json(&out.path().join("sessions/whole/quality.json"));
    assert!(damaged_issues(&quality).is_empty(), "{}", quality["issues"]);
}

#[test]
fn the_manifest_says_which_audio_track_was_analysed_and_how_many_there_are() {
    let out = tempfile::tempdir().unwrap();
    let processor = builder_for(out.path()).build();
    processor.process_blocking("three", local(&audio_tracks(out.path(), 3)), &CancelFlag::new()).unwrap();
    let manifest = read_json(&out.path().join("sessions/three/manifest.json"));
    let tracks = &manifest["audio_tracks"];
    assert_eq!(tracks.as_array().map(Vec::len), Some(1), "{manifest}");
    assert_eq!(tracks[0]["recording"], "recording.mka");
    assert_eq!(tracks[0]["count"], 3);
    assert_eq!(tracks[0]["analysed"], 0);
    assert!(tracks[0]["codec"].as_str().unwrap().contains("PCM"), "{tracks}");
}
