//! The media stage: audio and video analysed side by side on worker threads, memory bounded.

use std::path::Path;

use session_media::{
    CancelFlag, FrameSampling, Limits, MediaInfo, WavWriter, decode_audio, read_video_packets, sample_frames,
};
use session_scoring::{AudioAnalyzer, AudioFeatures, PacketInfo, VideoFeatures, frame_stats};

use crate::ProcessingError;

/// What the audio half of the media stage produced.
pub(crate) struct AudioAnalysis {
    pub features: AudioFeatures,
    /// `audio.wav` (16-bit PCM, 16 kHz, mono), removed when dropped.
    pub wav: tempfile::TempPath,
    /// The samples themselves, kept only when a transcriber will need them.
    pub samples: Option<Vec<f32>>,
}

/// Decodes the audio once and feeds the analyser, the WAV writer and (optionally) the
/// transcriber's buffer from the same chunks.
pub(crate) fn analyze_audio(
    path: &Path,
    temp_dir: &Path,
    limits: &Limits,
    cancel: &CancelFlag,
    keep_samples: bool,
    expected_s: f64,
    progress: &(dyn Fn(f64) + Sync),
) -> Result<AudioAnalysis, ProcessingError> {
    let rate = session_media::AUDIO_SAMPLE_RATE;
    let wav = tempfile::Builder::new()
        .prefix("session-audio-")
        .suffix(".wav")
        .tempfile_in(temp_dir)
        .map_err(|e| ProcessingError::io(temp_dir.display(), e))?
        .into_temp_path();
    let mut writer = WavWriter::create(&wav, rate).map_err(|e| ProcessingError::io(wav.display(), e))?;
    let mut analyzer = AudioAnalyzer::new(rate).map_err(|e| ProcessingError::Internal(e.to_string()))?;
    let mut samples = keep_samples.then(Vec::new);
    let mut write_error = None;
    let mut decoded = 0u64;
    let expected_samples = (expected_s * rate as f64).max(1.0);
    decode_audio(path, limits, cancel, &mut |chunk| {
        analyzer.push(chunk);
        if write_error.is_none() {
            write_error = writer.write(chunk).err();
        }
        if let Some(samples) = samples.as_mut() {
            samples.extend_from_slice(chunk);
        }
        let before = decoded;
        decoded += chunk.len() as u64;
        if decoded / (rate as u64 * 10) != before / (rate as u64 * 10) {
            progress(decoded as f64 / expected_samples);
        }
    })?;
    if let Some(e) = write_error {
        return Err(ProcessingError::io(wav.display(), e));
    }
    writer.finish().map_err(|e| ProcessingError::io(wav.display(), e))?;
    Ok(AudioAnalysis { features: analyzer.finish(), wav, samples })
}

/// Reads packet timing from the demuxer, then image statistics from sampled frames.
pub(crate) fn analyze_video(
    path: &Path,
    info: &MediaInfo,
    sampling: FrameSampling,
    limits: &Limits,
    cancel: &CancelFlag,
) -> Result<VideoFeatures, ProcessingError> {
    let stream =
        info.video().ok_or_else(|| ProcessingError::Internal("analyze_video called without a video stream".into()))?;
    let (width, height) = (stream.width.unwrap_or(0), stream.height.unwrap_or(0));
    let packets = read_video_packets(path, limits, cancel)?
        .into_iter()
        .map(|p| PacketInfo {
            pts_s: p.pts_s,
            dts_s: p.dts_s,
            duration_s: p.duration_s,
            size_bytes: p.size_bytes,
            keyframe: p.keyframe,
        })
        .collect();
    let mut frames = Vec::new();
    sample_frames(path, (width, height), sampling, limits, cancel, &mut |frame| {
        frames.push(frame_stats(frame.luma, frame.width, frame.height, frame.stride, frame.time_s));
    })?;
    Ok(VideoFeatures {
        width,
        height,
        declared_fps: stream.frame_rate,
        duration_s: info.duration_s.unwrap_or(0.0),
        packets,
        frames,
    })
}
