//! An H.264 elementary stream whose SPS (sequence parameter set) is rewritten bit by bit to claim
//! another frame size: what `h264parse` puts in the caps, and a decoder would allocate for.

use std::path::{Path, PathBuf};

use super::ffmpeg;

/// Reads bits most significant first.
struct BitReader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl BitReader<'_> {
    fn bit(&mut self) -> u32 {
        let bit = (self.bytes[self.at / 8] >> (7 - self.at % 8)) & 1;
        self.at += 1;
        bit as u32
    }

    fn bits(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |value, _| (value << 1) | self.bit())
    }

    /// Exp-Golomb ue(v).
    fn ue(&mut self) -> u32 {
        let mut zeros = 0;
        while self.bit() == 0 {
            zeros += 1;
        }
        (1 << zeros) - 1 + self.bits(zeros)
    }
}

#[derive(Default)]
struct BitWriter(Vec<bool>);

impl BitWriter {
    fn bits(&mut self, value: u32, n: u32) {
        (0..n).rev().for_each(|i| self.0.push((value >> i) & 1 == 1));
    }

    fn ue(&mut self, value: u32) {
        let code = value + 1;
        let len = 32 - code.leading_zeros();
        self.bits(0, len - 1);
        self.bits(code, len);
    }

    fn bytes(&self) -> Vec<u8> {
        self.0.chunks(8).map(|c| c.iter().enumerate().fold(0u8, |b, (i, &bit)| b | ((bit as u8) << (7 - i)))).collect()
    }
}

/// A baseline-profile SPS (RBSP, after the NAL header) with its frame size set to `mbs` × `mbs`
/// macroblocks; every other field is copied.
fn sps_with_size(rbsp: &[u8], mbs: u32) -> Vec<u8> {
    let mut r = BitReader { bytes: rbsp, at: 0 };
    let mut w = BitWriter::default();
    let profile = r.bits(8);
    assert_eq!(profile, 66, "baseline profile expected");
    w.bits(profile, 8);
    w.bits(r.bits(16), 16); // constraint flags, level
    w.ue(r.ue()); // seq_parameter_set_id
    w.ue(r.ue()); // log2_max_frame_num_minus4
    let poc_type = r.ue();
    w.ue(poc_type);
    assert!(poc_type != 1, "picture order count type 1 is not handled here");
    if poc_type == 0 {
        w.ue(r.ue());
    }
    w.ue(r.ue()); // max_num_ref_frames
    w.bits(r.bit(), 1); // gaps_in_frame_num_value_allowed_flag
    r.ue();
    r.ue();
    w.ue(mbs - 1);
    w.ue(mbs - 1);
    // The rest (frame_mbs_only_flag onwards, stop bit and padding included) is copied bit by bit,
    // then the new stop bit's byte is padded with zeros.
    let total = rbsp.len() * 8;
    let last_one = (0..total).rev().find(|&i| (rbsp[i / 8] >> (7 - i % 8)) & 1 == 1).unwrap();
    while r.at < last_one {
        w.bits(r.bit(), 1);
    }
    w.bits(1, 1);
    while w.0.len() % 8 != 0 {
        w.0.push(false);
    }
    w.bytes()
}

/// RBSP → NAL payload: an emulation-prevention byte after every two zero bytes before a byte ≤ 3.
fn escape_rbsp(rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + 4);
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

fn unescape_nal(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

/// A 64×64 H.264 elementary stream (Annex B) whose SPS is rewritten to `side` × `side` pixels.
pub fn h264_claiming(dir: &Path, side: u32) -> PathBuf {
    let original = dir.join("small.h264");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64:rate=10:duration=1",
        "-c:v",
        "libx264",
        "-profile:v",
        "baseline",
        "-preset",
        "ultrafast",
        "-f",
        "h264",
        original.to_str().unwrap(),
    ]);
    let stream = std::fs::read(&original).unwrap();
    // NAL units start after 00 00 01; the SPS has type 7.
    let starts: Vec<usize> = (0..stream.len() - 3).filter(|&i| stream[i..i + 3] == [0, 0, 1]).map(|i| i + 3).collect();
    let sps_at = *starts.iter().find(|&&i| stream[i] & 0x1f == 7).expect("an SPS");
    let sps_end = starts.iter().find(|&&i| i > sps_at).map_or(stream.len(), |&next| {
        let mut end = next - 3;
        while end > sps_at && stream[end - 1] == 0 {
            end -= 1;
        }
        end
    });
    let rbsp = unescape_nal(&stream[sps_at + 1..sps_end]);
    let mut patched = stream[..sps_at + 1].to_vec();
    patched.extend(escape_rbsp(&sps_with_size(&rbsp, side / 16)));
    patched.extend_from_slice(&stream[sps_end..]);
    let path = dir.join(format!("h264-{side}.h264"));
    std::fs::write(&path, patched).unwrap();
    path
}
