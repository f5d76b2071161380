//! Compressed video packets straight from the demuxer: what a recording's timing looks like,
//! without decoding a single frame.

use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app::AppSink;
use serde::{Deserialize, Serialize};

use crate::runner::{PipelineRun, StreamLinks, filesrc, link, route_pads, seconds};
use crate::{CancelFlag, Limits, MediaError, check_input, init};

/// One compressed video frame as the container stores it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoPacket {
    pub pts_s: Option<f64>,
    pub dts_s: Option<f64>,
    pub duration_s: Option<f64>,
    pub size_bytes: u32,
    pub keyframe: bool,
}

/// Reads every packet of the first video stream of `path`.
pub fn read_video_packets(path: &Path, limits: &Limits, cancel: &CancelFlag) -> Result<Vec<VideoPacket>, MediaError> {
    check_input(path)?;
    init()?;
    let mut run = PipelineRun::new(path, "video packet scan", limits, cancel);
    let src = filesrc(&run)?;
    let parse = run.element("parsebin")?;
    let sink = AppSink::builder().sync(false).max_buffers(64).build();
    run.pipeline.add(&sink).map_err(|e| run.failure(e.to_string()))?;
    link(&run, &[&src, &parse])?;
    let links = StreamLinks::new("video/");
    let target = sink.static_pad("sink").ok_or_else(|| run.failure("appsink has no sink pad"))?;
    route_pads(&parse, target, &links);

    run.set_state(gst::State::Playing)?;
    let mut packets = Vec::new();
    run.drain(
        &sink,
        &links,
        |path| MediaError::NoVideo { path },
        |sample| {
            if let Some(buffer) = sample.buffer() {
                packets.push(VideoPacket {
                    pts_s: seconds(buffer.pts()),
                    dts_s: seconds(buffer.dts()),
                    duration_s: seconds(buffer.duration()),
                    size_bytes: u32::try_from(buffer.size()).unwrap_or(u32::MAX),
                    keyframe: !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT),
                });
            }
            Ok(())
        },
    )?;
    Ok(packets)
}
