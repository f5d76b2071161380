//! Which Debian package provides the GStreamer element a recording needs.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

/// The first stream of `path` that no installed decoder accepts: its decoder's description
/// (e.g. "H.264 (High Profile) decoder") and media type. Reads the parser's stream collection
/// only; nothing is decoded.
pub(crate) fn missing_decoder(path: &Path, timeout: Duration) -> Option<(String, String)> {
    let pipeline = gst::Pipeline::new();
    let src =
        gst::ElementFactory::make("filesrc").property("location", path.to_string_lossy().as_ref()).build().ok()?;
    let parse = gst::ElementFactory::make("parsebin").build().ok()?;
    pipeline.add_many([&src, &parse]).ok()?;
    src.link(&parse).ok()?;
    // Each parsed stream is noted, then dropped into a fakesink so the parser carries on.
    let streams: Arc<Mutex<Vec<gst::Caps>>> = Arc::default();
    let (weak, seen) = (pipeline.downgrade(), streams.clone());
    parse.connect_pad_added(move |_, pad| {
        if let Some(caps) = pad.current_caps() {
            seen.lock().unwrap_or_else(|e| e.into_inner()).push(caps);
        }
        let (Some(pipeline), Ok(sink)) =
            (weak.upgrade(), gst::ElementFactory::make("fakesink").property("sync", false).build())
        else {
            return;
        };
        if pipeline.add(&sink).is_ok()
            && sink.sync_state_with_parent().is_ok()
            && let Some(sink_pad) = sink.static_pad("sink")
        {
            let _ = pad.link(&sink_pad);
        }
    });
    let _ = pipeline.set_state(gst::State::Playing);
    let bus = pipeline.bus()?;
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(100)) else {
            continue;
        };
        if let Ok(missing) = gstreamer_pbutils::MissingPluginMessage::parse(&msg) {
            // parsebin itself reports a stream it cannot handle for want of a decoder.
            let detail = missing.installer_detail().to_string();
            let media_type = detail.split('|').next_back().unwrap_or_default();
            let media_type =
                media_type.split_once('-').map_or(media_type, |(_, caps)| caps).split(',').next().unwrap_or_default();
            let _ = pipeline.set_state(gst::State::Null);
            return Some((missing.description().to_string(), media_type.to_string()));
        }
        if matches!(msg.view(), gst::MessageView::Error(_) | gst::MessageView::Eos(_)) {
            break;
        }
    }
    let _ = pipeline.set_state(gst::State::Null);
    let decoders = decoders();
    let streams = streams.lock().unwrap_or_else(|e| e.into_inner()).clone();
    streams.into_iter().find(|caps| !decoders.iter().any(|f| f.can_sink_any_caps(caps))).map(|caps| {
        let media_type = caps.structure(0).map(|s| s.name().to_string()).unwrap_or_default();
        (gstreamer_pbutils::pb_utils_get_decoder_description(&caps).to_string(), media_type)
    })
}

fn decoders() -> Vec<gst::ElementFactory> {
    gst::ElementFactory::factories_with_type(gst::ElementFactoryType::DECODER, gst::Rank::MARGINAL)
        .into_iter()
        .collect()
}

/// Maps a missing-plugin description (caps or element name) to the Debian package that provides it.
pub fn debian_package_for(missing: &str) -> &'static str {
    let m = missing.to_ascii_lowercase();
    const TABLE: &[(&str, &str)] = &[
        ("x-h264", "gstreamer1.0-libav"),
        ("x-h265", "gstreamer1.0-libav"),
        ("mpeg", "gstreamer1.0-libav"),
        ("aac", "gstreamer1.0-libav"),
        ("avdec", "gstreamer1.0-libav"),
        ("x-vp8", "gstreamer1.0-plugins-good"),
        ("x-vp9", "gstreamer1.0-plugins-good"),
        ("matroska", "gstreamer1.0-plugins-good"),
        ("webm", "gstreamer1.0-plugins-good"),
        ("quicktime", "gstreamer1.0-plugins-good"),
        ("qtdemux", "gstreamer1.0-plugins-good"),
        ("x-opus", "gstreamer1.0-plugins-base"),
        ("ogg", "gstreamer1.0-plugins-base"),
        ("vorbis", "gstreamer1.0-plugins-base"),
        ("parse", "gstreamer1.0-plugins-bad"),
    ];
    TABLE
        .iter()
        .find(|(needle, _)| m.contains(needle))
        .map(|(_, pkg)| *pkg)
        .unwrap_or("gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_package_for_common_egress_codecs() {
        assert_eq!(debian_package_for("decoder-video/x-h264"), "gstreamer1.0-libav");
        assert_eq!(debian_package_for("VP8 video decoder (video/x-vp8)"), "gstreamer1.0-plugins-good");
        assert_eq!(debian_package_for("decoder-audio/x-opus"), "gstreamer1.0-plugins-base");
        assert!(debian_package_for("something/unknown").contains("gstreamer1.0-plugins-base"));
    }
}
