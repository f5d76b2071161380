//! Runs the media stage on real files made by `scripts/make-fixtures` (ffmpeg + espeak-ng).

use session_testkit::fixture;

use session_media::*;

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn probes_every_egress_container() {
    let cases = [
        ("clean.mp4", true, true, "video/x-h264", "audio/mpeg"),
        ("opus.mp4", true, true, "video/x-h264", "audio/x-opus"),
        ("vp8.webm", true, true, "video/x-vp8", "audio/x-opus"),
        ("vp9.webm", true, true, "video/x-vp9", "audio/x-opus"),
        ("audio.ogg", false, true, "", "audio/x-opus"),
        ("audio.m4a", false, true, "", "audio/mpeg"),
        ("video-only.mp4", true, false, "video/x-h264", ""),
    ];
    for (name, has_video, has_audio, video_type, audio_type) in cases {
        let info = probe(&fixture(name), &limits()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.video().is_some(), has_video, "{name}: {info:?}");
        assert_eq!(info.audio().is_some(), has_audio, "{name}: {info:?}");
        let duration = info.duration_s.expect("duration");
        assert!((10.0..30.0).contains(&duration), "{name}: duration {duration}");
        if let Some(video) = info.video() {
            assert_eq!(video.media_type, video_type, "{name}");
            assert_eq!((video.width, video.height), (Some(640), Some(360)), "{name}");
            let fps = video.frame_rate.unwrap_or(30.0);
            assert!((fps - 30.0).abs() < 0.5, "{name}: fps {fps}");
        }
        if let Some(audio) = info.audio() {
            assert_eq!(audio.media_type, audio_type, "{name}");
            assert!(audio.sample_rate.unwrap() >= 16_000, "{name}");
        }
    }
}

