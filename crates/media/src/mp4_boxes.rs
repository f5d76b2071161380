//! A structural check of ISO BMFF (MP4, M4A) files: a recorder that was killed leaves a file
//! whose index (`moov`) is missing or whose last box runs past the end of the file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Why an MP4 file is incomplete, or `None` when its top-level boxes are whole (or it is not MP4).
pub fn incomplete_mp4(path: &Path) -> Option<String> {
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut offset = 0u64;
    let mut saw_ftyp = false;
    let mut saw_moov = false;
    while offset + 8 <= len {
        file.seek(SeekFrom::Start(offset)).ok()?;
        let mut header = [0u8; 16];
        file.read_exact(&mut header[..8]).ok()?;
        let kind: [u8; 4] = header[4..8].try_into().ok()?;
        let size = match u32::from_be_bytes(header[..4].try_into().ok()?) as u64 {
            0 => len - offset, // box runs to the end of the file
            1 => {
                file.read_exact(&mut header[8..16]).ok()?;
                u64::from_be_bytes(header[8..16].try_into().ok()?)
            }
            n => n,
        };
        if offset == 0 {
            if &kind != b"ftyp" {
                return None; // not ISO BMFF: other checks apply
            }
            saw_ftyp = true;
        }
        if size < 8 {
            return Some(format!("box '{}' at byte {offset} has an invalid size", String::from_utf8_lossy(&kind)));
        }
        if offset + size > len {
            return Some(format!(
                "box '{}' at byte {offset} needs {size} bytes but the file ends after {}",
                String::from_utf8_lossy(&kind),
                len - offset
            ));
        }
        saw_moov |= &kind == b"moov";
        offset += size;
    }
    (saw_ftyp && !saw_moov).then(|| "no 'moov' index box".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_box(kind: &[u8; 4], body: usize) -> Vec<u8> {
        let mut b = ((body + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.resize(body + 8, 0);
        b
    }

    fn check(bytes: &[u8]) -> Option<String> {
        let path = std::env::temp_dir().join(format!("mp4-boxes-{}-{}", std::process::id(), bytes.len()));
        std::fs::write(&path, bytes).unwrap();
        let result = incomplete_mp4(&path);
        std::fs::remove_file(&path).unwrap();
        result
    }

    #[test]
    fn whole_files_pass_and_cut_files_are_named() {
        let whole = [mp4_box(b"ftyp", 16), mp4_box(b"mdat", 100), mp4_box(b"moov", 40)].concat();
        assert_eq!(check(&whole), None);
        let no_moov = [mp4_box(b"ftyp", 16), mp4_box(b"mdat", 100)].concat();
        assert!(check(&no_moov).unwrap().contains("moov"));
        let cut = &whole[..70];
        assert!(check(cut).unwrap().contains("mdat"));
        assert_eq!(check(b"not an mp4 file at all"), None);
    }
}
