//! The decoding stage is a boundary like the others: a `MediaDecoder` given to the builder reads
//! every recording (probe, audio, video packets, frames), and its errors are the run's.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use session_processing::session_media::{
    AudioSummary, ChannelLayout, Frame, FrameFormat, FrameSampling, FrameSummary, Limits, MediaError, MediaInfo,
    VideoPacket,
};
use session_processing::stages::{GStreamer, MediaDecoder};
use session_processing::{CancelFlag, RunStatus};
use support::{builder_for, fixture, local, read_json};

/// GStreamer, counting the calls of each kind; or refusing every file.
#[derive(Debug, Default)]
struct Counting {
    calls: [AtomicUsize; 4],
    refuse: bool,
}

impl Counting {
    fn count(&self, i: usize) -> usize {
        self.calls[i].load(Ordering::SeqCst)
    }
}

impl MediaDecoder for Counting {
    fn name(&self) -> &str {
        "counting"
    }

    fn probe(&self, path: &Path, limits: &Limits) -> Result<MediaInfo, MediaError> {
        self.calls[0].fetch_add(1, Ordering::SeqCst);
        if self.refuse {
            return Err(MediaError::NotMedia { path: path.to_path_buf(), detail: "this decoder reads nothing".into() });
        }
        GStreamer.probe(path, limits)
    }

    fn decode_audio(
        &self,
        path: &Path,
        limits: &Limits,
        cancel: &CancelFlag,
        on_chunk: &mut dyn FnMut(&[f32]),
        on_original: &mut dyn FnMut(&ChannelLayout, &[f32]),
    ) -> Result<AudioSummary, MediaError> {
        self.calls[1].fetch_add(1, Ordering::SeqCst);
        GStreamer.decode_audio(path, limits, cancel, on_chunk, on_original)
    }

    fn read_video_packets(
        &self,
        path: &Path,
        limits: &Limits,
        cancel: &CancelFlag,
    ) -> Result<Vec<VideoPacket>, MediaError> {
        self.calls[2].fetch_add(1, Ordering::SeqCst);
        GStreamer.read_video_packets(path, limits, cancel)
    }

    fn sample_frames(
        &self,
        path: &Path,
        size: (u32, u32),
        sampling: FrameSampling,
        format: FrameFormat,
        limits: &Limits,
        cancel: &CancelFlag,
        on_frame: &mut dyn FnMut(Frame<'_>),
    ) -> Result<FrameSummary, MediaError> {
        self.calls[3].fetch_add(1, Ordering::SeqCst);
        GStreamer.sample_frames(path, size, sampling, format, limits, cancel, on_frame)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decoder_given_to_the_builder_reads_every_recording() {
    let out = tempfile::tempdir().unwrap();
    let decoder = Arc::new(Counting::default());
    let processor = builder_for(out.path()).decoder(decoder.clone()).build();
    let result = processor.process("decoded-1", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert_eq!(result.status, RunStatus::Complete);
    let counts: Vec<usize> = (0..4).map(|i| decoder.count(i)).collect();
    assert_eq!(counts, [1, 1, 1, 1], "probe, audio, packets, frames: once each");

    // The same recording through the built-in decoder scores the same.
    let plain = tempfile::tempdir().unwrap();
    builder_for(plain.path())
        .build()
        .process("decoded-1", local(&fixture("clean.mp4")), &CancelFlag::new())
        .await
        .unwrap();
    let quality = |dir: &Path| {
        let mut q = read_json(&dir.join("sessions/decoded-1/quality.json"));
        q.as_object_mut().unwrap().remove("generated_at");
        q
    };
    assert_eq!(quality(out.path()), quality(plain.path()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decoders_error_fails_the_run_with_its_code() {
    let out = tempfile::tempdir().unwrap();
    let decoder = Arc::new(Counting { refuse: true, ..Counting::default() });
    let processor = builder_for(out.path()).decoder(decoder.clone()).build();
    let error = processor.process("refused-1", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap_err();
    assert_eq!(error.code(), "media.input_not_media", "{error}");
    assert!(error.to_string().contains("this decoder reads nothing"), "{error}");
    assert_eq!((decoder.count(0), decoder.count(1)), (1, 0), "nothing decoded after the probe failed");
    let manifest = read_json(&out.path().join("sessions/refused-1/manifest.json"));
    assert_eq!(manifest["status"], "failed");
}