#[test]
fn decodes_audio_to_16k_mono_for_every_container() {
    for name in ["clean.mp4", "opus.mp4", "vp8.webm", "audio.ogg", "audio.m4a"] {
        let path = fixture(name);
        let duration = probe(&path, &limits()).unwrap().duration_s.unwrap();
        let mut energy = 0.0f64;
        let mut count = 0u64;
        let summary = decode_audio(&path, &limits(), &CancelFlag::new(), &mut |chunk| {
            energy += chunk.iter().map(|s| (*s as f64).powi(2)).sum::<f64>();
            count += chunk.len() as u64;
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(summary.samples, count);
        assert!(!summary.damage.is_damaged(), "{name}: {:?}", summary.damage);
        assert!((summary.duration_s - duration).abs() < 0.2, "{name}: {} vs {duration}", summary.duration_s);
        let rms = (energy / count as f64).sqrt();
        assert!(rms > 0.01, "{name}: speech should not be silent (rms {rms})");
    }
}

#[test]
fn reads_packet_timing_without_decoding() {
    let packets = read_video_packets(&fixture("clean.mp4"), &limits(), &CancelFlag::new()).unwrap();
    let duration = probe(&fixture("clean.mp4"), &limits()).unwrap().duration_s.unwrap();
    let expected = (duration * 30.0).round() as i64;
    assert!((packets.len() as i64 - expected).abs() <= 2, "{} packets, expected {expected}", packets.len());
    let keyframes = packets.iter().filter(|p| p.keyframe).count() as i64;
    assert!((keyframes - duration.ceil() as i64).abs() <= 1, "1 s GOP: {keyframes} key frames");
    assert!(packets.iter().all(|p| p.size_bytes > 0 && p.pts_s.is_some()));
}

#[test]
fn samples_key_frames_only_and_scales_them_down() {
    let path = fixture("vp8.webm");
    let mut times = Vec::new();
    let summary = sample_frames(&path, (640, 360), FrameSampling::default(), &limits(), &CancelFlag::new(), &mut |f| {
        assert_eq!((f.width, f.height), (320, 180));
        assert!(f.pixels.len() >= f.stride * 180);
        times.push(f.time_s);
    })
    .unwrap();
    assert_eq!(summary.frames as usize, times.len());
    assert_eq!(summary.decoder_errors, 0);
    for name in ["clean.mp4", "vp9.webm", "video-only.mp4"] {
        let mut n = 0;
        sample_frames(&fixture(name), (640, 360), FrameSampling::default(), &limits(), &CancelFlag::new(), &mut |_| {
            n += 1
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let gops = probe(&fixture(name), &limits()).unwrap().duration_s.unwrap().ceil() as i64;
        assert!((n - gops).abs() <= 1, "{name}: {n} key frames for {gops} one-second GOPs");
    }
    assert!(times.windows(2).all(|w| w[1] > w[0]), "times increase: {times:?}");
}

#[test]
fn rate_sampling_decodes_the_requested_rate() {
    let mut n = 0;
    sample_frames(
        &fixture("clean.mp4"),
        (640, 360),
        FrameSampling::Rate { fps: 4.0 },
        &limits(),
        &CancelFlag::new(),
        &mut |_| n += 1,
    )
    .unwrap();
    let duration = probe(&fixture("clean.mp4"), &limits()).unwrap().duration_s.unwrap();
    let expected = (duration * 4.0) as i64;
    assert!((n - expected).abs() <= 2, "{n} frames at 4 fps over {duration} s");
}

#[test]
fn broken_inputs_give_typed_errors() {
    let missing = fixture("clean.mp4").with_file_name("does-not-exist.mp4");
    assert!(matches!(probe(&missing, &limits()), Err(MediaError::NotFound { .. })));
    assert!(matches!(probe(&fixture("empty.mp4"), &limits()), Err(MediaError::Empty { .. })));
    let not_media = probe(&fixture("not-media.mp4"), &limits()).unwrap_err();
    assert!(matches!(not_media, MediaError::NotMedia { .. }), "{not_media:?}");
    let truncated = probe(&fixture("truncated.mp4"), &limits()).unwrap_err();
    assert!(matches!(truncated, MediaError::Truncated { .. }), "{truncated:?}");
    assert!(truncated.to_string().contains("truncated.mp4"));
    let audio = decode_audio(&fixture("truncated.mp4"), &limits(), &CancelFlag::new(), &mut |_| {}).unwrap_err();
    assert!(matches!(audio, MediaError::Truncated { .. }), "{audio:?}");
}

#[test]
fn missing_streams_are_reported_not_hung() {
    let no_audio = decode_audio(&fixture("video-only.mp4"), &limits(), &CancelFlag::new(), &mut |_| {}).unwrap_err();
    assert!(matches!(no_audio, MediaError::NoAudio { .. }), "{no_audio:?}");
    let no_video = read_video_packets(&fixture("audio.ogg"), &limits(), &CancelFlag::new()).unwrap_err();
    assert!(matches!(no_video, MediaError::NoVideo { .. }), "{no_video:?}");
    let no_frames = sample_frames(
        &fixture("audio.m4a"),
        (640, 360),
        FrameSampling::default(),
        &limits(),
        &CancelFlag::new(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(no_frames, MediaError::NoVideo { .. }), "{no_frames:?}");
}

#[test]
fn cancellation_stops_a_pipeline() {
    let cancel = CancelFlag::new();
    cancel.cancel();
    let err = decode_audio(&fixture("clean.mp4"), &limits(), &cancel, &mut |_| {}).unwrap_err();
    assert!(matches!(err, MediaError::Cancelled { .. }), "{err:?}");
}

#[test]
fn a_picture_renamed_mp4_is_not_media_at_once_and_names_are_escaped() {
    let folder = std::env::temp_dir().join(format!("media-test-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let picture = folder.join("photo.mp4");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&[0u8; 64]);
    std::fs::write(&picture, &png).unwrap();
    let started = std::time::Instant::now();
    let error = probe(&picture, &limits()).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(error.code(), "input_not_media", "{error}");
    assert!(error.to_string().contains("PNG image"), "{error}");

    let hostile = folder.join("line\nbreak\u{1b}[31m.mp4");
    let error = probe(&hostile, &limits()).unwrap_err();
    let message = error.to_string();
    assert!(!message.contains('\n') && !message.contains('\u{1b}'), "{message:?}");
    assert!(message.contains("line\\nbreak\\u{1b}[31m.mp4"), "{message}");
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn hands_over_the_original_channels_beside_the_mono_feed() {
    // speech.wav spread over 5.1 (AAC, 48 kHz) with a different gain per channel.
    let path = std::env::temp_dir().join(format!("session-media-5.1-{}.m4a", std::process::id()));
    let status = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-i"])
        .arg(fixture("speech.wav"))
        .args(["-af", "aresample=48000,pan=5.1|FL=1.0*c0|FR=0.7*c0|FC=0.5*c0|LFE=0.8*c0|BL=0.4*c0|BR=0.3*c0"])
        .args(["-c:a", "aac", "-b:a", "256k"])
        .arg(&path)
        .status()
        .expect("ffmpeg (Debian: apt-get install ffmpeg) is part of the test setup");
    assert!(status.success());
    let mut mono = 0u64;
    let mut frames = 0u64;
    let mut layouts: Vec<ChannelLayout> = Vec::new();
    let summary = decode_audio_with_original(
        &path,
        &limits(),
        &CancelFlag::new(),
        &mut |chunk| mono += chunk.len() as u64,
        &mut |layout, interleaved| {
            assert_eq!(interleaved.len() % layout.channels.len(), 0, "whole frames");
            frames += (interleaved.len() / layout.channels.len()) as u64;
            if layouts.last() != Some(layout) {
                layouts.push(layout.clone());
            }
        },
    );
    std::fs::remove_file(&path).ok();
    let summary = summary.unwrap();
    assert_eq!(summary.samples, mono);
    assert_eq!(layouts.len(), 1, "{layouts:?}");
    let layout = &layouts[0];
    assert_eq!(layout.sample_rate, 48_000);
    let mut channels = layout.channels.clone();
    channels.sort_by_key(|c| format!("{c:?}"));
    use ChannelPosition::*;
    assert_eq!(channels, vec![FrontCenter, FrontLeft, FrontRight, Lfe, RearLeft, RearRight], "{layout:?}");
    let (original_s, mono_s) = (frames as f64 / 48_000.0, mono as f64 / 16_000.0);
    assert!((original_s - mono_s).abs() < 0.01, "original {original_s} s, mono {mono_s} s");
}

#[test]
fn the_frame_as_decoded_comes_as_i420_planes() {
    let mut frames = 0;
    sample_frames_as(
        &fixture("dark.mp4"),
        (640, 360),
        FrameSampling::default(),
        FrameFormat::Gray8,
        &limits(),
        &CancelFlag::new(),
        &mut |f| {
            let coded = f.coded.expect("the frame as decoded");
            let (y, u, v) = (coded.y, coded.u, coded.v);
            assert_eq!((y.width, y.height, u.width, u.height, v.width, v.height), (640, 360, 320, 180, 320, 180));
            let packed = coded.to_i420();
            assert_eq!(packed.len(), 640 * 360 + 2 * 320 * 180);
            for row in 0..360 {
                assert_eq!(&packed[row * 640..][..640], &y.pixels[row * y.stride..][..640], "luma row {row}");
            }
            frames += 1;
        },
    )
    .unwrap();
    assert!(frames >= 10, "{frames} frames");
}

#[test]
fn the_grey_format_also_hands_over_the_luma_at_its_coded_size() {
    let path = fixture("clean.mp4");
    let sample = |format| {
        let mut frames = Vec::new();
        sample_frames_as(
            &path,
            (640, 360),
            FrameSampling::default(),
            format,
            &limits(),
            &CancelFlag::new(),
            &mut |f| {
                let luma = f.coded.map(|c| c.luma());
                let coded = luma.map(|c| (c.width, c.height, c.stride, c.pixels.len()));
                // The scaled plane is that luma, halved: the same picture at both sizes.
                let means = luma.map(|c| {
                    (mean(f.pixels, f.width, f.height, f.stride), mean(c.pixels, c.width, c.height, c.stride))
                });
                frames.push((coded, means));
            },
        )
        .unwrap();
        frames
    };
    for format in [FrameFormat::Gray8] {
        let frames = sample(format);
        assert!(frames.len() >= 10, "{format:?}: {} frames", frames.len());
        for (coded, means) in frames {
            let (width, height, stride, len) = coded.expect("luma at coded size");
            assert_eq!((width, height), (640, 360), "{format:?}");
            assert!(stride >= 640 && len >= stride * 359 + 640, "{format:?}: {stride} {len}");
            let (scaled, full) = means.unwrap();
            assert!((scaled - full).abs() < 1.0, "{format:?}: mean luma {scaled} scaled, {full} coded");
        }
    }
    assert!(sample(FrameFormat::Rgb8).iter().all(|(coded, _)| coded.is_none()), "RGB frames carry no luma plane");
}

fn mean(pixels: &[u8], width: u32, height: u32, stride: usize) -> f64 {
    let rows = pixels.chunks(stride).take(height as usize);
    rows.flat_map(|r| &r[..width as usize]).map(|&p| f64::from(p)).sum::<f64>() / f64::from(width * height)
}
