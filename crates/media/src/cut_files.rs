//! Files that end before their own structure says they should — a recorder killed mid-write, a
//! copy cut short — read from the container's sizes, not from decoding: a fragmented MP4 whose
//! last box runs past the end, an Ogg stream whose last page is cut or does not end its stream,
//! a WAV whose data chunk is longer than the file, a Matroska/WebM segment longer than the file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::mp4_boxes::{Mp4Cut, incomplete_mp4};

/// Where `path` is cut short, in words, or `None` when its structure is whole (or unknown).
pub(crate) fn cut_short(path: &Path) -> Option<String> {
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut head = [0u8; 12];
    file.read_exact(&mut head).ok()?;
    match head {
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => match incomplete_mp4(path)? {
            Mp4Cut::Fragments(detail) | Mp4Cut::Unplayable(detail) => Some(detail),
        },
        [b'O', b'g', b'g', b'S', ..] => ogg_cut(&mut file, len),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'A', b'V', b'E'] => wav_cut(&mut file, len),
        [0x1a, 0x45, 0xdf, 0xa3, ..] => matroska_cut(&mut file, len),
        _ => None,
    }
}

/// An Ogg page's header is 27 bytes, then one byte per segment; a page holds at most 65 307.
const OGG_MAX_PAGE: u64 = 27 + 255 + 255 * 255;

/// The last Ogg page must be whole and carry the end-of-stream flag.
fn ogg_cut(file: &mut File, len: u64) -> Option<String> {
    let start = len.saturating_sub(OGG_MAX_PAGE + 27);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).ok()?;
    let at = tail.windows(5).rposition(|w| w == b"OggS\0")?;
    let page = &tail[at..];
    let offset = start + at as u64;
    let Some(&segments) = page.get(26) else {
        return Some(format!("the last Ogg page, at byte {offset}, is cut inside its header"));
    };
    let Some(table) = page.get(27..27 + segments as usize) else {
        return Some(format!("the last Ogg page, at byte {offset}, is cut inside its header"));
    };
    let size = 27 + segments as u64 + table.iter().map(|&s| s as u64).sum::<u64>();
    if offset + size > len {
        return Some(format!(
            "the last Ogg page, at byte {offset}, needs {size} bytes but the file ends after {}",
            len - offset
        ));
    }
    let end_of_stream = page[5] & 0x04 != 0;
    (!end_of_stream)
        .then(|| format!("the last Ogg page, at byte {offset}, does not end its stream (no end-of-stream flag)"))
}

/// The `data` chunk must fit in the file (sizes 0 and 0xFFFFFFFF mean "unknown", as streaming
/// writers leave them).
fn wav_cut(file: &mut File, len: u64) -> Option<String> {
    let mut offset = 12u64;
    while offset + 8 <= len {
        file.seek(SeekFrom::Start(offset)).ok()?;
        let mut header = [0u8; 8];
        file.read_exact(&mut header).ok()?;
        let size = u32::from_le_bytes(header[4..].try_into().ok()?) as u64;
        if &header[..4] == b"data" {
            if size == 0 || size == u32::MAX as u64 || offset + 8 + size <= len {
                return None;
            }
            let left = len - offset - 8;
            return Some(format!("the WAV data chunk declares {size} bytes but the file holds {left}"));
        }
        offset += 8 + size + size % 2;
    }
    None
}

/// The Segment after the EBML header must fit in the file (unless its size is unknown, as live
/// recorders write it).
fn matroska_cut(file: &mut File, len: u64) -> Option<String> {
    let mut head = vec![0u8; 64.min(len) as usize];
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_exact(&mut head).ok()?;
    let (header_size, width) = ebml_size(&head[4..])?;
    let header_len = 4 + width as u64 + header_size?;
    let at = header_len as usize;
    if head.get(at..at + 4)? != [0x18, 0x53, 0x80, 0x67] {
        return None;
    }
    let (segment_size, width) = ebml_size(&head[at + 4..])?;
    let segment_start = header_len + 4 + width as u64;
    let segment_size = segment_size?;
    (segment_start + segment_size > len).then(|| {
        format!(
            "the Matroska segment declares {segment_size} bytes but the file holds {}",
            len.saturating_sub(segment_start)
        )
    })
}

/// An EBML variable-size integer: its value (`None` when "unknown", all ones) and its width.
fn ebml_size(bytes: &[u8]) -> Option<(Option<u64>, usize)> {
    let first = *bytes.first()?;
    let width = first.leading_zeros() as usize + 1;
    if width > 8 {
        return None;
    }
    let mut value = (first as u64) & (0xff >> width);
    for &b in bytes.get(1..width)? {
        value = (value << 8) | b as u64;
    }
    let unknown = value == (1u64 << (7 * width)) - 1;
    Some(((!unknown).then_some(value), width))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, bytes: &[u8]) -> Option<String> {
        let path = std::env::temp_dir().join(format!("cut-files-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let result = cut_short(&path);
        std::fs::remove_file(&path).unwrap();
        result
    }

    fn ogg_page(flags: u8, payload: usize) -> Vec<u8> {
        let mut page = b"OggS\0".to_vec();
        page.push(flags);
        page.extend([0u8; 20]); // granule, serial, sequence, checksum
        page.push(1);
        page.push(payload as u8);
        page.resize(page.len() + payload, 7);
        page
    }

    #[test]
    fn ogg_needs_a_whole_last_page_that_ends_the_stream() {
        let whole = [ogg_page(0x02, 19), ogg_page(0, 100), ogg_page(0x04, 50)].concat();
        assert_eq!(check("whole.ogg", &whole), None);
        let cut = &whole[..whole.len() - 10];
        assert!(check("cut.ogg", cut).unwrap().contains("needs 78 bytes"), "{:?}", check("cut.ogg", cut));
        let open = [ogg_page(0x02, 19), ogg_page(0, 100)].concat();
        assert!(check("open.ogg", &open).unwrap().contains("end-of-stream"));
    }

    #[test]
    fn a_wav_data_chunk_must_fit() {
        let wav = |declared: u32, held: usize| {
            let mut b = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
            b.resize(b.len() + 16, 0);
            b.extend(b"data");
            b.extend(declared.to_le_bytes());
            b.resize(b.len() + held, 0);
            b
        };
        assert_eq!(check("whole.wav", &wav(100, 100)), None);
        assert_eq!(check("streamed.wav", &wav(u32::MAX, 100)), None);
        assert!(check("cut.wav", &wav(100, 40)).unwrap().contains("declares 100 bytes but the file holds 40"));
    }

    #[test]
    fn a_matroska_segment_must_fit_unless_its_size_is_unknown() {
        let file = |size: &[u8], body: usize| {
            let mut b = vec![0x1a, 0x45, 0xdf, 0xa3, 0x84, 1, 2, 3, 4, 0x18, 0x53, 0x80, 0x67];
            b.extend(size);
            b.resize(b.len() + body, 0);
            b
        };
        assert_eq!(check("whole.webm", &file(&[0x40, 100], 100)), None);
        assert!(
            check("cut.webm", &file(&[0x40, 100], 60)).unwrap().contains("declares 100 bytes but the file holds 60")
        );
        assert_eq!(check("live.webm", &file(&[0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 60)), None);
    }
}
