//! Compression damage must show in the video score: copies of one camera-like clip encoded ever
//! more coarsely, checked against ffmpeg's `ssim` and `psnr` filters (full reference, against the
//! original) as the reference order. The clip is 5 s long with a single key frame, so it is also
//! judged from enough sampled frames, not from its one key frame.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use session_processing::{CancelFlag, SessionProcessor, Stages};
use support::{builder_for, ffmpeg, json, local, number};

/// Seconds of the source clip.
const SECONDS: &str = "5";

/// A camera-like source: a Mandelbrot scene panning steadily (a camera never shows the same
/// picture twice), with fine detail, smooth shading and a little temporal sensor noise; coded
/// losslessly with one key frame, as a long-GOP recording of a short clip is.
fn original(dir: &Path) -> PathBuf {
    let out = dir.join("original.mkv");
    let scene = format!(
        "mandelbrot=size=960x540:rate=25:start_scale=0.6,crop=640:360:x='t*60':y='t*30',\
         noise=alls=5:allf=t,format=yuv420p,trim=duration={SECONDS}"
    );
    let codec = ["-c:v", "libx264", "-qp", "0", "-preset", "ultrafast", "-g", "250"];
    ffmpeg(&[&["-f", "lavfi", "-i", &scene][..], &codec, &[out.to_str().unwrap()]].concat());
    out
}

