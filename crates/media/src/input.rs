use std::path::Path;

use crate::MediaError;

/// Checks that `path` names a readable, non-empty file before any pipeline touches it.
pub fn check_input(path: &Path) -> Result<u64, MediaError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MediaError::NotFound { path: path.to_path_buf() });
        }
        Err(source) => {
            return Err(MediaError::Io { path: path.to_path_buf(), source });
        }
    };
    if !meta.is_file() {
        return Err(MediaError::NotMedia { path: path.to_path_buf(), detail: "not a regular file".into() });
    }
    if meta.len() == 0 {
        return Err(MediaError::Empty { path: path.to_path_buf() });
    }
    let mut file = std::fs::File::open(path).map_err(|source| MediaError::Io { path: path.to_path_buf(), source })?;
    let mut head = [0u8; 12];
    let read = std::io::Read::read(&mut file, &mut head)
        .map_err(|source| MediaError::Io { path: path.to_path_buf(), source })?;
    if let Some(kind) = still_image(&head[..read]) {
        // GStreamer would typefind it as an image and the pipeline would wait for a stream that
        // never comes until the watchdog gives up: say what it is at once.
        return Err(MediaError::NotMedia {
            path: path.to_path_buf(),
            detail: format!("it is a {kind} image, not an audio or video recording"),
        });
    }
    // A fragmented MP4 cut after whole fragments is let through: they play, and the decode
    // reports the missing end (`DamageReport::cut`).
    if let Some(crate::mp4_boxes::Mp4Cut::Unplayable(detail)) = crate::mp4_boxes::incomplete_mp4(path) {
        return Err(MediaError::Truncated { path: path.to_path_buf(), detail });
    }
    Ok(meta.len())
}

/// The kind of still image whose signature `head` starts with (PNG, JPEG, GIF, WebP).
fn still_image(head: &[u8]) -> Option<&'static str> {
    match head {
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some("PNG"),
        [0xff, 0xd8, 0xff, ..] => Some("JPEG"),
        [b'G', b'I', b'F', b'8', ..] => Some("GIF"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("WebP"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::still_image;

    #[test]
    fn still_images_are_recognised_by_their_signature() {
        assert_eq!(still_image(b"\x89PNG\r\n\x1a\n\0\0\0\x0d"), Some("PNG"));
        assert_eq!(still_image(&[0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), Some("JPEG"));
        assert_eq!(still_image(b"GIF89a\x01\0"), Some("GIF"));
        assert_eq!(still_image(b"RIFF\x10\0\0\0WEBP"), Some("WebP"));
        assert_eq!(still_image(b"RIFF\x10\0\0\0WAVE"), None);
        assert_eq!(still_image(b"\0\0\0\x20ftypisom"), None);
        assert_eq!(still_image(b"\x1aE\xdf\xa3"), None);
    }
}
