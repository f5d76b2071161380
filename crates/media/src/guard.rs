//! Checks against hostile media that run on compressed data, before any decoder sees it: the
//! frame size a stream declares in its caps and in its first frames' own headers (a JPEG's SOF
//! marker, a VP8 or VP9 key frame's header, an AV1 sequence header), which a decoder would
//! allocate without question.

use std::path::Path;
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::{Limits, MediaError, MediaLimit};

/// The first limit a pipeline's data broke, shared between streaming threads and the caller.
#[derive(Clone, Default)]
pub(crate) struct Tripwire(Arc<Mutex<Option<(MediaLimit, String)>>>);

impl Tripwire {
    pub fn trip(&self, limit: MediaLimit, detail: String) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert((limit, detail));
    }

    pub fn is_tripped(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// The typed error for the limit that was broken, if any.
    pub fn error(&self, path: &Path) -> Option<MediaError> {
        let slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().map(|(limit, detail)| MediaError::LimitExceeded {
            path: path.to_path_buf(),
            limit: *limit,
            detail: detail.clone(),
        })
    }
}

/// Why a frame of `width` × `height` is refused, or `None` when it is within `limits`.
pub(crate) fn frame_too_large(width: u64, height: u64, limits: &Limits, source: &str) -> Option<String> {
    let pixels = width.saturating_mul(height);
    (pixels > limits.max_frame_pixels).then(|| {
        format!(
            "{source} declares {width}×{height} frames ({pixels} pixels, at most {} allowed)",
            limits.max_frame_pixels
        )
    })
}

/// Checks the frame size a video or image caps event declares.
pub(crate) fn check_caps(caps: &gst::CapsRef, limits: &Limits) -> Option<String> {
    let s = caps.structure(0)?;
    if !(s.name().starts_with("video/") || s.name().starts_with("image/")) {
        return None;
    }
    let width = s.get::<i32>("width").ok()?;
    let height = s.get::<i32>("height").ok()?;
    frame_too_large(width.max(0) as u64, height.max(0) as u64, limits, &format!("the {} stream", s.name()))
}

/// Checks the frame size written inside a compressed frame of `media_type`, where the container's
/// caps may say otherwise (MJPEG, VP8, VP9).
pub(crate) fn check_frame(media_type: &str, data: &[u8], limits: &Limits) -> Option<String> {
    let (width, height) = match media_type {
        "image/jpeg" => jpeg_size(data)?,
        "video/x-vp8" => vp8_size(data)?,
        "video/x-vp9" => vp9_size(data)?,
        "video/x-av1" => av1_size(data)?,
        _ => return None,
    };
    frame_too_large(width as u64, height as u64, limits, &format!("a {media_type} frame header"))
}

/// Width and height from a JPEG's start-of-frame marker.
pub(crate) fn jpeg_size(data: &[u8]) -> Option<(u32, u32)> {
    if !data.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    let be16 = |i: usize| Some(u16::from_be_bytes([*data.get(i)?, *data.get(i + 1)?]) as u32);
    let mut i = 2;
    while i + 4 <= data.len() {
        if data[i] != 0xff {
            return None;
        }
        let marker = data[i + 1];
        match marker {
            0xff => i += 1,
            0x01 | 0xd0..=0xd8 => i += 2,
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                return Some((be16(i + 7)?, be16(i + 5)?));
            }
            _ => i += 2 + be16(i + 2)? as usize,
        }
    }
    None
}

