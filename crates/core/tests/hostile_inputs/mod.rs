//! Hostile recordings for the fault-injection suite, generated small at test time (a few KB to a
//! few hundred KB each) with ffmpeg and gst-launch-1.0 and patched byte by byte here: truncated,
//! corrupted, mislabelled, empty, header-only, with huge declared frames, timestamp jumps, many
//! streams, frames 1 µs apart, MJPEG in MOV and MP4, absurd participant offsets and control
//! characters in their names.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub use session_testkit::hostile_media::{
    ffmpeg, h264_claiming, mjpeg_claiming, mjpeg_with_undecodable_frames, one_microsecond_apart, opus_jumping,
    patch_after,
};

/// What a hostile input must lead to; anything else is a wrong result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expect {
    /// The run fails with kind `input` and a code starting with this.
    Refused(&'static str),
    /// The run completes, its playable part analysed, with a `media_damaged` issue.
    Damaged,
    /// The run completes with no `media_damaged` issue.
    Intact,
    /// The run completes; nothing in the file tells damage apart (garbage in raw PCM is noise).
    Readable,
}

pub struct Case {
    pub name: String,
    pub file: PathBuf,
    pub expect: Expect,
    /// Run as one participant's recording starting at this offset (seconds, as text) instead of
    /// as the session's recording.
    pub offset: Option<&'static str>,
}

impl Case {
    fn new(name: &str, file: PathBuf, expect: Expect) -> Self {
        Case { name: name.to_string(), file, expect, offset: None }
    }
}

/// Every hostile input, written into `dir`.
pub fn generate(dir: &Path) -> Vec<Case> {
    let base = Bases::make(dir);
    let mut cases = Vec::new();
    for (name, file) in [
        ("intact webm (VP8, Opus)", &base.webm),
        ("intact mp4 (H.264, AAC, moov at the end)", &base.mp4),
        ("intact fragmented mp4", &base.fragmented),
        ("intact ogg (Opus)", &base.ogg),
        ("intact wav", &base.wav),
        ("mp4mux mp4 (H.264, Opus), as LiveKit Egress writes it", &base.mp4mux_opus),
        ("mp4mux mp4 (H.264, AAC)", &base.mp4mux_aac),
    ] {
        cases.push(Case::new(name, file.clone(), Expect::Intact));
    }
    for extension in ["mov", "mp4"] {
        let file = dir.join(format!("mjpeg.{extension}"));
        ffmpeg(&["-f", "lavfi", "-i", VIDEO, "-f", "lavfi", "-i", TONE, "-c:v", "mjpeg", "-c:a", "aac", path(&file)]);
        cases.push(Case::new(&format!("MJPEG and AAC in {extension}"), file, Expect::Intact));
    }
    truncated(dir, &base, &mut cases);
    corrupted(dir, &base, &mut cases);
    mislabelled(dir, &base, &mut cases);
    limits(dir, &base, &mut cases);
    participants(&base, &mut cases);
    cases
}

/// The clean recordings every hostile input is made from: 4 s of a 160×120 test pattern at
/// 10 fps and a 440 Hz tone.
struct Bases {
    webm: PathBuf,
    mp4: PathBuf,
    fragmented: PathBuf,
    ogg: PathBuf,
    wav: PathBuf,
    mp4mux_opus: PathBuf,
    mp4mux_aac: PathBuf,
}

const VIDEO: &str = "testsrc2=size=160x120:rate=10:duration=4";
const TONE: &str = "sine=frequency=440:sample_rate=48000:duration=4";

impl Bases {
    fn make(dir: &Path) -> Self {
        let out = |name: &str| dir.join(name);
        let av = ["-f", "lavfi", "-i", VIDEO, "-f", "lavfi", "-i", TONE];
        let h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p", "-c:a", "aac"];
        let webm = out("base.webm");
        ffmpeg(&[&av[..], &["-c:v", "libvpx", "-g", "10", "-b:v", "200k", "-c:a", "libopus"], &[path(&webm)]].concat());
        let mp4 = out("base.mp4");
        ffmpeg(&[&av[..], &h264, &[path(&mp4)]].concat());
        let fragmented = out("fragmented.mp4");
        let frag = ["-movflags", "frag_keyframe+empty_moov+default_base_moof"];
        ffmpeg(&[&av[..], &h264, &frag, &[path(&fragmented)]].concat());
        let ogg = out("base.ogg");
        ffmpeg(&["-f", "lavfi", "-i", TONE, "-c:a", "libopus", path(&ogg)]);
        let wav = out("base.wav");
        ffmpeg(&["-f", "lavfi", "-i", TONE, "-ar", "16000", "-c:a", "pcm_s16le", path(&wav)]);
        let mp4mux_opus = out("mp4mux-opus.mp4");
        mp4mux(&mp4mux_opus, "opusenc");
        let mp4mux_aac = out("mp4mux-aac.mp4");
        mp4mux(&mp4mux_aac, "avenc_aac ! aacparse");
        Bases { webm, mp4, fragmented, ogg, wav, mp4mux_opus, mp4mux_aac }
    }
}