/// `original` re-encoded with `args` (an optional filter first) into `dir/name`.
fn copy(dir: &Path, original: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut all = vec!["-i", original.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-g", "250", out.to_str().unwrap()]);
    ffmpeg(&all);
    out
}

/// ffmpeg's SSIM (All) and PSNR (average, dB) of `copy` against `original`.
fn reference(copy: &Path, original: &Path) -> (f64, f64) {
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-nostats", "-i"])
        .arg(copy)
        .arg("-i")
        .arg(original)
        .args(["-lavfi", "[0:v][1:v]ssim;[0:v][1:v]psnr", "-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    assert!(output.status.success(), "ffmpeg ssim/psnr failed on {}", copy.display());
    let log = String::from_utf8_lossy(&output.stderr);
    let after = |key: &str| -> f64 {
        let tail = log.rsplit(key).next().unwrap_or_default();
        let value = tail.split(|c: char| !(c.is_ascii_digit() || c == '.')).next().unwrap_or_default();
        value.parse().unwrap_or_else(|_| panic!("no {key} in ffmpeg's log:\n{log}"))
    };
    (after("All:"), if log.contains("average:inf") { f64::INFINITY } else { after("average:") })
}

/// Kendall's tau-b between two rankings (ties allowed).
fn kendall_tau_b(a: &[f64], b: &[f64]) -> f64 {
    let (mut concordant, mut discordant, mut ties_a, mut ties_b) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            let (da, db) = (a[i] - a[j], b[i] - b[j]);
            match (da == 0.0, db == 0.0) {
                (true, true) => {}
                (true, false) => ties_a += 1.0,
                (false, true) => ties_b += 1.0,
                (false, false) if da.signum() == db.signum() => concordant += 1.0,
                (false, false) => discordant += 1.0,
            }
        }
    }
    let pairs_a = concordant + discordant + ties_b;
    let pairs_b = concordant + discordant + ties_a;
    (concordant - discordant) / (pairs_a * pairs_b).sqrt()
}

struct Scored {
    name: &'static str,
    ssim: f64,
    psnr: f64,
    compression: f64,
    block_edge_factor: f64,
    blur: Option<f64>,
    video: f64,
    frames_sampled: f64,
}

async fn scored(processor: &SessionProcessor, name: &'static str, path: &Path, original: &Path) -> Scored {
    let result = processor.process(&format!("compression-{name}"), local(path), &CancelFlag::new()).await.unwrap();
    let quality = json(&result.quality.expect("quality report"));
    let video = &quality["video"];
    let (ssim, psnr) = reference(path, original);
    let scored = Scored {
        name,
        ssim,
        psnr,
        compression: number(video, &["sub_scores", "compression", "score"]).expect("compression sub-score"),
        block_edge_factor: number(video, &["metrics", "compression", "block_edge_factor"]).expect("block-edge factor"),
        blur: number(video, &["metrics", "compression", "blur"]),
        video: number(video, &["score"]).expect("video score"),
        frames_sampled: number(video, &["metrics", "picture", "frames_sampled"]).expect("frames sampled"),
    };
    eprintln!(
        "{:<10} SSIM {:.4} PSNR {:>6.2} dB | block-edge factor {:.3} blur {:?} compression {:>5.1} video {:>5.1} ({} frames)",
        scored.name,
        scored.ssim,
        scored.psnr,
        scored.block_edge_factor,
        scored.blur,
        scored.compression,
        scored.video,
        scored.frames_sampled
    );
    scored
}

#[tokio::test(flavor = "multi_thread")]
async fn coarser_compression_scores_lower_in_the_order_ssim_gives_and_the_original_loses_nothing() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let stages = Stages { transcribe: false, store_recording: false, safety_scan: false, ..Stages::default() };
    let processor = builder_for(out.path()).stages(stages).build();
    let dir = work.path();
    let source = original(dir);
    let x264 = |crf: &'static str| vec!["-c:v", "libx264", "-preset", "veryfast", "-crf", crf];
    // Rising CRF: 18 and 28 are damage a no-reference measure cannot see (x264's deblocking
    // filter hides the block grid; SSIM falls mostly with the sensor noise the encoder drops),
    // 36 the last step before blocks show, 44–51 blocks and smears.
    let mut ladder = vec![scored(&processor, "original", &source, &source).await];
    let mut invisible = Vec::new();
    for (name, crf) in
        [("crf18", "18"), ("crf28", "28"), ("crf36", "36"), ("crf44", "44"), ("crf48", "48"), ("crf51", "51")]
    {
        let path = copy(dir, &source, &format!("{name}.mkv"), &x264(crf));
        let copy = scored(&processor, name, &path, &source).await;
        if matches!(crf, "18" | "28") { invisible.push(copy) } else { ladder.push(copy) }
    }
    let others = [
        ("mpeg2-q31", vec!["-c:v", "mpeg2video", "-qmin", "31", "-q:v", "31"]),
        ("mjpeg-q31", vec!["-c:v", "mjpeg", "-q:v", "31"]),
        ("blurred", [&["-vf", "boxblur=3:1"][..], &x264("18")].concat()),
    ];
    let mut damaged = Vec::new();
    for (name, args) in others {
        let path = copy(dir, &source, &format!("{name}.mkv"), &args);
        damaged.push(scored(&processor, name, &path, &source).await);
    }

    let original = &ladder[0];
    assert!(original.frames_sampled >= 10.0, "a 5 s clip with one key frame is judged from at least 10 frames");
    assert_eq!(original.compression, 100.0, "the original shows no block coding");
    let ssim: Vec<f64> = ladder.iter().map(|s| s.ssim).collect();
    assert!(ssim.windows(2).all(|w| w[0] > w[1]), "the reference falls with the CRF: {ssim:?}");
    let compression: Vec<f64> = ladder.iter().map(|s| s.compression).collect();
    let video: Vec<f64> = ladder.iter().map(|s| s.video).collect();
    let (tau_compression, tau_video) = (kendall_tau_b(&ssim, &compression), kendall_tau_b(&ssim, &video));
    eprintln!("Kendall tau-b against SSIM: compression {tau_compression:.3}, video {tau_video:.3}");
    assert!(tau_compression >= 0.9, "compression sub-score {compression:?} against SSIM {ssim:?}");
    assert!(tau_video >= 0.9, "video score {video:?} against SSIM {ssim:?}");
    let worst = ladder.last().unwrap();
    assert!(original.video - worst.video >= 5.0, "CRF 51 costs the video score: {video:?}");
    assert!(worst.compression <= 60.0, "CRF 51 shows its blocks: {compression:?}");
    for copy in &invisible {
        assert!(copy.video <= original.video, "{} ({}) above the original ({})", copy.name, copy.video, original.video);
    }
    for copy in ladder.iter().skip(2).chain(&damaged) {
        assert!(copy.video < original.video, "{} ({}) below the original ({})", copy.name, copy.video, original.video);
    }
    for blocky in &damaged[..2] {
        assert!(blocky.compression <= 20.0, "{}: visible 8×8 blocks, compression {}", blocky.name, blocky.compression);
        assert!(blocky.compression < worst.compression, "{} is blockier than CRF 51", blocky.name);
    }
}
