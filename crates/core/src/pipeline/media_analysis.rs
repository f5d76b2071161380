//! The media stage: audio and video analysed side by side on worker threads, memory bounded.

use std::path::Path;

use session_media::{
    CancelFlag, ChannelLayout, ChannelPosition, DamageReport, FrameFormat, FrameSampling, Limits, MediaDecoder,
    MediaInfo, WavWriter,
};
use session_safety::nudity::NudityScores;
use session_safety::{NudityDetector, PixelFormat};
use session_scoring::{
    AudioAnalyzer, AudioFeatures, CompressionStats, LoudnessChannel, MAX_MEASURED_FRAMES, PacketInfo, VideoFeatures,
    compression_stats, frame_stats,
};

use session_transcribe::{SpeechMap, VoiceActivity};

use crate::ProcessingError;

/// What the audio half of the media stage produced.
pub(crate) struct AudioAnalysis {
    pub features: AudioFeatures,
    /// `audio.wav` (16-bit PCM, 16 kHz, mono), removed when dropped.
    pub wav: tempfile::TempPath,
    /// The samples themselves, kept only when a transcriber will need them.
    pub samples: Option<Vec<f32>>,
    /// Silero VAD's speech probabilities, when a VAD is configured.
    pub speech: Option<SpeechMap>,
    /// Stretches missing from the stream and decoding errors: signs of a damaged file.
    pub damage: DamageReport,
}

/// What the audio half keeps besides its features: the samples (for a transcriber), and the
/// speech map of a VAD.
pub(crate) struct AudioOutputs<'a> {
    pub keep_samples: bool,
    pub vad: Option<&'a dyn VoiceActivity>,
}

/// The recording being read, and how: the decoder, the limits on what it may hold, the run's
/// cancel flag.
#[derive(Clone, Copy)]
pub(crate) struct MediaSource<'a> {
    pub decoder: &'a dyn MediaDecoder,
    pub path: &'a Path,
    pub limits: &'a Limits,
    pub cancel: &'a CancelFlag,
}

/// Decodes the audio once and feeds the analyser, the WAV writer, the VAD and (optionally) the
/// transcriber's buffer from the same 16 kHz mono chunks; the analyser's loudness meter gets the
/// original channels at their own rate from the same decode (ITU-R BS.1770 weighs and sums them).
pub(crate) fn analyze_audio(
    source: MediaSource<'_>,
    temp_dir: &Path,
    outputs: AudioOutputs<'_>,
    expected_s: f64,
    progress: &(dyn Fn(f64) + Sync),
) -> Result<AudioAnalysis, ProcessingError> {
    let keep_samples = outputs.keep_samples;
    let mut vad = outputs.vad.map(|vad| vad.start());
    let mut vad_error = None;
    let rate = session_media::AUDIO_SAMPLE_RATE;
    let wav = tempfile::Builder::new()
        .prefix(&crate::pipeline::temp_files::prefix("audio"))
        .suffix(".wav")
        .tempfile_in(temp_dir)
        .map_err(|e| ProcessingError::io(temp_dir.display(), e))?
        .into_temp_path();
    let mut writer = WavWriter::create(&wav, rate).map_err(|e| ProcessingError::io(wav.display(), e))?;
    // Both feeds of the decode reach the analyser, one after the other, never at once.
    let analyzer = std::cell::RefCell::new(
        AudioAnalyzer::with_channel_loudness(rate).map_err(|e| ProcessingError::Internal(e.to_string()))?,
    );
    let mut loudness_error = None;
    let mut weights: Option<(ChannelLayout, Vec<LoudnessChannel>)> = None;
    let mut on_original = |layout: &ChannelLayout, interleaved: &[f32]| {
        if loudness_error.is_some() {
            return;
        }
        if weights.as_ref().is_none_or(|(known, _)| known != layout) {
            weights = Some((layout.clone(), layout.channels.iter().map(|&p| loudness_channel(p)).collect()));
        }
        let channels = weights.as_ref().map_or(&[][..], |(_, channels)| &channels[..]);
        loudness_error = analyzer.borrow_mut().push_channels(layout.sample_rate, channels, interleaved).err();
    };
    let mut samples = keep_samples.then(Vec::new);
    let mut write_error = None;
    let mut decoded = 0u64;
    let expected_samples = (expected_s * rate as f64).max(1.0);
    let mut on_chunk = |chunk: &[f32]| {
        analyzer.borrow_mut().push(chunk);
        if write_error.is_none() {
            write_error = writer.write(chunk).err();
        }
        if let Some(samples) = samples.as_mut() {
            samples.extend_from_slice(chunk);
        }
        if let (Some(stream), None) = (vad.as_mut(), &vad_error) {
            vad_error = stream.push(chunk).err();
        }
        let before = decoded;
        decoded += chunk.len() as u64;
        if decoded / (rate as u64 * 10) != before / (rate as u64 * 10) {
            progress(decoded as f64 / expected_samples);
        }
    };
    let summary =
        source.decoder.decode_audio(source.path, source.limits, source.cancel, &mut on_chunk, &mut on_original)?;
    if let Some(e) = write_error {
        return Err(ProcessingError::io(wav.display(), e));
    }
    writer.finish().map_err(|e| ProcessingError::io(wav.display(), e))?;
    if let Some(e) = vad_error {
        return Err(ProcessingError::Transcription(e));
    }
    if let Some(e) = loudness_error {
        return Err(ProcessingError::Internal(format!("the loudness meter refused the audio's layout: {e}")));
    }
    let speech = vad.map(|stream| stream.finish());
    Ok(AudioAnalysis { features: analyzer.into_inner().finish(), wav, samples, speech, damage: summary.damage })
}

