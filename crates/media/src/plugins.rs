//! Which Debian package provides the GStreamer element a recording needs.

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