fn truncated(dir: &Path, base: &Bases, cases: &mut Vec<Case>) {
    let cut = |from: &Path, name: &str, fraction: f64| {
        let bytes = std::fs::read(from).unwrap();
        write(dir, name, &bytes[..(bytes.len() as f64 * fraction) as usize])
    };
    cases.push(Case::new("webm cut at 55%", cut(&base.webm, "cut.webm", 0.55), Expect::Damaged));
    // A killed recorder's MP4 has no index: nothing can be played.
    let mp4 = cut(&base.mp4, "cut.mp4", 0.55);
    cases.push(Case::new("mp4 cut at 55% (no moov)", mp4, Expect::Refused("media.input_truncated")));
    cases.push(Case::new(
        "fragmented mp4 cut at 60%",
        cut(&base.fragmented, "cut-fragmented.mp4", 0.6),
        Expect::Damaged,
    ));
    cases.push(Case::new("ogg cut at 55%", cut(&base.ogg, "cut.ogg", 0.55), Expect::Damaged));
    cases.push(Case::new("wav cut at 55%", cut(&base.wav, "cut.wav", 0.55), Expect::Damaged));
    // Headers only: the first bytes of each file.
    let mp4_header = cut(&base.mp4, "header-only.mp4", 48.0 / std::fs::metadata(&base.mp4).unwrap().len() as f64);
    cases.push(Case::new("mp4 header only (48 bytes)", mp4_header, Expect::Refused("media.input")));
    let webm_header = cut(&base.webm, "header-only.webm", 400.0 / std::fs::metadata(&base.webm).unwrap().len() as f64);
    cases.push(Case::new("webm header only (400 bytes)", webm_header, Expect::Refused("media.")));
    let zero = write(dir, "zero.mp4", &[]);
    cases.push(Case::new("zero-byte mp4", zero, Expect::Refused("media.input_empty")));
}

fn corrupted(dir: &Path, base: &Bases, cases: &mut Vec<Case>) {
    let garbage = |from: &Path, name: &str| {
        let mut bytes = std::fs::read(from).unwrap();
        let at = bytes.len() / 2;
        let end = (at + 4000).min(bytes.len());
        bytes[at..end].iter_mut().enumerate().for_each(|(i, b)| *b = (i * 37 % 251) as u8);
        write(dir, name, &bytes)
    };
    cases.push(Case::new("MJPEG with 10 undecodable frames", mjpeg_with_undecodable_frames(dir).1, Expect::Damaged));
    for (name, from, file, expect) in [
        ("webm with 4 KB of garbage mid-stream", &base.webm, "garbage.webm", Expect::Damaged),
        ("mp4 with 4 KB of garbage mid-stream", &base.mp4, "garbage.mp4", Expect::Damaged),
        ("ogg with 4 KB of garbage mid-stream", &base.ogg, "garbage.ogg", Expect::Damaged),
        ("wav with 4 KB of garbage mid-stream", &base.wav, "garbage.wav", Expect::Readable),
    ] {
        cases.push(Case::new(name, garbage(from, file), expect));
    }
}

fn mislabelled(dir: &Path, base: &Bases, cases: &mut Vec<Case>) {
    for (name, codec) in [("png.mp4", "png"), ("jpeg.mp4", "mjpeg")] {
        let file = dir.join(name);
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
            path(&file),
        ]);
        cases.push(Case::new(&format!("{codec} picture named .mp4"), file, Expect::Refused("media.input_not_media")));
    }
    let text = write(dir, "text.mp4", "this is not a video, only words\n".repeat(200).as_bytes());
    cases.push(Case::new("text named .mp4", text, Expect::Refused("media.input_not_media")));
    // Control characters in the name: a clean file reads; a broken one's message escapes them.
    let named = dir.join("ctl-\n\x1b[31m-\x07.webm");
    std::fs::copy(&base.webm, &named).unwrap();
    cases.push(Case::new("clean webm named with control characters", named, Expect::Intact));
    let bytes = std::fs::read(&base.mp4).unwrap();
    let broken = write(dir, "ctl-\r\x1b]0;title\x07-\t.mp4", &bytes[..bytes.len() / 2]);
    cases.push(Case::new("cut mp4 named with control characters", broken, Expect::Refused("media.input_truncated")));
}