/// Width and height from a VP8 key frame's header (RFC 6386, 9.1); `None` for inter frames.
pub(crate) fn vp8_size(data: &[u8]) -> Option<(u32, u32)> {
    if data.len() < 10 || data[0] & 1 != 0 || data[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let width = u16::from_le_bytes([data[6], data[7]]) & 0x3fff;
    let height = u16::from_le_bytes([data[8], data[9]]) & 0x3fff;
    Some((width as u32, height as u32))
}

/// Width and height from a VP9 key frame's uncompressed header (VP9 bitstream specification,
/// 6.2); `None` for other frames. A superframe starts with its first frame, so byte 0 is a header.
pub(crate) fn vp9_size(data: &[u8]) -> Option<(u32, u32)> {
    let mut bits = Bits { data, at: 0 };
    if bits.read(2)? != 0b10 {
        return None; // frame_marker
    }
    let profile = bits.read(1)? | (bits.read(1)? << 1);
    if profile == 3 {
        bits.read(1)?;
    }
    // show_existing_frame, then frame_type 0 (a key frame); show_frame, error_resilient_mode.
    if bits.read(1)? == 1 || bits.read(1)? != 0 {
        return None;
    }
    bits.read(2)?;
    if bits.read(24)? != 0x49_83_42 {
        return None;
    }
    if profile >= 2 {
        bits.read(1)?; // ten_or_twelve_bit
    }
    let rgb = bits.read(3)? == 7;
    let subsampling_bits = match (rgb, profile) {
        (false, 1 | 3) => 1 + 3, // color_range, subsampling_x/y, reserved
        (false, _) => 1,         // color_range
        (true, 1 | 3) => 1,      // reserved
        (true, _) => 0,
    };
    bits.read(subsampling_bits)?;
    Some((bits.read(16)? + 1, bits.read(16)? + 1))
}

/// The largest frame an AV1 sequence header allows (`max_frame_width_minus_1` + 1 and the
/// height's, AV1 specification 5.5.1), read from the first sequence header OBU among `data`'s
/// OBUs (a temporal unit in the low-overhead format). `av1parse` leaves the container's size in
/// the caps.
pub(crate) fn av1_size(data: &[u8]) -> Option<(u32, u32)> {
    let mut at = 0;
    while at < data.len() {
        let header = data[at];
        let (obu_type, extension, has_size) = ((header >> 3) & 0xf, header & 4 != 0, header & 2 != 0);
        let mut bits = Bits { data, at: (at + 1 + extension as usize) * 8 };
        let size = if has_size { bits.leb128()? } else { (data.len() - at) as u64 };
        let payload = bits.at / 8;
        if obu_type == 1 {
            return av1_sequence_size(&mut bits);
        }
        at = payload.checked_add(usize::try_from(size).ok()?)?;
    }
    None
}

fn av1_sequence_size(bits: &mut Bits<'_>) -> Option<(u32, u32)> {
    bits.read(3)?; // seq_profile
    bits.read(1)?; // still_picture
    if bits.read(1)? == 1 {
        bits.read(5)?; // reduced_still_picture_header: seq_level_idx[0] only
    } else {
        let mut buffer_delay_bits = 0;
        let decoder_model = if bits.read(1)? == 1 {
            bits.read(32)?; // num_units_in_display_tick
            bits.read(32)?; // time_scale
            if bits.read(1)? == 1 {
                bits.uvlc()?; // num_ticks_per_picture_minus_1
            }
            let present = bits.read(1)? == 1;
            if present {
                buffer_delay_bits = bits.read(5)? + 1;
                bits.read(32)?; // num_units_in_decoding_tick
                bits.read(10)?; // buffer_removal_time_length_minus_1, frame_presentation_time_length_minus_1
            }
            present
        } else {
            false
        };
        let initial_display_delay = bits.read(1)? == 1;
        for _ in 0..=bits.read(5)? {
            bits.read(12)?; // operating_point_idc
            if bits.read(5)? > 7 {
                bits.read(1)?; // seq_tier
            }
            if decoder_model && bits.read(1)? == 1 {
                bits.read(buffer_delay_bits)?;
                bits.read(buffer_delay_bits)?;
                bits.read(1)?; // low_delay_mode_flag
            }
            if initial_display_delay && bits.read(1)? == 1 {
                bits.read(4)?;
            }
        }
    }
    let (width_bits, height_bits) = (bits.read(4)? + 1, bits.read(4)? + 1);
    Some((bits.read(width_bits)? + 1, bits.read(height_bits)? + 1))
}

/// Reads bits most significant first.
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn read(&mut self, n: u32) -> Option<u32> {
        let mut value = 0;
        for _ in 0..n {
            let byte = self.data.get(self.at / 8)?;
            value = (value << 1) | ((byte >> (7 - self.at % 8)) & 1) as u32;
            self.at += 1;
        }
        Some(value)
    }

    /// An unsigned LEB128 number, from a byte boundary.
    fn leb128(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for i in 0..8 {
            let byte = self.read(8)? as u64;
            value |= (byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// An AV1 `uvlc()` number.
    fn uvlc(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.read(1)? == 0 {
            zeros += 1;
            if zeros >= 32 {
                return None;
            }
        }
        Some((1u32 << zeros) - 1 + self.read(zeros)?)
    }
}

/// Watches compressed video flowing through `pad` (before the decoder): a frame larger than the
/// limit trips `tripwire`, and from then on nothing more reaches the decoder. Items are consumed
/// with `Handled`, not `Drop`: with gstreamer-rs, `Drop` makes GStreamer 1.22 unref a null pointer
/// (a CRITICAL warning).
pub(crate) fn guard_video_pad(pad: &gst::Pad, limits: &Limits, tripwire: &Tripwire) {
    let (limits, tripwire) = (limits.clone(), tripwire.clone());
    let media_type: Mutex<String> = Mutex::default();
    pad.add_probe(gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
        if tripwire.is_tripped() {
            return gst::PadProbeReturn::Handled;
        }
        let verdict = match &info.data {
            Some(gst::PadProbeData::Event(event)) => match event.view() {
                gst::EventView::Caps(caps) => {
                    let caps = caps.caps();
                    if let Some(s) = caps.structure(0) {
                        *media_type.lock().unwrap_or_else(|e| e.into_inner()) = s.name().to_string();
                    }
                    check_caps(caps, &limits)
                }
                _ => None,
            },
            Some(gst::PadProbeData::Buffer(buffer)) => {
                let media_type = media_type.lock().unwrap_or_else(|e| e.into_inner()).clone();
                frame_header_verdict(&media_type, buffer, &limits)
            }
            _ => None,
        };
        match verdict {
            Some(detail) => {
                tripwire.trip(MediaLimit::FrameSize, detail);
                gst::PadProbeReturn::Handled
            }
            None => gst::PadProbeReturn::Ok,
        }
    });
}

/// Reads only the first bytes of a frame: enough for any JPEG, VP8, VP9 or AV1 header.
pub(crate) fn frame_header_verdict(media_type: &str, buffer: &gst::BufferRef, limits: &Limits) -> Option<String> {
    if !matches!(media_type, "image/jpeg" | "video/x-vp8" | "video/x-vp9" | "video/x-av1") {
        return None;
    }
    let map = buffer.map_readable().ok()?;
    let head = &map[..map.len().min(64 * 1024)];
    check_frame(media_type, head, limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_frame_sizes_from_jpeg_and_vp8_headers() {
        // SOI, an APP0 segment of 4 bytes, then SOF0 with height 30000 and width 20000.
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x75, 0x30, 0x4e, 0x20, 0x03,
        ];
        assert_eq!(jpeg_size(&jpeg), Some((20000, 30000)));
        assert_eq!(jpeg_size(b"\x89PNG"), None);
        let vp8 = [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01];
        assert_eq!(vp8_size(&vp8), Some((640, 360)));
        let inter = [0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01];
        assert_eq!(vp8_size(&inter), None);
    }

    #[test]
    fn reads_frame_sizes_from_vp9_key_frame_headers() {
        // Profile 0 key frame, shown: 10 0 0 0 0 1 0, sync code, color space 2 and range 0, then
        // width − 1 = 639 and height − 1 = 359 over 32 bits starting mid-byte.
        let size: u64 = (639 << 16) | 359;
        let mut header = vec![0x82, 0x49, 0x83, 0x42];
        let bits = (0b0100u64 << 32) | size; // 4 bits of colour config, 32 of size, 4 of padding
        header.extend(&(bits << 4).to_be_bytes()[3..]);
        assert_eq!(vp9_size(&header), Some((640, 360)));
        let inter = [0x86, 0x49, 0x83, 0x42, 0, 0, 0, 0, 0];
        assert_eq!(vp9_size(&inter), None);
        assert_eq!(vp9_size(&[0x82, 0x49]), None);
    }

    #[test]
    fn reads_the_largest_frame_from_an_av1_sequence_header() {
        // libaom's 160×120 sequence header (from a WebM's av1C), after a temporal delimiter OBU.
        let tu = [0x12, 0x00, 0x0a, 0x0a, 0x00, 0x00, 0x00, 0x03, 0xb4, 0xff, 0x73, 0x6b, 0xe4, 0x01];
        assert_eq!(av1_size(&tu), Some((160, 120)));
        assert_eq!(av1_size(&tu[2..]), Some((160, 120)));
        assert_eq!(av1_size(&[0x32, 0x03, 1, 2, 3]), None, "a frame OBU only");
        assert_eq!(av1_size(&tu[..7]), None, "cut short");
    }

    #[test]
    fn refuses_frames_over_the_pixel_limit_only() {
        let limits = Limits::default();
        assert!(frame_too_large(1920, 1080, &limits, "x").is_none());
        assert!(frame_too_large(3840, 2160, &limits, "x").is_none());
        let refusal = frame_too_large(30000, 30000, &limits, "the stream").unwrap();
        assert!(refusal.contains("30000×30000"), "{refusal}");
        assert!(frame_too_large(u64::MAX, u64::MAX, &limits, "x").is_some());
    }
}
