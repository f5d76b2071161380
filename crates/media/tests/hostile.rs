//! Hostile and mislabelled media, generated small (a few KB) with ffmpeg and patched byte by byte
//! here: each input must end in a typed error that names the broken limit, quickly, with bounded
//! output and memory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use session_media::*;
use session_testkit::hostile_media::{
    ffmpeg, h264_claiming, mjpeg_claiming, mjpeg_with_undecodable_frames, one_microsecond_apart, opus_jumping,
    patch_after,
};

/// A fresh folder for one test's generated inputs.
fn workdir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("media-hostile-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn limit_of(error: &MediaError) -> Option<MediaLimit> {
    match error {
        MediaError::LimitExceeded { limit, .. } => Some(*limit),
        _ => None,
    }
}

/// 3 s of Opus in Matroska whose timestamps jump by 10 hours after 1.5 s, with the declared
/// duration patched back to 3 s: a ~8 KB file that decodes to 10 hours of "silence".
fn opus_with_a_timestamp_jump(dir: &Path, declared_ms: Option<f64>) -> PathBuf {
    let path = dir.join(if declared_ms.is_some() { "jump-declared-3s.mka" } else { "jump.mka" });
    opus_jumping(&path, 36000);
    if let Some(ms) = declared_ms {
        let mut bytes = std::fs::read(&path).unwrap();
        // Segment Info's Duration: ID 0x4489, an 8-byte float in milliseconds.
        assert_eq!(patch_after(&mut bytes, &[0x44, 0x89, 0x88], &ms.to_be_bytes()), 1, "one Duration element");
        std::fs::write(&path, bytes).unwrap();
    }
    assert!(std::fs::metadata(&path).unwrap().len() < 32 * 1024);
    path
}

#[test]
fn a_timestamp_jump_is_bounded_by_the_declared_duration() {
    let dir = workdir("jump");
    let path = opus_with_a_timestamp_jump(&dir, Some(3000.0));
    let limits = Limits::default();
    let info = probe(&path, &limits).unwrap();
    assert!((info.duration_s.unwrap() - 3.0).abs() < 0.1, "{info:?}");
    let started = Instant::now();
    let mut delivered = 0u64;
    let error = decode_audio(&path, &limits, &CancelFlag::new(), &mut |chunk| delivered += chunk.len() as u64)
        .expect_err("10 hours of audio from a 3 s file");
    assert_eq!(limit_of(&error), Some(MediaLimit::AudioOverrun), "{error}");
    assert_eq!(error.code(), "limit_audio_overrun");
    assert!(error.to_string().contains("audio_overrun_margin"), "{error}");
    let bound = (3.0 + limits.audio_overrun_margin.as_secs_f64()) * AUDIO_SAMPLE_RATE as f64;
    assert!(delivered as f64 <= bound, "{delivered} samples delivered, bound {bound}");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());

    // The margin is the caller's to set.
    let tight = Limits { audio_overrun_margin: Duration::from_secs(1), ..Limits::default() };
    let mut delivered = 0u64;
    let error =
        decode_audio(&path, &tight, &CancelFlag::new(), &mut |chunk| delivered += chunk.len() as u64).unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::AudioOverrun), "{error}");
    assert!(delivered <= 4 * AUDIO_SAMPLE_RATE as u64 + AUDIO_SAMPLE_RATE as u64, "{delivered}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_declared_duration_over_the_maximum_is_refused_before_decoding() {
    let dir = workdir("duration");
    // Unpatched, the jump makes the file declare 10 hours.
    let path = opus_with_a_timestamp_jump(&dir, None);
    let limits = Limits::default();
    let error = probe(&path, &limits).unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::Duration), "{error}");
    assert_eq!(error.code(), "limit_duration");
    assert!(error.to_string().contains("max_duration"), "{error}");
    let mut delivered = 0u64;
    let error =
        decode_audio(&path, &limits, &CancelFlag::new(), &mut |chunk| delivered += chunk.len() as u64).unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::Duration), "{error}");
    assert_eq!(delivered, 0);
    // A genuine file longer than a chosen maximum.
    let short = Limits { max_duration: Duration::from_secs(5), ..Limits::default() };
    let clean = session_testkit::fixture("clean.mp4");
    let error = probe(&clean, &short).unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::Duration), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_huge_mjpeg_frame_header_is_refused_before_any_decoder_allocates() {
    let dir = workdir("mjpeg");
    let path = mjpeg_claiming(&dir, 30000);
    let limits = Limits::default();
    let started = Instant::now();
    let error = probe(&path, &limits).unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::FrameSize), "{error}");
    assert_eq!(error.code(), "limit_frame_size");
    assert!(error.to_string().contains("30000×30000"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    let mut frames = 0;
    let error =
        sample_frames(&path, (64, 64), FrameSampling::default(), &limits, &CancelFlag::new(), &mut |_| frames += 1)
            .unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::FrameSize), "{error}");
    assert_eq!(frames, 0);
    // The same file with a sane header probes.
    let sane = mjpeg_claiming(&dir, 64);
    let info = probe(&sane, &limits).unwrap();
    assert_eq!(info.video().unwrap().width, Some(64));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn frame_size_is_checked_from_the_caps_before_decoding() {
    let clean = session_testkit::fixture("clean.mp4");
    let small = Limits { max_frame_pixels: 320 * 180, ..Limits::default() };
    let error = probe(&clean, &small).unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::FrameSize), "{error}");
    assert!(error.to_string().contains("640×360"), "{error}");
    let mut frames = 0;
    let error =
        sample_frames(&clean, (640, 360), FrameSampling::default(), &small, &CancelFlag::new(), &mut |_| frames += 1)
            .unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::FrameSize), "{error}");
    assert_eq!(frames, 0);
    // Audio needs no frames: it is still read.
    let summary = decode_audio(&clean, &small, &CancelFlag::new(), &mut |_| {}).unwrap();
    assert!(summary.duration_s > 10.0);
}