fn limits(dir: &Path, base: &Bases, cases: &mut Vec<Case>) {
    cases.push(Case::new(
        "MJPEG frames declaring 30000×30000",
        mjpeg_claiming(dir, 30000),
        Expect::Refused("media.limit_frame_size"),
    ));
    let mut vp8 = std::fs::read(&base.webm).unwrap();
    // A VP8 key frame's start code, then its width and height (14 bits each, little-endian).
    assert!(patch_after(&mut vp8, &[0x9d, 0x01, 0x2a], &[0xff, 0x3f, 0xff, 0x3f]) >= 1, "VP8 key frames");
    let vp8 = write(dir, "vp8-16383.webm", &vp8);
    cases.push(Case::new("VP8 key frames declaring 16383×16383", vp8, Expect::Refused("media.limit_frame_size")));
    let h264 = h264_claiming(dir, 8192);
    cases.push(Case::new("H.264 SPS declaring 8192×8192", h264, Expect::Refused("media.limit_frame_size")));
    cases.push(Case::new(
        "VP9 key frames declaring 16384×16384",
        vp9_claiming(dir, 16384),
        Expect::Refused("media.limit_frame_size"),
    ));
    let jump = dir.join("jump-10h.mka");
    opus_jumping(&jump, 36000);
    cases.push(Case::new("Opus jumping 10 h (declares 10 h)", jump.clone(), Expect::Refused("media.limit_duration")));
    let mut declared = std::fs::read(&jump).unwrap();
    // Segment Info's Duration: ID 0x4489, an 8-byte float in milliseconds.
    assert_eq!(patch_after(&mut declared, &[0x44, 0x89, 0x88], &3000f64.to_be_bytes()), 1, "one Duration");
    let declared = write(dir, "jump-10h-declared-3s.mka", &declared);
    cases.push(Case::new("Opus jumping 10 h (declares 3 s)", declared, Expect::Refused("media.limit_audio_overrun")));
    let hole = dir.join("jump-5s.mka");
    opus_jumping(&hole, 5);
    cases.push(Case::new("Opus with a 5 s hole", hole, Expect::Damaged));
    cases.push(Case::new("20 audio streams", audio_tracks(dir, 20), Expect::Refused("media.limit_streams")));
    cases.push(Case::new("3 audio tracks", audio_tracks(dir, 3), Expect::Intact));
    cases.push(Case::new("video frames 1 µs apart", one_microsecond_apart(dir), Expect::Readable));
}

fn participants(base: &Bases, cases: &mut Vec<Case>) {
    for (offset, expect) in [
        ("-5", Expect::Refused("input.out_of_range")),
        ("NaN", Expect::Refused("input.out_of_range")),
        ("inf", Expect::Refused("input.out_of_range")),
        ("1e12", Expect::Refused("input.out_of_range")),
        ("2.5", Expect::Intact),
    ] {
        let name = format!("participant offset {offset}");
        cases.push(Case { name, file: base.webm.clone(), expect, offset: Some(offset) });
    }
}

/// 1 s of 8 kHz PCM with `n` copies of the audio stream, in Matroska.
pub fn audio_tracks(dir: &Path, n: usize) -> PathBuf {
    let file = dir.join(format!("tracks-{n}.mka"));
    let mut args = vec!["-f", "lavfi", "-i", "sine=duration=1:sample_rate=8000"];
    args.extend(std::iter::repeat_n(["-map", "0:a"], n).flatten());
    args.extend(["-c:a", "pcm_s16le", path(&file)]);
    ffmpeg(&args);
    file
}

/// A 160×120 VP9 WebM whose key frame headers say `side` × `side` (profile 0: after the sync
/// code, 4 bits of colour config, then width − 1 and height − 1 in 16 bits each).
fn vp9_claiming(dir: &Path, side: u32) -> PathBuf {
    let file = dir.join(format!("vp9-{side}.webm"));
    let vp9 = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "10", "-b:v", "100k"];
    ffmpeg(&[&["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=2"][..], &vp9, &[path(&file)]].concat());
    let mut bytes = std::fs::read(&file).unwrap();
    let size = (((side - 1) << 16) | (side - 1)) as u64;
    let mut patched = 0;
    for at in 0..bytes.len().saturating_sub(9) {
        if bytes[at..at + 4] == [0x82, 0x49, 0x83, 0x42] {
            let old = u64::from_be_bytes([
                0,
                0,
                0,
                bytes[at + 4],
                bytes[at + 5],
                bytes[at + 6],
                bytes[at + 7],
                bytes[at + 8],
            ]);
            let new = (old & !(0xffff_ffff << 4)) | (size << 4);
            bytes[at + 4..at + 9].copy_from_slice(&new.to_be_bytes()[3..]);
            patched += 1;
        }
    }
    assert!(patched >= 1, "VP9 key frames");
    std::fs::write(&file, bytes).unwrap();
    file
}

/// 4 s of H.264 and `audio` (a GStreamer encoder chain) through mp4mux, as LiveKit Egress writes
/// its MP4 files (moov at the end).
pub fn mp4mux(file: &Path, audio: &str) {
    let pipeline = format!(
        "videotestsrc num-buffers=40 ! video/x-raw,width=160,height=120,framerate=10/1 ! x264enc speed-preset=ultrafast \
         key-int-max=10 ! h264parse ! mp4mux name=mux ! filesink location={} \
         audiotestsrc num-buffers=200 samplesperbuffer=960 ! audio/x-raw,rate=48000 ! {audio} ! mux.",
        path(file)
    );
    let output = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(pipeline.split_whitespace())
        .output()
        .expect("gst-launch-1.0 is needed (Debian: gstreamer1.0-tools)");
    assert!(output.status.success(), "{pipeline}: {}", String::from_utf8_lossy(&output.stderr));
}

pub fn path(file: &Path) -> &str {
    file.to_str().expect("a UTF-8 path")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, bytes).unwrap();
    file
}