/// How a channel counts in ITU-R BS.1770's sum: surrounds (side and rear) weigh 1.41, the LFE
/// is left out, every other channel weighs 1.
fn loudness_channel(position: ChannelPosition) -> LoudnessChannel {
    match position {
        ChannelPosition::Lfe => LoudnessChannel::Lfe,
        ChannelPosition::RearLeft
        | ChannelPosition::RearRight
        | ChannelPosition::RearCenter
        | ChannelPosition::SideLeft
        | ChannelPosition::SideRight => LoudnessChannel::Surround,
        ChannelPosition::Mono
        | ChannelPosition::FrontLeft
        | ChannelPosition::FrontRight
        | ChannelPosition::FrontCenter
        | ChannelPosition::Other => LoudnessChannel::Front,
    }
}

/// Nudity scores of one sampled frame.
#[derive(Clone, Debug)]
pub(crate) struct NudityFrame {
    pub time_s: f64,
    pub scores: NudityScores,
}

/// The nudity scores of a recording's sampled frames, or why there are none.
pub(crate) type NudityOutcome = Result<Vec<NudityFrame>, String>;

/// The nudity model and how often to run it on sampled frames.
#[derive(Clone)]
pub(crate) struct NudityScan {
    pub model: std::sync::Arc<dyn NudityDetector>,
    pub interval_s: f64,
}

/// What the video half of the media stage produced.
pub(crate) struct VideoAnalysis {
    pub features: VideoFeatures,
    /// Damaged pieces the video decoder skipped while frames were sampled.
    pub decoder_errors: u32,
    /// Nudity scores of sampled frames; `None` without a nudity model.
    pub nudity: Option<NudityOutcome>,
}

/// Reads packet timing from the demuxer, then image statistics, compression measures on the
/// luma at its coded size (and, with a nudity model, nudity scores every `interval_s`) from
/// sampled frames; a short clip is decoded whole so that enough frames are sampled
/// ([`FrameSampling::for_clip`]).
pub(crate) fn analyze_video(
    source: MediaSource<'_>,
    info: &MediaInfo,
    sampling: FrameSampling,
    nudity: Option<&NudityScan>,
) -> Result<VideoAnalysis, ProcessingError> {
    let MediaSource { decoder, path, limits, cancel } = source;
    let stream =
        info.video().ok_or_else(|| ProcessingError::Internal("analyze_video called without a video stream".into()))?;
    let (width, height) = (stream.width.unwrap_or(0), stream.height.unwrap_or(0));
    let packets = decoder
        .read_video_packets(path, limits, cancel)?
        .into_iter()
        .map(|p| PacketInfo {
            pts_s: p.pts_s,
            dts_s: p.dts_s,
            duration_s: p.duration_s,
            size_bytes: p.size_bytes,
            keyframe: p.keyframe,
        })
        .collect::<Vec<_>>();
    let duration_s = info.duration_s.unwrap_or(0.0);
    let sampling = sampling.for_clip(duration_s, packets.iter().filter(|p| p.keyframe).count());
    let mut frames = Vec::new();
    let mut compression = Vec::new();
    // At most MAX_MEASURED_FRAMES of the sampled frames, spread over the clip.
    let compression_every_s = duration_s / MAX_MEASURED_FRAMES as f64 * 0.999;
    let mut nudity_frames = Vec::new();
    // Why the sampled frames carry no nudity scores, as the scan reports it.
    let mut nudity_error = None;
    // The image statistics read the scaled luma plane; the compression measure and the nudity
    // model the frame as decoded (nsfwjs squashes the whole picture itself, as a browser hands it
    // the video), converted to RGB only for the frames the model scores.
    let summary =
        decoder.sample_frames(path, (width, height), sampling, FrameFormat::Gray8, limits, cancel, &mut |frame| {
            frames.push(frame_stats(frame.pixels, frame.width, frame.height, frame.stride, frame.time_s));
            let Some(coded) = frame.coded else {
                return;
            };
            let luma = coded.luma();
            let measured = compression.last().map(|last: &CompressionStats| last.time_s);
            if measured.is_none_or(|last| frame.time_s - last >= compression_every_s) {
                compression.extend(compression_stats(luma.pixels, luma.width, luma.height, luma.stride, frame.time_s));
            }
            let Some(scan) = nudity else {
                return;
            };
            let due =
                nudity_frames.last().is_none_or(|last: &NudityFrame| frame.time_s - last.time_s >= scan.interval_s);
            if due && nudity_error.is_none() {
                match scan.model.score_frame(&coded.to_i420(), luma.width, luma.height, PixelFormat::I420) {
                    Ok(scores) => nudity_frames.push(NudityFrame { time_s: frame.time_s, scores }),
                    Err(e) => nudity_error = Some(format!("the nudity model failed: {e}")),
                }
            }
        })?;
    if nudity.is_some() && nudity_error.is_none() && nudity_frames.is_empty() && !frames.is_empty() {
        nudity_error = Some("the decoder handed over no full-size frames to score".to_string());
    }
    let nudity = nudity.map(|_| nudity_error.map_or(Ok(nudity_frames), Err));
    let features =
        VideoFeatures { width, height, declared_fps: stream.frame_rate, duration_s, packets, frames, compression };
    Ok(VideoAnalysis { features, decoder_errors: summary.decoder_errors, nudity })
}