#[test]
fn too_many_streams_are_refused() {
    let dir = workdir("streams");
    let path = dir.join("many.mka");
    let mut args = vec!["-f", "lavfi", "-i", "sine=duration=0.5:sample_rate=8000"];
    args.extend(std::iter::repeat_n(["-map", "0:a"], 20).flatten());
    args.extend(["-c:a", "pcm_s16le", path.to_str().unwrap()]);
    ffmpeg(&args);
    let error = probe(&path, &Limits::default()).unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::Streams), "{error}");
    assert_eq!(error.code(), "limit_streams");
    assert!(error.to_string().contains("max_streams"), "{error}");
    let wide = Limits { max_streams: 32, ..Limits::default() };
    let info = probe(&path, &wide).unwrap();
    assert_eq!(info.streams.len(), 20);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pictures_renamed_mp4_are_not_media_within_a_second() {
    let dir = workdir("pictures");
    for (name, codec) in [("photo-png.mp4", "png"), ("photo-jpeg.mp4", "mjpeg")] {
        let path = dir.join(name);
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x64",
            "-frames:v",
            "1",
            "-c:v",
            codec,
            "-f",
            "image2",
            path.to_str().unwrap(),
        ]);
        let started = Instant::now();
        let error = probe(&path, &Limits::default()).unwrap_err();
        assert_eq!(error.code(), "input_not_media", "{name}: {error}");
        let error = decode_audio(&path, &Limits::default(), &CancelFlag::new(), &mut |_| {}).unwrap_err();
        assert_eq!(error.code(), "input_not_media", "{name}: {error}");
        assert!(started.elapsed() < Duration::from_secs(1), "{name}: took {:?}", started.elapsed());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_h264_mp4_with_a_header_over_16_kib_is_read() {
    let dir = workdir("big-header");
    let path = dir.join("big-header.mp4");
    let comment = "a".repeat(30_000);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64:rate=10",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=2",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-movflags",
        "+faststart",
        "-metadata",
        &format!("comment={comment}"),
        path.to_str().unwrap(),
    ]);
    let info = probe(&path, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", e.code()));
    assert_eq!(info.video().unwrap().media_type, "video/x-h264");
    let summary = decode_audio(&path, &Limits::default(), &CancelFlag::new(), &mut |_| {}).unwrap();
    assert!((summary.duration_s - 2.0).abs() < 0.2, "{summary:?}");
    let mut frames = 0;
    sample_frames(&path, (64, 64), FrameSampling::default(), &Limits::default(), &CancelFlag::new(), &mut |_| {
        frames += 1
    })
    .unwrap();
    assert!(frames >= 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn frames_one_microsecond_apart_do_not_stall_and_audio_is_still_read() {
    let dir = workdir("microsecond");
    let path = one_microsecond_apart(&dir);
    assert!(std::fs::metadata(&path).unwrap().len() < 200 * 1024, "60 frames and 2 s of audio");
    let limits =
        Limits { stall_timeout: Duration::from_secs(10), probe_timeout: Duration::from_secs(10), ..Limits::default() };
    let started = Instant::now();
    let info = probe(&path, &limits).unwrap_or_else(|e| panic!("{}: {e}", e.code()));
    assert!(info.audio().is_some(), "{info:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "probe took {:?}", started.elapsed());
    let summary = decode_audio(&path, &limits, &CancelFlag::new(), &mut |_| {}).unwrap();
    assert!((summary.duration_s - 2.0).abs() < 0.2, "{summary:?}");
    // GStreamer 1.22's qtdemux drops a video track of 60 frames within 60 µs: the video stages
    // end at once, with the frames or a typed error, never at the watchdog.
    match read_video_packets(&path, &limits, &CancelFlag::new()) {
        Ok(packets) => assert_eq!(packets.len(), 60),
        Err(error) => assert_eq!(error.code(), "no_video", "{error}"),
    }
    let sampled = sample_frames(&path, (64, 64), FrameSampling::default(), &limits, &CancelFlag::new(), &mut |_| {});
    if let Err(error) = sampled {
        assert_eq!(error.code(), "no_video", "{error}");
    }
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Environment variable that turns [`memory_capped_child`] into the child of
/// [`no_hostile_input_aborts_under_a_memory_cap`].
const CHILD_INPUT: &str = "SESSION_MEDIA_HOSTILE_INPUT";

/// Runs every media stage on one input and prints each outcome's code; does its work only when
/// started by [`no_hostile_input_aborts_under_a_memory_cap`] (which sets [`CHILD_INPUT`]).
#[test]
fn memory_capped_child() {
    let Some(path) = std::env::var_os(CHILD_INPUT).map(PathBuf::from) else {
        return;
    };
    let limits = Limits::default();
    let code = |result: Result<(), MediaError>| result.map_or_else(|e| e.code().to_string(), |()| "ok".into());
    let probed = code(probe(&path, &limits).map(|_| ()));
    let audio = code(decode_audio(&path, &limits, &CancelFlag::new(), &mut |_| {}).map(|_| ()));
    let frames = code(
        sample_frames(&path, (320, 180), FrameSampling::default(), &limits, &CancelFlag::new(), &mut |_| {})
            .map(|_| ()),
    );
    println!("OUTCOME probe={probed} audio={audio} frames={frames}");
}

#[test]
fn no_hostile_input_aborts_under_a_memory_cap() {
    let dir = workdir("capped");
    let inputs = [
        (mjpeg_claiming(&dir, 30000), "probe=limit_frame_size"),
        (opus_with_a_timestamp_jump(&dir, Some(3000.0)), "audio=limit_audio_overrun"),
        (opus_with_a_timestamp_jump(&dir, None), "probe=limit_duration"),
        (h264_claiming(&dir, 8192), "frames=limit_frame_size"),
    ];
    let me = std::env::current_exe().unwrap();
    for (input, expected) in inputs {
        let output = Command::new("sh")
            .arg("-c")
            .arg(r#"ulimit -v 1500000 && exec "$0" --exact memory_capped_child --nocapture --test-threads 1"#)
            .arg(&me)
            .env(CHILD_INPUT, &input)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let outcome = stdout.find("OUTCOME").map_or("", |at| stdout[at..].lines().next().unwrap_or_default());
        assert!(
            output.status.success(),
            "{} under ulimit -v 1500000: {:?}\n{stdout}\n{}",
            input.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(outcome.contains(expected), "{}: {outcome}", input.display());
        assert!(!outcome.contains("=ok") || expected.starts_with("audio"), "{}: {outcome}", input.display());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_stretches_and_decoding_errors_are_reported() {
    let dir = workdir("damage");
    let intact = dir.join("intact.mka");
    opus_jumping(&intact, 0);
    let summary = decode_audio(&intact, &Limits::default(), &CancelFlag::new(), &mut |_| {}).unwrap();
    assert!(!summary.damage.is_damaged(), "{:?}", summary.damage);
    assert!((summary.damage.declared_duration_s.unwrap() - 3.0).abs() < 0.1, "{:?}", summary.damage);

    // A 5-second hole after 1.5 s: filled with silence, and reported.
    let holed = dir.join("holed.mka");
    opus_jumping(&holed, 5);
    let summary = decode_audio(&holed, &Limits::default(), &CancelFlag::new(), &mut |_| {}).unwrap();
    assert!((summary.duration_s - 8.0).abs() < 0.2, "{summary:?}");
    let [stretch] = summary.damage.missing[..] else { panic!("one stretch: {:?}", summary.damage) };
    assert!((stretch.start_s - 1.5).abs() < 0.1 && (stretch.duration_s - 5.0).abs() < 0.1, "{stretch:?}");

    // Garbage over the middle of the intact file.
    let corrupt = dir.join("corrupt.mka");
    let mut bytes = std::fs::read(&intact).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 600].iter_mut().enumerate().for_each(|(i, b)| *b = (i * 37 % 251) as u8);
    std::fs::write(&corrupt, bytes).unwrap();
    let summary = decode_audio(&corrupt, &Limits::default(), &CancelFlag::new(), &mut |_| {})
        .unwrap_or_else(|e| panic!("{}: {e}", e.code()));
    assert!(summary.damage.is_damaged(), "{summary:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_h264_header_patched_to_8192_square_is_refused_before_the_probe_decodes() {
    let dir = workdir("h264-size");
    // The rewriting itself is checked: the same SPS at its own size still probes as 64×64.
    let same = h264_claiming(&dir, 64);
    let info = probe(&same, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", e.code()));
    assert_eq!((info.video().unwrap().width, info.video().unwrap().height), (Some(64), Some(64)), "{info:?}");
    let huge = h264_claiming(&dir, 8192);
    let started = Instant::now();
    let error = probe(&huge, &Limits::default()).unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::FrameSize), "{error}");
    assert!(error.to_string().contains("8192×8192"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_truncated_webm_keeps_its_playable_part_and_reports_the_missing_end() {
    let dir = workdir("truncated-webm");
    let whole = std::fs::read(session_testkit::fixture("vp8.webm")).unwrap();
    let path = dir.join("cut.webm");
    std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
    let summary = decode_audio(&path, &Limits::default(), &CancelFlag::new(), &mut |_| {})
        .unwrap_or_else(|e| panic!("{}: {e}", e.code()));
    let declared = summary.damage.declared_duration_s.expect("the header declares a duration");
    assert!(summary.duration_s > 3.0 && summary.duration_s < declared - 2.0, "{summary:?}");
    let end = summary.damage.missing.last().expect("the missing end is reported");
    assert!((end.start_s + end.duration_s - declared).abs() < 0.01, "{:?}", summary.damage);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn files_cut_short_are_read_up_to_the_cut_and_say_where() {
    let dir = workdir("cut-files");
    let tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4"];
    let fragmented = dir.join("fragmented.mp4");
    let movflags = ["-movflags", "frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "500000"];
    ffmpeg(&[&tone[..], &["-c:a", "aac"], &movflags, &[fragmented.to_str().unwrap()]].concat());
    let ogg = dir.join("tone.ogg");
    ffmpeg(&[&tone[..], &["-c:a", "libopus", ogg.to_str().unwrap()]].concat());
    let wav = dir.join("tone.wav");
    ffmpeg(&[&tone[..], &["-c:a", "pcm_s16le", wav.to_str().unwrap()]].concat());
    for (whole, needle) in [(&fragmented, "mdat"), (&ogg, "Ogg page"), (&wav, "data chunk")] {
        let name = whole.file_name().unwrap().to_string_lossy();
        let summary = decode_audio(whole, &Limits::default(), &CancelFlag::new(), &mut |_| {}).unwrap();
        assert_eq!(summary.damage.cut, None, "{name}: whole");
        let bytes = std::fs::read(whole).unwrap();
        let cut = dir.join(format!("cut-{name}"));
        std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
        let summary = decode_audio(&cut, &Limits::default(), &CancelFlag::new(), &mut |_| {})
            .unwrap_or_else(|e| panic!("{name}: {}: {e}", e.code()));
        let end = summary.damage.cut.as_ref().unwrap_or_else(|| panic!("{name}: the cut is reported: {summary:?}"));
        assert!(end.detail.contains(needle), "{name}: {end:?}");
        assert!((1.0..3.5).contains(&end.after_s), "{name}: the part before the cut is read: {summary:?}");
        assert!((end.after_s - summary.first_sample_s - summary.duration_s).abs() < 0.01, "{name}: {summary:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn frames_the_video_decoder_skips_are_counted() {
    let dir = workdir("video-damage");
    let (whole, damaged) = mjpeg_with_undecodable_frames(&dir);
    for (path, sampling) in [(&whole, FrameSampling::default()), (&whole, FrameSampling::Rate { fps: 2.0 })] {
        let summary =
            sample_frames(path, (160, 120), sampling, &Limits::default(), &CancelFlag::new(), &mut |_| {}).unwrap();
        assert_eq!(summary.decoder_errors, 0, "{sampling:?}: {summary:?}");
    }
    for sampling in [FrameSampling::default(), FrameSampling::Rate { fps: 2.0 }] {
        let summary =
            sample_frames(&damaged, (160, 120), sampling, &Limits::default(), &CancelFlag::new(), &mut |_| {}).unwrap();
        assert_eq!(summary.decoder_errors, 10, "{sampling:?}: ten frames cannot be decoded: {summary:?}");
        assert!(summary.frames >= 4, "{summary:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_av1_sequence_header_larger_than_its_caps_is_refused_before_decoding() {
    let dir = workdir("av1");
    let path = dir.join("av1.webm");
    let encode = ["-c:v", "libaom-av1", "-cpu-used", "8", "-g", "10", "-b:v", "100k", path.to_str().unwrap()];
    ffmpeg(&[&["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=2"][..], &encode].concat());
    // 160×120 caps pass a limit of 20000 pixels; the sequence header is patched to allow 256×128
    // frames (max_frame_width_minus_1 and max_frame_height_minus_1 all ones, at the same widths).
    let limits = Limits { max_frame_pixels: 20_000, ..Limits::default() };
    probe(&path, &limits).unwrap_or_else(|e| panic!("the unpatched file: {}: {e}", e.code()));
    let header = [0x00, 0x00, 0x00, 0x03, 0xb4, 0xff, 0x73, 0x6b, 0xe4, 0x01];
    let bytes = std::fs::read(&path).unwrap();
    let starts: Vec<usize> = (0..bytes.len() - header.len()).filter(|&i| bytes[i..i + 10] == header).collect();
    assert!(!starts.is_empty(), "libaom's 160×120 sequence header");
    let mut patched = bytes.clone();
    for at in starts {
        patched[at + 4] |= 0x07;
        patched[at + 6] |= 0xf0;
    }
    let big = dir.join("av1-256x128.webm");
    std::fs::write(&big, patched).unwrap();
    let error = probe(&big, &limits).unwrap_err();
    assert_eq!(limit_of(&error), Some(MediaLimit::FrameSize), "{error}");
    assert!(error.to_string().contains("256×128"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}
