//! Hostile media made at test time, small: ffmpeg for the recordings, byte patches for the lies
//! they tell (a frame size, a duration). Shared by the media crate's hostile tests and the core's
//! fault-injection suite.

mod h264;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use h264::h264_claiming;

/// Runs ffmpeg with `args` (output last); panics loudly when ffmpeg is missing or fails.
pub fn ffmpeg(args: &[&str]) {
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg is needed to generate hostile media: apt-get install ffmpeg");
    assert!(output.status.success(), "ffmpeg {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// Overwrites the bytes after every occurrence of `pattern` with `with`; returns how many.
pub fn patch_after(bytes: &mut [u8], pattern: &[u8], with: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i + pattern.len() + with.len() <= bytes.len() {
        if &bytes[i..i + pattern.len()] == pattern {
            let at = i + pattern.len();
            bytes[at..at + with.len()].copy_from_slice(with);
            count += 1;
            i = at + with.len();
        } else {
            i += 1;
        }
    }
    count
}

/// 3 s of a 440 Hz tone in Opus/Matroska, written to `path`, whose timestamps jump by `jump_s`
/// after 1.5 s.
pub fn opus_jumping(path: &Path, jump_s: u32) {
    let jump = format!("asetpts=PTS+gte(T\\,1.5)*{jump_s}/TB");
    let tone = "sine=frequency=440:duration=3:sample_rate=48000";
    ffmpeg(&["-f", "lavfi", "-i", tone, "-af", &jump, "-c:a", "libopus", "-b:a", "16k", path.to_str().unwrap()]);
}

/// A 64×64 MJPEG AVI in `dir` whose JPEG start-of-frame markers say `side` × `side`.
pub fn mjpeg_claiming(dir: &Path, side: u16) -> PathBuf {
    let path = dir.join(format!("mjpeg-{side}.avi"));
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5", "-t", "1", "-c:v", "mjpeg", path.to_str().unwrap()]);
    let mut bytes = std::fs::read(&path).unwrap();
    // SOF0: marker, length 17, precision 8, then height and width.
    let size = [side.to_be_bytes(), side.to_be_bytes()].concat();
    assert!(patch_after(&mut bytes, &[0xff, 0xc0, 0x00, 0x11, 0x08], &size) >= 1);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A 160×120 MJPEG AVI in `dir` (4 s at 10 fps, no audio) in which every fourth frame's JPEG
/// header claims a data precision of 7 bits, which no decoder accepts: ten frames are skipped.
/// Also returns the intact file.
pub fn mjpeg_with_undecodable_frames(dir: &Path) -> (PathBuf, PathBuf) {
    let whole = dir.join("mjpeg.avi");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=10:duration=4",
        "-c:v",
        "mjpeg",
        whole.to_str().unwrap(),
    ]);
    let mut bytes = std::fs::read(&whole).unwrap();
    let sof = [0xff, 0xc0, 0x00, 0x11, 0x08];
    let starts: Vec<usize> = (0..bytes.len() - sof.len()).filter(|&i| bytes[i..i + sof.len()] == sof).collect();
    assert_eq!(starts.len(), 40, "one start-of-frame marker per frame");
    starts.iter().skip(3).step_by(4).for_each(|&at| bytes[at + 4] = 7);
    let damaged = dir.join("mjpeg-damaged.avi");
    std::fs::write(&damaged, bytes).unwrap();
    (whole, damaged)
}

/// 60 H.264 frames 1 µs apart with 2 s of AAC.
pub fn one_microsecond_apart(dir: &Path) -> PathBuf {
    let file = dir.join("one-microsecond.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64:rate=30:duration=2",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=2",
        "-vf",
        "setpts=N*0.000001/TB",
        "-fps_mode",
        "passthrough",
        "-video_track_timescale",
        "1000000",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        file.to_str().expect("a UTF-8 path"),
    ]);
    file
}
