//! A structural check of ISO BMFF (MP4, M4A) files: a recorder that was killed leaves a file
//! whose index (`moov`) is missing or whose last box runs past the end of the file. A fragmented
//! MP4 (`moov`, then `moof` + `mdat` fragments) cut inside a fragment keeps its whole fragments.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// How an MP4 file is incomplete.
#[derive(Debug, PartialEq)]
pub enum Mp4Cut {
    /// Nothing can be played: no index, or the cut comes before a whole fragment.
    Unplayable(String),
    /// A fragmented MP4 cut after at least one whole fragment: those still play.
    Fragments(String),
}

/// Why an MP4 file is incomplete, or `None` when its top-level boxes are whole (or it is not MP4).
pub fn incomplete_mp4(path: &Path) -> Option<Mp4Cut> {
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut offset = 0u64;
    let mut saw_ftyp = false;
    let mut saw_moov = false;
    // Fragments whose `moof` and `mdat` are both whole, after the `moov`.
    let (mut in_fragment, mut whole_fragments) = (false, 0u32);
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
            let detail = format!("box '{}' at byte {offset} has an invalid size", String::from_utf8_lossy(&kind));
            return Some(cut(detail, saw_moov, whole_fragments));
        }
        if offset + size > len {
            let detail = format!(
                "box '{}' at byte {offset} needs {size} bytes but the file ends after {}",
                String::from_utf8_lossy(&kind),
                len - offset
            );
            return Some(cut(detail, saw_moov, whole_fragments));
        }
        saw_moov |= &kind == b"moov";
        match &kind {
            b"moof" => in_fragment = saw_moov,
            b"mdat" if in_fragment => {
                whole_fragments += 1;
                in_fragment = false;
            }
            _ => {}
        }
        offset += size;
    }
    (saw_ftyp && !saw_moov).then(|| Mp4Cut::Unplayable("no 'moov' index box".to_string()))
}

fn cut(detail: String, saw_moov: bool, whole_fragments: u32) -> Mp4Cut {
    if saw_moov && whole_fragments > 0 {
        Mp4Cut::Fragments(format!("{detail}; {whole_fragments} whole fragments before it"))
    } else {
        Mp4Cut::Unplayable(detail)
    }
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

    fn check(bytes: &[u8]) -> Option<Mp4Cut> {
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
        assert!(matches!(check(&no_moov), Some(Mp4Cut::Unplayable(d)) if d.contains("moov")));
        let cut = &whole[..70];
        assert!(matches!(check(cut), Some(Mp4Cut::Unplayable(d)) if d.contains("mdat")));
        assert_eq!(check(b"not an mp4 file at all"), None);
    }

    #[test]
    fn a_fragmented_file_cut_after_whole_fragments_keeps_them() {
        let fragment = [mp4_box(b"moof", 20), mp4_box(b"mdat", 100)].concat();
        let whole = [mp4_box(b"ftyp", 16), mp4_box(b"moov", 40), fragment.clone(), fragment.clone()].concat();
        assert_eq!(check(&whole), None);
        let cut = &whole[..whole.len() - 50];
        assert!(
            matches!(check(cut), Some(Mp4Cut::Fragments(d)) if d.contains("1 whole fragments")),
            "{:?}",
            check(cut)
        );
        let in_first = &whole[..24 + 48 + 28 + 50];
        assert!(matches!(check(in_first), Some(Mp4Cut::Unplayable(_))), "{:?}", check(in_first));
    }
}
