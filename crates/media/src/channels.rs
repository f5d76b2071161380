//! The audio's original channels, tapped from the decode before it is mixed to mono.

use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_audio::{AudioChannelPosition, AudioInfo};
use serde::{Deserialize, Serialize};

/// Where one channel of the original audio is meant to play.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelPosition {
    Mono,
    FrontLeft,
    FrontRight,
    FrontCenter,
    /// Low-frequency effects (LFE1 or LFE2).
    Lfe,
    RearLeft,
    RearRight,
    RearCenter,
    /// Side, or surround between side and rear.
    SideLeft,
    SideRight,
    /// Any other position (height, wide, front of centre), or none declared.
    Other,
}

impl ChannelPosition {
    fn from_gst(position: AudioChannelPosition) -> Self {
        use AudioChannelPosition as P;
        match position {
            P::Mono => Self::Mono,
            P::FrontLeft => Self::FrontLeft,
            P::FrontRight => Self::FrontRight,
            P::FrontCenter => Self::FrontCenter,
            P::Lfe1 | P::Lfe2 => Self::Lfe,
            P::RearLeft => Self::RearLeft,
            P::RearRight => Self::RearRight,
            P::RearCenter => Self::RearCenter,
            P::SideLeft | P::SurroundLeft => Self::SideLeft,
            P::SideRight | P::SurroundRight => Self::SideRight,
            _ => Self::Other,
        }
    }
}

/// The rate and channels of the original audio, in the order of the interleaved samples.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelLayout {
    pub sample_rate: u32,
    pub channels: Vec<ChannelPosition>,
}

impl ChannelLayout {
    fn from_caps(caps: &gst::CapsRef) -> Option<Self> {
        let info = AudioInfo::from_caps(caps).ok()?;
        let channels = match info.positions() {
            Some(positions) => positions.iter().map(|&p| ChannelPosition::from_gst(p)).collect(),
            None => vec![ChannelPosition::Other; info.channels() as usize],
        };
        Some(Self { sample_rate: info.rate(), channels })
    }
}

/// One buffer of the original audio: interleaved `f32` frames in `layout`.
pub(crate) struct OriginalChunk {
    pub layout: Arc<ChannelLayout>,
    pub samples: Vec<f32>,
}

/// Copies every buffer reaching `pad` (interleaved F32LE) into `tx`, with its layout.
pub(crate) fn tap_original(pad: &gst::Pad, tx: Sender<OriginalChunk>) {
    let layout: Mutex<Option<(gst::Caps, Arc<ChannelLayout>)>> = Mutex::default();
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let Some(gst::PadProbeData::Buffer(buffer)) = &info.data else {
            return gst::PadProbeReturn::Ok;
        };
        let Some(caps) = pad.current_caps() else {
            return gst::PadProbeReturn::Ok;
        };
        let mut known = layout.lock().unwrap_or_else(|e| e.into_inner());
        if known.as_ref().is_none_or(|(seen, _)| *seen != caps) {
            *known = ChannelLayout::from_caps(&caps).map(|l| (caps.clone(), Arc::new(l)));
        }
        let (Some((_, layout)), Ok(map)) = (known.as_ref(), buffer.map_readable()) else {
            return gst::PadProbeReturn::Ok;
        };
        let samples = map.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        // The receiver is gone only when the decode has stopped.
        let _ = tx.send(OriginalChunk { layout: layout.clone(), samples });
        gst::PadProbeReturn::Ok
    });
}
